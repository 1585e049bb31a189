/** Per-epoch training statistics and the learning-curve SVG drawn from them (a pure function, no DOM). */

export interface EpochStats {
  epoch: number;
  loss: number;
  acc: number;
  valLoss: number;
  valAcc: number;
  seconds: number;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Two panels (loss, accuracy), train vs validation, epochs on x; the best epoch (lowest validation loss) is marked.
 * Deterministic text: the same history gives the same bytes.
 */
export function learningCurveSvg(history: EpochStats[], options: { title?: string; bestEpoch?: number } = {}): string {
  const width = 720;
  const height = 300;
  const panelW = 300;
  const panelH = 200;
  const top = 50;
  const lefts = [60, 400];
  const fmt = (v: number) => (Math.round(v * 100) / 100).toString();
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(options.title ?? 'Learning curve')}</text>`,
  ];
  const panels: { label: string; train: number[]; val: number[]; fixed?: [number, number] }[] = [
    { label: 'loss', train: history.map((h) => h.loss), val: history.map((h) => h.valLoss) },
    { label: 'accuracy', train: history.map((h) => h.acc), val: history.map((h) => h.valAcc), fixed: [0, 1] },
  ];
  const n = history.length;
  panels.forEach((panel, p) => {
    const left = lefts[p];
    const values = [...panel.train, ...panel.val].filter(Number.isFinite);
    const [lo, rawHi] = panel.fixed ?? [Math.min(0, ...values), Math.max(...values, 1e-6)];
    const hi = rawHi > lo ? rawHi : lo + 1;
    const x = (i: number) => left + (n <= 1 ? panelW / 2 : (i / (n - 1)) * panelW);
    const y = (v: number) => top + panelH - ((Math.min(Math.max(v, lo), hi) - lo) / (hi - lo)) * panelH;
    parts.push(`<rect x="${left}" y="${top}" width="${panelW}" height="${panelH}" fill="none" stroke="#888"/>`);
    parts.push(`<text x="${left + panelW / 2}" y="${top - 8}" text-anchor="middle">${panel.label}</text>`);
    parts.push(`<text x="${left - 4}" y="${top + 4}" text-anchor="end">${fmt(hi)}</text>`);
    parts.push(`<text x="${left - 4}" y="${top + panelH}" text-anchor="end">${fmt(lo)}</text>`);
    parts.push(`<text x="${left + panelW / 2}" y="${top + panelH + 28}" text-anchor="middle">epoch (1–${n})</text>`);
    if (options.bestEpoch !== undefined && n > 0) {
      const bi = history.findIndex((h) => h.epoch === options.bestEpoch);
      if (bi >= 0) parts.push(`<line x1="${x(bi).toFixed(1)}" y1="${top}" x2="${x(bi).toFixed(1)}" y2="${top + panelH}" stroke="#999" stroke-dasharray="4 3"/>`);
    }
    const line = (vals: number[], color: string) => {
      const pts = vals.map((v, i) => `${x(i).toFixed(1)},${y(Number.isFinite(v) ? v : hi).toFixed(1)}`).join(' ');
      if (n > 0) parts.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"/>`);
    };
    line(panel.train, '#1f77b4');
    line(panel.val, '#d62728');
  });
  parts.push(`<text x="${lefts[0]}" y="${height - 10}" fill="#1f77b4">— train</text>`);
  parts.push(`<text x="${lefts[0] + 70}" y="${height - 10}" fill="#d62728">— validation</text>`);
  if (options.bestEpoch !== undefined) parts.push(`<text x="${lefts[0] + 170}" y="${height - 10}" fill="#666">- - best epoch ${options.bestEpoch}</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
