/**
 * The take pages' pure parts: escaping, the summary view, the take view and the list (shared/page).
 */
import { escapeHtml, inlineScript, jsonForScript, LABEL_COLOURS } from '../../shared/page/html';
import { sectionBounds, summaryView } from '../../shared/page/summary';
import { formatBytes, renderTakeList } from '../../shared/page/take-list';
import { noteSpans, renderTakeView, TakeViewOptions } from '../../shared/page/take-view';
import { emptyCorrections, withLabel } from '../../shared/report/corrections';
import { EMPTY_REASON_TEXT } from '../../shared/report/schema';
import { handMadeReport } from './fixtures';

const HOSTILE = `<img src=x onerror="alert(1)">'&"</script><!--`;
const assets = { kind: 'urls' as const, scripts: ['/takes/assets/take-page.js'], styles: ['/takes/assets/take-page.css'] };

function report() {
  return handMadeReport(HOSTILE, 30, [
    { onsetSec: 1, label: 'clean', confidence: 0.9, midi: 40 },
    { onsetSec: 2.5, label: 'buzzy', confidence: 0.55, midi: 52 },
    { onsetSec: 12, label: 'buzzy', confidence: 0.8, midi: 53 },
    { onsetSec: 14, label: 'muted', confidence: 0.7, midi: null },
    { onsetSec: 15, label: 'clean', confidence: 0.4, midi: 64, noNote: { reason: 'noise', levelDb: -50 } },
    { onsetSec: 22, label: 'buzzy', confidence: 0.95, midi: 55 },
    { onsetSec: 29.99, label: 'clean', confidence: 0.99, midi: 76 },
  ]);
}

function view(overrides: Partial<TakeViewOptions> = {}) {
  const r = report();
  return renderTakeView({ report: r, corrections: null, audioUrl: '/takes/audio/x', exportStem: 'x', assets, api: null, ...overrides });
}

/** Everything between tags, outside <script> elements: the text a browser would show. */
function markupOutsideScripts(html: string): string {
  return html.replace(/<script[^>]*>[\s\S]*?<\/script>/g, '');
}

