/**
 * The take page in a real browser: Debian's chromium (scripts/setup.sh installs it) driven by playwright-core,
 * against the real local stack (startLocalStack on a temp folder, port 0, the bundled model). A synthetic take
 * is analysed by split-take; the page must show one span per note in its label's colour, play a note's clip,
 * move and relabel with the keyboard (saved beside the report), filter, export the labels CSV, queue a retrain
 * on the corrections (the job picks it up), and upload a take by drag and drop; a screenshot is checked by
 * pixel sampling. `buzzfinder report --html` writes the same view as one file that works offline.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { loadConfig } from '../../adapters/config';
import { main } from '../../cli/main';
import { LocalFolderStore } from '../../adapters/storage/local';
import { LocalStack, startLocalStack } from '../../functions/local-stack';
import { encodeWav16 } from '../../shared/audio/encode';
import { loadAudio } from '../../shared/audio/load';
import { clipsFromTake, parseLabelsCsv } from '../../shared/dataset/import';
import { loadDataset } from '../../shared/dataset/read';
import { LABEL_COLOURS } from '../../shared/page/html';
import { TakeCorrections, validateCorrections } from '../../shared/report/corrections';
import { TakeReport, validateTakeReport } from '../../shared/report/schema';
import { synthesizeTake } from '../../shared/synth/take';
import { launchChromium } from '../../scripts/chromium';
import { captureLogs } from '../functions/helpers';

/** A file name with HTML specials: the page must show it as text. */
const TAKE_NAME = 'riff "A" <img src=x onerror=alert(1)> & more.wav';
const ALPHA = 0.45;

let root: string;
let stack: LocalStack;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let report: TakeReport;
let takeWav: Uint8Array;
let generation: string;

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the waveform shows `n` note spans (wavesurfer attaches region elements asynchronously). */
async function spansDrawn(n: number, timeoutMs = 15_000): Promise<void> {
  await until(`${n} note spans`, async () => (await page.locator('#waveform [data-note]').count()) === n, timeoutMs);
}

/** The report of upload `name` once split-take has written it. */
async function reportOf(name: string): Promise<{ report: TakeReport; generation: string }> {
  const dir = path.join(root, 'reports', 'summaries');
  const file = await until(`the report of ${name}`, async () => (await fs.readdir(dir)).find((f) => f.startsWith(`${name}.`)));
  const summary = JSON.parse(await fs.readFile(path.join(dir, file), 'utf8')) as { report: string; generation: string };
  const text = await fs.readFile(path.join(root, 'reports', summary.report), 'utf8');
  return { report: validateTakeReport(JSON.parse(text)), generation: summary.generation };
}

/**
 * What the in-page functions below use. The project compiles without the DOM library on purpose (shared/ must not
 * touch browser globals), so the few browser APIs used here are typed by hand and reached through globalThis.
 */
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { drawImage(img: unknown, x: number, y: number): void; getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}
interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface BrowserGlobals {
  getComputedStyle(el: unknown): { backgroundColor: string };
  takePage: { wavesurfer: { getCurrentTime(): number; isPlaying(): boolean } };
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: unknown[], name: string, options: { type: string }) => unknown;
  Image: new () => { src: string; width: number; height: number; decode(): Promise<void> };
  document: { createElement(tag: 'canvas'): Canvas };
}

