/**
 * The take view (pure): summary, waveform container, the note list (the keyboard/screen-reader view of the
 * coloured spans), filters and the labels panel. The same HTML is served by the local stack and written by
 * `buzzfinder report --html` (with the scripts and the audio inlined). web/take-page.js makes it interactive.
 */
import type { TakeCorrections } from '../report/corrections';
import { EMPTY_REASON_TEXT, TakeReport } from '../report/schema';
import { escapeHtml, LABEL_COLOURS, LABEL_KEYS, PageAssets, pageFrame } from './html';
import { clockTime, isNoNote, LOW_CONFIDENCE, PageNote, summaryView, SummaryView } from './summary';

/** Shortest span drawn for a note, seconds (so that a note in a fast run stays visible and clickable). */
export const MIN_SPAN_SEC = 0.04;

export interface NoteSpan {
  index: number;
  /** Drawn span: the note's own segment, onset to the next onset (at most its 2 s clip). */
  start: number;
  end: number;
  /** The 2 s clip the model heard, played on click. */
  clipStart: number;
  clipEnd: number;
  label: PageNote['label'];
  /** 'noNote' for notes the detector called "not a note". */
  kind: PageNote['label'] | 'noNote';
  confidence: number;
  pitch: string | null;
  midi: number | null;
  onsetSec: number;
}

export function noteSpans(report: TakeReport): NoteSpan[] {
  const notes = report.notes as PageNote[];
  return notes.map((n, i) => {
    const next = notes[i + 1]?.onsetSec ?? report.durationSec;
    const limit = Math.min(n.endSec, report.durationSec);
    return {
      index: n.index,
      start: n.onsetSec,
      end: Math.max(Math.min(next, limit), Math.min(n.onsetSec + MIN_SPAN_SEC, limit)),
      clipStart: n.startSec,
      clipEnd: n.endSec,
      label: n.label,
      kind: isNoNote(n) ? 'noNote' : n.label,
      confidence: n.confidence,
      pitch: n.pitch?.name ?? null,
      midi: n.pitch?.midi ?? null,
      onsetSec: n.onsetSec,
    };
  });
}

export interface TakeViewOptions {
  report: TakeReport;
  /** Heading (default: the report's source). */
  title?: string;
  corrections: TakeCorrections | null;
  /** The take's audio: a URL on the server, or a data: URI in the self-contained file. */
  audioUrl: string;
  /** Stem of the downloaded files: <stem>.labels.csv and <stem>.wav (fileStem of the take's name). */
  exportStem: string;
  assets: PageAssets;
  /** Server mode: where labels are saved, exported and sent for training; null for the self-contained file. */
  api: { corrections: string; labelsCsv: string; train: string; audio: string; list: string } | null;
}

/** m:ss.mmm (milliseconds small). */
export function noteTime(sec: number): string {
  const ms = Math.max(0, Math.round(sec * 1000));
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}<small>.${String(ms % 1000).padStart(3, '0')}</small>`;
}

const percent = (x: number) => `${Math.round(x * 100)} %`;

function summaryHtml(s: SummaryView): string {
  const rows: [string, string][] = [
    ['notes', String(s.notes)],
    ['clean', String(s.clean)],
    ['buzzy', String(s.buzzy)],
    ['muted', String(s.muted)],
  ];
  if (s.noNote) rows.push(['not a note', String(s.noNote)]);
  rows.push(['share clean', s.cleanShare === null ? '–' : percent(s.cleanShare)], [`low confidence (< ${percent(LOW_CONFIDENCE)})`, String(s.lowConfidence)]);
  const clusters = s.clusters.length ? `<ul class="clusters">${s.clusters.map((c) => `<li>${escapeHtml(c)}</li>`).join('')}</ul>` : '<p>No buzzy or muted notes.</p>';
  const sections = s.sections
    .map((sec) => `<tr><th scope="row">${clockTime(sec.fromSec)}–${clockTime(sec.toSec)}</th><td>${sec.notes}</td><td>${sec.buzzy}</td><td>${sec.muted}</td></tr>`)
    .join('');
  const registers = s.registers.map((r) => `<tr><th scope="row">${escapeHtml(r.name)}</th><td>${r.notes}</td><td>${r.buzzy}</td><td>${r.muted}</td></tr>`).join('');
  const table = (caption: string, body: string) =>
    body ? `<table><caption>${caption}</caption><thead><tr><th scope="col"></th><th scope="col">notes</th><th scope="col">buzzy</th><th scope="col">muted</th></tr></thead><tbody>${body}</tbody></table>` : '';
  return `<dl class="counts">${rows.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${v}</dd></div>`).join('')}</dl>
${clusters}
<div class="tables">${table('By time', sections)}${table('By register', registers)}</div>`;
}

/** Why a report has no notes, in words (the CLI table says the same). */
function emptyReasonHtml(report: TakeReport): string {
  const reason = report.analysis?.emptyReason;
  return reason ? `<p id="empty-reason" role="status">No notes: ${escapeHtml(EMPTY_REASON_TEXT[reason])}.</p>\n` : '';
}