describe('escaping', () => {
  it('escapes the HTML specials', () => {
    expect(escapeHtml(HOSTILE)).toBe('&#60;img src=x onerror=&#34;alert(1)&#34;&#62;&#39;&#38;&#34;&#60;/script&#62;&#60;!--');
    expect(escapeHtml('`')).toBe('&#96;');
  });

  it('embeds JSON that cannot close its script element and parses back to the same value', () => {
    const value = { s: HOSTILE, line: 'a\u2028b\u2029c', amp: '&amp;' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('neutralises </script and <!-- inside inlined scripts', () => {
    const out = inlineScript('var a = "</script><!--"; var b = "</SCRIPT>";');
    expect(out).not.toMatch(/<\/script/i);
    expect(out).not.toContain('<!--');
  });
});

/** WCAG 2 contrast ratio of a #rrggbb colour against white. */
function contrastOnWhite(hex: string): number {
  const lin = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const n = parseInt(hex.slice(1), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => lin(c / 255));
  return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05);
}

describe('label colours', () => {
  it('are distinct and readable as text on white (WCAG AA, >= 4.5:1)', () => {
    for (const colour of Object.values(LABEL_COLOURS)) expect(contrastOnWhite(colour)).toBeGreaterThanOrEqual(4.5);
    expect(new Set(Object.values(LABEL_COLOURS)).size).toBe(4);
  });
});

describe('summaryView', () => {
  it('counts notes apart from "not a note", the clean share and low confidence', () => {
    const s = summaryView(report());
    expect({ notes: s.notes, clean: s.clean, buzzy: s.buzzy, muted: s.muted, noNote: s.noNote, lowConfidence: s.lowConfidence }).toEqual({
      notes: 6,
      clean: 2,
      buzzy: 3,
      muted: 1,
      noNote: 1,
      lowConfidence: 1,
    });
    expect(s.cleanShare).toBeCloseTo(2 / 6, 10);
  });

  it('finds where buzzy and muted notes cluster by time and register', () => {
    const s = summaryView(report());
    expect(s.sections.map((x) => [Math.round(x.fromSec), Math.round(x.toSec), x.notes, x.buzzy])).toEqual([
      [0, 10, 2, 1],
      [10, 20, 2, 1],
      [20, 30, 2, 1],
    ]);
    // buzzy notes: MIDI 52, 53, 55 -> all three in the middle register (C3-B3).
    expect(s.clusters[0]).toBe('buzzy: 1 of 3 in 0:00–0:10; 3 of 3 in the middle (C3–B3) register');
    expect(s.clusters[1]).toBe('muted: 1 of 1 in 0:10–0:20');
    expect(s.registers.map((r) => r.name)).toEqual(['low (below C3)', 'middle (C3–B3)', 'top (C5 and up)']);
  });

  it('makes 1 to 6 sections of about 10 s', () => {
    expect(sectionBounds(4)).toEqual([[0, 4]]);
    expect(sectionBounds(30).length).toBe(3);
    expect(sectionBounds(600).length).toBe(6);
  });

  it('has no share without notes', () => {
    const s = summaryView(handMadeReport('a.wav', 3, []));
    expect(s.cleanShare).toBeNull();
    expect(s.clusters).toEqual([]);
  });
});

describe('noteSpans', () => {
  it('spans each note from its onset to the next one, inside its 2 s clip and the take', () => {
    const spans = noteSpans(report());
    expect(spans.map((s) => [s.start, s.end])).toEqual([
      [1, 2.5],
      [2.5, 4.4],
      [12, 13.9],
      [14, 15],
      [15, 16.9],
      [22, 23.9],
      [29.99, 30],
    ]);
    expect(spans[4].kind).toBe('noNote');
    expect(spans[4].label).toBe('clean');
    expect(spans[1]).toMatchObject({ clipStart: 2.4, clipEnd: 4.4, pitch: 'E3', midi: 52 });
  });
});

describe('renderTakeView', () => {
  it('escapes the source name everywhere and keeps it readable in the page data', () => {
    const html = view();
    const markup = markupOutsideScripts(html);
    expect(markup).not.toContain('<img');
    expect(markup).toContain(escapeHtml(HOSTILE));
    const data = JSON.parse(/<script type="application\/json" id="page-data">([\s\S]*?)<\/script>/.exec(html)![1]);
    expect(data.source).toBe(HOSTILE);
    expect(data.spans).toHaveLength(7);
    expect(data.colours).toEqual(LABEL_COLOURS);
  });

  it('lists one option per note with its kind, pitch and confidence; "not a note" in grey', () => {
    const html = view();
    const items = [...html.matchAll(/<li role="option" id="note-(\d+)" class="note (\w+)"/g)].map((m) => [Number(m[1]), m[2]]);
    expect(items).toEqual([
      [0, 'clean'],
      [1, 'buzzy'],
      [2, 'buzzy'],
      [3, 'muted'],
      [4, 'noNote'],
      [5, 'buzzy'],
      [6, 'clean'],
    ]);
    expect(html).toContain('<span class="l">not a note (clean)</span>');
    expect(html).toMatch(/id="note-1"[^\n]*<span class="p">E3<\/span>[^\n]*<span class="c">55 %<\/span>/);
  });

  it("shows the listener's labels over the model's", () => {
    const r = report();
    const c = withLabel(emptyCorrections(r, 'reports/x.json', new Date(0)), r, 4, 'muted', new Date(0));
    const html = view({ report: r, corrections: c });
    expect(html).toContain('id="note-4" class="note muted"');
    expect(html).toContain('(your label; model: clean)');
    expect(html).toContain('1 of 7 notes labelled by you.');
  });

  it('offers training and server export only with an API', () => {
    expect(view()).not.toContain('id="train"');
    const served = view({ api: { corrections: '/c', labelsCsv: '/l.csv', train: '/t', audio: '/a', list: '/takes/' } });
    expect(served).toContain('<button type="button" id="train">');
    expect(served).toContain('href="/l.csv"');
  });

  it('says why a report has no notes, and says nothing of the kind when it has some', () => {
    const empty = handMadeReport('silence.wav', 3, []);
    empty.analysis = { emptyReason: 'silent' };
    expect(markupOutsideScripts(view({ report: empty }))).toContain(`<p id="empty-reason" role="status">No notes: ${EMPTY_REASON_TEXT.silent}.</p>`);
    expect(view()).not.toContain('id="empty-reason"');
  });

  it('inlines scripts and styles for the self-contained file', () => {
    const html = view({ assets: { kind: 'inline', scripts: ['window.x = "</script>";'], styles: ['body{color:red}</style>'] } });
    expect(html).not.toContain('src="/takes');
    expect(html).toContain('window.x = "<\\/script>";');
    expect(html).toContain('<style>body{color:red}<\\/style></style>');
  });
});

describe('renderTakeList', () => {
  it('escapes take names and error messages, links only finished reports', () => {
    const html = renderTakeList({
      takes: [
        { id: 'a.wav.1', name: HOSTILE, state: 'ready', viewUrl: '/takes/view/a.wav.1', durationSec: 12.34, counts: { notes: 4, clean: 3, buzzy: 1, muted: 0 } },
        { id: 'b.wav.2', name: 'b.wav', state: 'error', viewUrl: null, error: { code: 'not_wav', message: '<b>bad</b>' } },
        { id: 'c.wav.3', name: 'c.wav', state: 'processing', viewUrl: null },
      ],
      maxUploadBytes: 1024 * 1024 * 1024,
      api: { upload: '/takes/api/upload', takes: '/takes/api/takes' },
      assets,
    });
    const markup = markupOutsideScripts(html);
    expect(markup).not.toContain('<img');
    expect(markup).not.toContain('<b>bad');
    expect(markup).toContain('<a href="/takes/view/a.wav.1">');
    expect(markup).toContain('<td>12.3 s</td><td>4</td><td>75 %</td><td>1</td><td>0</td>');
    expect(markup).toContain('error [not_wav]: &#60;b&#62;bad&#60;/b&#62;');
    expect(markup).toContain('processing…');
    expect(markup).toContain('<label for="upload-file">Take (WAV, at most 1 GiB)</label>');
  });

  it('formats byte sizes', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5 MiB');
  });
});