function rgba(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const regions = (p: Page) =>
  p.locator('#waveform [data-note]').evaluateAll((els) => els.map((e) => ({ index: Number(e.getAttribute('data-note')), kind: e.getAttribute('data-kind'), bg: (globalThis as unknown as BrowserGlobals).getComputedStyle(e).backgroundColor })));

const player = (p: Page) =>
  p.evaluate(() => {
    const ws = (globalThis as unknown as BrowserGlobals).takePage.wavesurfer;
    return { time: ws.getCurrentTime(), playing: ws.isPlaying() };
  });

async function corrections(): Promise<TakeCorrections> {
  return validateCorrections(JSON.parse(await fs.readFile(path.join(root, 'reports', 'corrections', `${TAKE_NAME}.${generation}.json`), 'utf8')), report);
}

// The stack's JSON log lines go to a sink, not stdout: quiet passing runs, and a stdout that only carries what a
// test captures from the CLI.
let logs: ReturnType<typeof captureLogs>;

beforeAll(async () => {
  logs = captureLogs();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'buzzfinder-page-'));
  const take = synthesizeTake({ seconds: 6, seed: 4, condition: 'mixed' });
  takeWav = encodeWav16(take.samples, take.sampleRate);
  await fs.mkdir(path.join(root, 'uploads'), { recursive: true });
  await fs.writeFile(path.join(root, 'uploads', TAKE_NAME), takeWav);
  const env = { BUZZFINDER_LOCAL_ROOT: root, BUZZFINDER_LOCAL_POLL_MS: '100', BUZZFINDER_TRAIN_BUDGET_SEC: '2', BUZZFINDER_MAX_UPLOAD_BYTES: String(2 * 1024 * 1024) };
  [stack, browser] = await Promise.all([startLocalStack(loadConfig(env), { port: 0 }), launchChromium()]);
  ({ report, generation } = await reportOf(TAKE_NAME));
  page = await browser.context.newPage();
  page.on('pageerror', (e) => {
    throw e;
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await fs.rm(root, { recursive: true, force: true });
  logs.restore();
});

it('lists the take (its name escaped) and opens its report with one span per note', async () => {
  expect(report.notes.length).toBeGreaterThanOrEqual(5);
  await page.goto(stack.takesUrl);
  const link = page.locator('#takes a');
  expect(await link.textContent()).toBe(TAKE_NAME);
  await link.click();
  await page.waitForURL(/\/takes\/view\//);
  expect(await page.locator('h1').textContent()).toBe(TAKE_NAME);
  expect(await page.locator('img').count()).toBe(0);
  await spansDrawn(report.notes.length, 40_000);
});

it("draws every note in its label's colour, and lists it with the same label", async () => {
  const drawn = await regions(page);
  expect(drawn.map((r) => r.index)).toEqual(report.notes.map((n) => n.index));
  for (const r of drawn) {
    const [red, green, blue] = rgba(LABEL_COLOURS[report.notes[r.index].label]);
    expect([r.kind, r.bg]).toEqual([report.notes[r.index].label, `rgba(${red}, ${green}, ${blue}, ${ALPHA})`]);
  }
  // Hovering a span tells its pitch, label and confidence.
  const n1 = report.notes[1];
  expect(await page.locator('#waveform [data-note="1"]').getAttribute('title')).toBe(
    `Note 2 at ${n1.onsetSec.toFixed(2)} s, ${n1.pitch?.name ?? 'no pitch'}, ${n1.label}, confidence ${Math.round(n1.confidence * 100)} %`,
  );
  const items = await page.locator('#notes li').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
  expect(items).toEqual(report.notes.map((n) => n.label));
  const clean = report.notes.filter((n) => n.label === 'clean').length;
  expect(await page.locator('#summary dd').first().textContent()).toBe(String(report.notes.length));
  expect(await page.locator('#summary').textContent()).toContain(`${Math.round((100 * clean) / report.notes.length)} %`);
});

it("plays a note's 2 s clip when its span is clicked", async () => {
  const note = report.notes[1];
  await page.locator('#waveform [data-note="1"]').click({ position: { x: 3, y: 60 } });
  await until('playback', async () => (await player(page)).playing, 15_000);
  const a = await player(page);
  const b = await until('the playback time to advance', async () => {
    const now = await player(page);
    return now.time > a.time && now;
  }, 15_000);
  expect(a.time).toBeGreaterThanOrEqual(note.startSec - 0.05);
  expect(b.time).toBeLessThanOrEqual(note.endSec + 0.05);
  expect(await page.locator('#notes li[aria-selected="true"]').getAttribute('id')).toBe('note-1');
});

it('moves between notes with the arrow keys and plays with Space', async () => {
  await page.focus('#notes');
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  expect(await page.locator('#notes').getAttribute('aria-activedescendant')).toBe('note-2');
  await page.keyboard.press('ArrowUp');
  expect(await page.locator('#notes').getAttribute('aria-activedescendant')).toBe('note-1');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Space');
  await until('playing note 3', async () => (await page.locator('#player-status').textContent())?.startsWith('Playing note 3'), 15_000);
  const { time } = await player(page);
  expect(time).toBeGreaterThanOrEqual(report.notes[2].startSec - 0.05);
  expect(time).toBeLessThanOrEqual(report.notes[2].endSec + 0.05);
});

it('relabels with 1/2/3 and saves the labels beside the report', async () => {
  const reportFile = path.join(root, 'reports', 'reports', `${TAKE_NAME}.${generation}.json`);
  const before = await fs.readFile(reportFile, 'utf8');
  const keys = { clean: '1', buzzy: '2', muted: '3' } as const;
  // Three notes, each given a label the model did not give it.
  const changes = report.notes.slice(0, 3).map((n) => ({ index: n.index, label: n.label === 'buzzy' ? ('clean' as const) : ('buzzy' as const) }));
  for (const c of changes) {
    await page.focus('#notes');
    await page.keyboard.press('Home');
    for (let i = 0; i < c.index; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press(keys[c.label]);
    await until(`note ${c.index} saved`, async () => (await page.locator('#labels-status').textContent())?.includes(`Note ${c.index + 1} labelled ${c.label} (saved`), 15_000);
  }
  const saved = await corrections();
  expect(saved.labels.map((l) => [l.index, l.label, l.was])).toEqual(changes.map((c) => [c.index, c.label, report.notes[c.index].label]));
  expect(await fs.readFile(reportFile, 'utf8')).toBe(before);
  for (const c of changes) {
    const [red, green, blue] = rgba(LABEL_COLOURS[c.label]);
    // (the colour change is animated)
    await until(`note ${c.index} recoloured`, async () => (await regions(page))[c.index].bg === `rgba(${red}, ${green}, ${blue}, ${ALPHA})`, 15_000);
    expect(await page.locator(`#note-${c.index}`).getAttribute('data-kind')).toBe(c.label);
  }
  expect(await page.locator('#labels-count').textContent()).toBe(`3 of ${report.notes.length} notes labelled by you.`);
});

it('filters to buzzy notes and to low-confidence notes', async () => {
  const kinds = await page.locator('#notes li').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
  const buzzy = kinds.filter((k) => k === 'buzzy').length;
  await page.getByLabel('only buzzy').check();
  expect(await page.locator('#notes li:not([hidden])').count()).toBe(buzzy);
  await spansDrawn(buzzy);
  expect((await regions(page)).every((r) => r.kind === 'buzzy')).toBe(true);
  await page.getByLabel('only buzzy').uncheck();
  await page.getByLabel(/only low confidence/).check();
  const low = report.notes.filter((n) => n.confidence < 0.6);
  expect(await page.locator('#notes li:not([hidden])').evaluateAll((els) => els.map((e) => e.id))).toEqual(low.map((n) => `note-${n.index}`));
  await spansDrawn(low.length);
  expect((await regions(page)).map((r) => r.index)).toEqual(low.map((n) => n.index));
  await page.getByLabel(/only low confidence/).uncheck();
  await spansDrawn(report.notes.length);
});

it('exports the labels as the CSV that dataset import reads', async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  expect(download.suggestedFilename()).toBe('riff-A-img-src-x-onerror-alert-1-more.labels.csv');
  const rows = parseLabelsCsv(await fs.readFile((await download.path())!, 'utf8'));
  const saved = await corrections();
  expect(rows).toEqual(saved.labels.map((l) => ({ onsetSec: l.onsetSec, label: l.label, ...(l.midi !== null ? { midi: l.midi } : {}) })));
  // What `dataset import take.wav --labels` does with them: one clip per row.
  expect(clipsFromTake(loadAudio(takeWav).samples, rows).map((c) => c.label)).toEqual(saved.labels.map((l) => l.label));
});

it('queues a retrain on the corrections, which the stack picks up', async () => {
  await page.click('#train');
  const status = await until('the queued message', async () => /Queued retrain job (\S+) on dataset (\S+) \((\d+) notes, fine-tuning (v\d+)\)/.exec((await page.locator('#labels-status').textContent()) ?? ''), 60_000);
  const [, jobId, dataset, count, from] = status;
  expect([Number(count), from]).toEqual([3, 'v0001']);
  const { manifest } = await loadDataset(new LocalFolderStore(path.join(root, 'datasets')), dataset);
  expect(manifest.clips.map((c) => c.label).sort()).toEqual((await corrections()).labels.map((l) => l.label).sort());
  const jobFile = path.join(root, 'models', 'models', 'buzzfinder', 'jobs', `${jobId}.json`);
  const job = await until('the retrain job status', async () => JSON.parse(await fs.readFile(jobFile, 'utf8')) as { request: { dataset: string; from: string } }, 60_000);
  expect(job.request).toMatchObject({ dataset, from: 'v0001' });
});

it('uploads a take dropped on the page, shows progress, then its report', async () => {
  await page.goto(stack.takesUrl);
  // The file input (keyboard path) refuses what is not a WAV, with the server's reason.
  await page.setInputFiles('#upload-file', { name: 'notes.wav', mimeType: 'audio/wav', buffer: Buffer.from('not a wav at all') });
  await until('the refusal', async () => (await page.locator('#upload-status').textContent())?.includes('[not_wav]'), 15_000);
  const second = encodeWav16(synthesizeTake({ seconds: 4, seed: 9, condition: 'mixed' }).samples, 22050);
  const drop = await page.evaluateHandle((b64) => {
    const g = globalThis as unknown as BrowserGlobals;
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new g.DataTransfer();
    dt.items.add(new g.File([bytes], 'second take.wav', { type: 'audio/wav' }));
    return dt;
  }, Buffer.from(second).toString('base64'));
  await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: drop });
  await until('the analysing message', async () => (await page.locator('#upload-status').textContent())?.includes('Analysing'), 15_000);
  expect(await page.locator('#upload-progress').isVisible()).toBe(true);
  await page.waitForURL(/\/takes\/view\//, { timeout: 90_000 });
  const { report: uploaded } = await reportOf('second take.wav');
  await spansDrawn(uploaded.notes.length, 40_000);
  expect(await page.locator('h1').textContent()).toBe('second take.wav');
});

it('renders a non-blank page with the header, the coloured spans and the note list (pixel check)', async () => {
  await page.goto(`${stack.takesUrl}view/${encodeURIComponent(`${TAKE_NAME}.${generation}`)}`);
  await spansDrawn(report.notes.length, 40_000);
  const png = await page.screenshot();
  const boxes = {
    h1: (await page.locator('h1').boundingBox())!,
    list: (await page.locator('#notes').boundingBox())!,
    spans: await page.locator('#waveform [data-note]').evaluateAll((els) => els.map((e) => ({ kind: e.getAttribute('data-kind')!, box: e.getBoundingClientRect().toJSON() as Box }))),
  };
  // Decode the PNG in a blank page's canvas and sample it there.
  const probe = await browser.context.newPage();
  const samples = await probe.evaluate(
    async ({ b64, boxes }) => {
      const g = globalThis as unknown as BrowserGlobals;
      const img = new g.Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = g.document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const px = (x: number, y: number): number[] => Array.from(ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3));
      const distinct = new Set<string>();
      for (let y = 0; y < img.height; y += 7) for (let x = 0; x < img.width; x += 7) distinct.add(px(x, y).join(','));
      const darkest = (b: Box) => {
        let min = 255;
        for (let y = b.y; y < b.y + b.height; y += 2) for (let x = b.x; x < b.x + b.width; x += 2) min = Math.min(min, ...px(x, y));
        return min;
      };
      // A column down the middle of each span (the waveform line crosses it; the closest pixel to the expected tint counts).
      const columns = boxes.spans.map((s) => ({ kind: s.kind, column: Array.from({ length: 12 }, (_, k) => px(s.box.x + s.box.width / 2, s.box.y + 18 + k * ((s.box.height - 24) / 11))) }));
      return { size: [img.width, img.height], distinct: distinct.size, h1Dark: darkest(boxes.h1), listDark: darkest(boxes.list), columns };
    },
    { b64: png.toString('base64'), boxes },
  );
  await probe.close();
  expect(samples.size).toEqual([1100, 900]);
  expect(samples.distinct).toBeGreaterThan(40);
  expect(samples.h1Dark).toBeLessThan(80);
  expect(samples.listDark).toBeLessThan(80);
  for (const { kind, column } of samples.columns) {
    const tint = rgba(LABEL_COLOURS[kind as keyof typeof LABEL_COLOURS]).map((c) => ALPHA * c + (1 - ALPHA) * 255);
    const nearest = Math.min(...column.map((p) => Math.hypot(p[0] - tint[0], p[1] - tint[1], p[2] - tint[2])));
    expect({ kind, nearest: nearest < 25 }).toEqual({ kind, nearest: true });
  }
});

