/**
 * The list of uploaded takes with their reports, and the upload form (pure).
 */
import { escapeHtml, PageAssets, pageFrame } from './html';

export interface TakeListItem {
  id: string;
  name: string;
  /** 'ready': a report; 'error': an error report; 'processing': uploaded, no report yet. */
  state: 'ready' | 'error' | 'processing';
  viewUrl: string | null;
  durationSec?: number;
  counts?: { notes: number; clean: number; buzzy: number; muted: number };
  error?: { code: string; message: string };
  updated?: string;
}

export interface TakeListOptions {
  takes: TakeListItem[];
  maxUploadBytes: number;
  api: { upload: string; takes: string };
  assets: PageAssets;
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}

function row(t: TakeListItem): string {
  const name = t.viewUrl ? `<a href="${escapeHtml(t.viewUrl)}">${escapeHtml(t.name)}</a>` : escapeHtml(t.name);
  if (t.state === 'processing') return `<tr data-state="processing"><th scope="row">${name}</th><td colspan="5">processing…</td></tr>`;
  if (t.state === 'error') return `<tr data-state="error"><th scope="row">${name}</th><td colspan="5">error [${escapeHtml(t.error?.code ?? '?')}]: ${escapeHtml(t.error?.message ?? '')}</td></tr>`;
  const c = t.counts ?? { notes: 0, clean: 0, buzzy: 0, muted: 0 };
  const labelled = c.clean + c.buzzy + c.muted;
  const share = labelled ? `${Math.round((100 * c.clean) / labelled)} %` : '–';
  return `<tr data-state="ready"><th scope="row">${name}</th><td>${(t.durationSec ?? 0).toFixed(1)} s</td><td>${c.notes}</td><td>${share}</td><td>${c.buzzy}</td><td>${c.muted}</td></tr>`;
}

export function renderTakeList(options: TakeListOptions): string {
  const { takes } = options;
  const table = takes.length
    ? `<table id="takes"><caption>Uploaded takes, newest first</caption><thead><tr><th scope="col">take</th><th scope="col">length</th><th scope="col">notes</th><th scope="col">clean</th><th scope="col">buzzy</th><th scope="col">muted</th></tr></thead>
<tbody>${takes.map(row).join('\n')}</tbody></table>`
    : '<p id="no-takes">No takes yet: upload one below.</p>';
  const body = `<header><h1>buzzfinder takes</h1><p>Every uploaded take and its per-note report.</p></header>
<main>
<section aria-labelledby="list-h"><h2 id="list-h">Takes</h2>
${table}
</section>
<section aria-labelledby="upload-h"><h2 id="upload-h">Upload a take</h2>
<form id="upload-form">
<div id="drop-zone"><p>Drop a WAV file here, or choose one:</p>
<label for="upload-file">Take (WAV, at most ${formatBytes(options.maxUploadBytes)})</label>
<input type="file" id="upload-file" name="take" accept=".wav,audio/wav,audio/x-wav,audio/wave">
<button type="submit">Upload</button></div>
</form>
<progress id="upload-progress" max="100" value="0" hidden aria-label="Upload progress"></progress>
<p id="upload-status" role="status" aria-live="polite"></p>
</section>
</main>`;
  return pageFrame({ title: 'buzzfinder takes', body, data: { page: 'list', api: options.api, maxUploadBytes: options.maxUploadBytes }, assets: options.assets });
}