export function noteItemHtml(span: NoteSpan, corrected: PageNote['label'] | undefined): string {
  const label = corrected ?? span.label;
  const kind = corrected ?? span.kind;
  const shown = kind === 'noNote' ? `not a note (${span.label})` : label;
  const note = span.pitch ?? '–';
  const fix = corrected !== undefined ? ` <span class="fixed">(your label; model: ${escapeHtml(span.label)})</span>` : '';
  return `<li role="option" id="note-${span.index}" class="note ${kind}" data-index="${span.index}" data-kind="${kind}" aria-selected="false"><span class="t">${noteTime(span.onsetSec)}</span> <span class="p">${escapeHtml(note)}</span> <span class="l">${escapeHtml(shown)}</span> <span class="c">${percent(span.confidence)}</span>${fix}</li>`;
}

export function renderTakeView(options: TakeViewOptions): string {
  const { report, corrections, api } = options;
  const spans = noteSpans(report);
  const labels = new Map((corrections?.labels ?? []).map((l) => [l.index, l.label]));
  const summary = summaryView(report);
  const legend = (['clean', 'buzzy', 'muted', 'noNote'] as const)
    .map((k) => `<li><span class="swatch" style="background:${LABEL_COLOURS[k]}"></span>${k === 'noNote' ? 'not a note' : k}</li>`)
    .join('');
  const keys = LABEL_KEYS.map((k) => `<kbd>${k.key}</kbd> ${k.label}`).join(', ');
  const labelButtons = LABEL_KEYS.map((k) => `<button type="button" class="set-label" data-label="${k.label}">${k.label} (${k.key})</button>`).join(' ');
  const base = options.exportStem;
  const labelsFile = `${base}.labels.csv`;
  const training = api
    ? `<a id="export-csv" href="${escapeHtml(api.labelsCsv)}" download="${escapeHtml(labelsFile)}">Export labels (CSV)</a>
<a id="export-audio" href="${escapeHtml(api.audio)}" download="${escapeHtml(base)}.wav">Download the take (WAV)</a>
<button type="button" id="train">Train on my corrections</button>`
    : `<a id="export-csv" href="#" download="${escapeHtml(labelsFile)}">Export labels (CSV)</a>
<a id="export-audio" href="#" download="${escapeHtml(base)}.wav">Save the take (WAV)</a>
<p>Labels made in this file are kept in this browser. Training needs the local stack (<code>npm start</code>).</p>`;
  const body = `<a class="skip" href="#notes">Skip to the notes</a>
<header>
<h1>${escapeHtml(options.title ?? report.source)}</h1>
<p>${report.durationSec.toFixed(1)} s · model ${escapeHtml(report.model.name)} ${escapeHtml(report.model.version)}${api ? ` · <a href="${escapeHtml(api.list)}">all takes</a>` : ''}</p>
</header>
<main>
<section id="summary" aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2>
${emptyReasonHtml(report)}${summaryHtml(summary)}
</section>
<section id="wave" aria-labelledby="wave-h"><h2 id="wave-h">Waveform</h2>
<ul class="legend" aria-label="Colours">${legend}</ul>
<div id="waveform" role="img" aria-label="Waveform of the take with ${spans.length} coloured note spans; the note list below has the same notes"></div>
<p id="player-status" role="status" aria-live="polite">Loading the audio…</p>
</section>
<section id="notes-section" aria-labelledby="notes-h"><h2 id="notes-h">Notes</h2>
<fieldset class="filters"><legend>Show</legend>
<label><input type="checkbox" id="only-buzzy"> only buzzy</label>
<label><input type="checkbox" id="only-low"> only low confidence (&lt; ${percent(LOW_CONFIDENCE)})</label>
</fieldset>
<p class="help" id="notes-help">Click a note or use the list: <kbd>↑</kbd>/<kbd>↓</kbd> move, <kbd>Space</kbd> plays its 2 s clip, ${keys} sets its label.</p>
<div class="selected" aria-live="polite"><span id="selected-note">No note selected.</span> ${labelButtons}</div>
<ol id="notes" role="listbox" tabindex="0" aria-labelledby="notes-h" aria-describedby="notes-help">
${spans.map((s) => noteItemHtml(s, labels.get(s.index))).join('\n')}
</ol>
</section>
<section id="labels" aria-labelledby="labels-h"><h2 id="labels-h">Your labels</h2>
<p id="labels-count">${labels.size} of ${spans.length} notes labelled by you.</p>
${training}
<p id="labels-status" role="status" aria-live="polite"></p>
<p class="help">Use them as a dataset: <code>npx buzzfinder dataset import ${escapeHtml(base)}.wav --labels ${escapeHtml(labelsFile)} --out data/mine</code></p>
</section>
</main>`;
  const data = { page: 'take', source: report.source, audioUrl: options.audioUrl, spans, labels: Object.fromEntries(labels), colours: LABEL_COLOURS, keys: LABEL_KEYS, lowConfidence: LOW_CONFIDENCE, api };
  return pageFrame({ title: `${options.title ?? report.source} · buzzfinder`, body, data, assets: options.assets });
}
