/**
 * HTML building blocks of the take pages (pure): escaping, safe JSON/script embedding, the page frame.
 * Every piece of text from a report, a file name or a request goes through `escapeHtml` (or `jsonForScript`).
 */
import type { ToneClass } from '../constants';

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that can sit inside <script type="application/json"> (no `</script>`, no HTML comment, no line separators). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A script's source inlined into <script>: a literal `</script` (or `<!--`) inside it would end or confuse the element. */
export function inlineScript(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** One colour per label (and "not a note"): the waveform spans, the legend and the list use these. Text contrast on white ≥ 4.5:1. */
export const LABEL_COLOURS: Record<ToneClass | 'noNote', string> = {
  clean: '#1a7f37',
  buzzy: '#c4320a',
  muted: '#5a32a3',
  noNote: '#6e7781',
};

/** Keyboard shortcuts of the label keys, in legend order. */
export const LABEL_KEYS: readonly { key: string; label: ToneClass }[] = [
  { key: '1', label: 'clean' },
  { key: '2', label: 'buzzy' },
  { key: '3', label: 'muted' },
];

/** Where the page's scripts and styles come from: URLs on the server, or inlined (the self-contained file). */
export type PageAssets = { kind: 'urls'; scripts: string[]; styles: string[] } | { kind: 'inline'; scripts: string[]; styles: string[] };

export function pageFrame(options: { title: string; body: string; data: unknown; assets: PageAssets }): string {
  const { assets } = options;
  const colours = Object.entries(LABEL_COLOURS)
    .map(([k, v]) => `--${k}:${v};`)
    .join('');
  const styles =
    assets.kind === 'urls'
      ? assets.styles.map((u) => `<link rel="stylesheet" href="${escapeHtml(u)}">`).join('\n')
      : assets.styles.map((s) => `<style>${s.replace(/<\/(style)/gi, '<\\/$1')}</style>`).join('\n');
  const scripts =
    assets.kind === 'urls'
      ? assets.scripts.map((u) => `<script src="${escapeHtml(u)}"></script>`).join('\n')
      : assets.scripts.map((s) => `<script>${inlineScript(s)}</script>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style>:root{${colours}}</style>
${styles}
</head>
<body>
${options.body}
<script type="application/json" id="page-data">${jsonForScript(options.data)}</script>
${scripts}
</body>
</html>
`;
}