describe('buzzfinder report --html: the same view as one self-contained file', () => {
  let html: string;
  let fileReport: TakeReport;

  beforeAll(async () => {
    const wav = path.join(root, 'offline take.wav');
    await fs.writeFile(wav, takeWav);
    html = path.join(root, 'out', 'take.html');
    let out = '';
    const o = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
    const e = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['report', wav, '--json', '--html', html])).toBe(0);
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
    fileReport = validateTakeReport(JSON.parse(out));
  });

  it('loads nothing from the network and plays, relabels (kept in the browser) and exports offline', async () => {
    const text = await fs.readFile(html, 'utf8');
    expect(text).not.toMatch(/(src|href)="(https?:|\/)/);
    const offline = await browser.context.newPage();
    const fetched: string[] = [];
    offline.on('request', (r) => {
      if (!/^(file|data|blob):/.test(r.url())) fetched.push(r.url());
    });
    await offline.goto(`file://${html}`);
    await until('the note spans', async () => (await offline.locator('#waveform [data-note]').count()) === fileReport.notes.length, 40_000);
    expect((await regions(offline)).map((r) => r.kind)).toEqual(fileReport.notes.map((n) => n.label));

    await offline.focus('#notes');
    await offline.keyboard.press('Home');
    await offline.keyboard.press('Space');
    await until('playback', async () => (await player(offline)).playing, 15_000);
    const t0 = (await player(offline)).time;
    await until('the playback time to advance', async () => (await player(offline)).time > t0, 15_000);

    const target = fileReport.notes[0].label === 'muted' ? 'clean' : 'muted';
    await offline.keyboard.press(target === 'muted' ? '3' : '1');
    await offline.reload();
    await until('the note spans again', async () => (await offline.locator('#waveform [data-note]').count()) === fileReport.notes.length, 40_000);
    expect(await offline.locator('#note-0').getAttribute('data-kind')).toBe(target);
    const [download] = await Promise.all([offline.waitForEvent('download'), offline.click('#export-csv')]);
    expect(download.suggestedFilename()).toBe('offline-take.labels.csv');
    expect(parseLabelsCsv(await fs.readFile((await download.path())!, 'utf8'))).toEqual([
      { onsetSec: fileReport.notes[0].onsetSec, label: target, ...(fileReport.notes[0].pitch ? { midi: fileReport.notes[0].pitch.midi } : {}) },
    ]);
    expect(fetched).toEqual([]);
    await offline.close();
  });
});
