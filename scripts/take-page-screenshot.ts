/**
 * Regenerates docs/take-page.png: the local stack on a temp folder, a 20 s synthetic take (seed 1) analysed with
 * the bundled model, two notes relabelled through the page's API, the take page in headless chromium.
 *   npx tsx scripts/take-page-screenshot.ts [out.png]
 */
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../adapters/config';
import { startLocalStack } from '../functions/local-stack';
import { encodeWav16 } from '../shared/audio/encode';
import { synthesizeTake } from '../shared/synth/take';
import { launchChromium } from './chromium';

function post(url: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'docs', 'take-page.png'));
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'buzzfinder-shot-'));
  const name = 'practice take.wav';
  await fs.mkdir(path.join(root, 'uploads'));
  await fs.writeFile(path.join(root, 'uploads', name), encodeWav16(synthesizeTake({ seconds: 20, seed: 1, condition: 'mixed' }).samples, 22050));
  const stack = await startLocalStack(loadConfig({ BUZZFINDER_LOCAL_ROOT: root, BUZZFINDER_LOCAL_POLL_MS: '100' }), { port: 0 });
  const browser = await launchChromium({ width: 1000, height: 1000 });
  try {
    const summaries = path.join(root, 'reports', 'summaries');
    let file: string | undefined;
    for (let i = 0; i < 600 && !file; i++) {
      file = (await fs.readdir(summaries).catch(() => [] as string[]))[0];
      if (!file) await new Promise((r) => setTimeout(r, 100));
    }
    if (!file) throw new Error('no report after 60 s');
    const id = file.replace(/\.json$/, '');
    // Relabel two notes the model did not call buzzy (what a listener correcting the page does).
    const summary = JSON.parse(await fs.readFile(path.join(summaries, file), 'utf8')) as { report: string };
    const report = JSON.parse(await fs.readFile(path.join(root, 'reports', summary.report), 'utf8')) as { notes: { index: number; label: string }[] };
    for (const n of report.notes.filter((x) => x.label !== 'buzzy').slice(2, 4)) await post(`${stack.takesUrl}api/takes/${encodeURIComponent(id)}/labels`, { index: n.index, label: 'buzzy' });
    const page = await browser.context.newPage();
    await page.goto(`${stack.takesUrl}view/${encodeURIComponent(id)}`);
    await page.waitForSelector('#waveform [data-note]');
    await page.waitForTimeout(500);
    await page.focus('#notes');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.evaluate(() => (globalThis as unknown as { takePage: { wavesurfer: { pause(): void } } }).takePage.wavesurfer.pause());
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    const bottom = await page.locator('#note-6').boundingBox();
    await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: 0, width: 1000, height: Math.round((bottom?.y ?? 900) + (bottom?.height ?? 0) + 8) } });
    process.stderr.write(`wrote ${out}\n`);
  } finally {
    await browser.close();
    await stack.stop();
    await fs.rm(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
