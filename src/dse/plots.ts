/**
 * SVG scatter plots of a search: every feasible design (grey), infeasible ones (pale), the Pareto front
 * (blue), the chosen design (red ring). Axes with units and ticks; a log x axis when x spans over 20×.
 */

export interface PlotPoint {
  x: number;
  y: number;
  kind: 'infeasible' | 'feasible' | 'front' | 'chosen';
}

export interface PlotSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  points: PlotPoint[];
}

const W = 640, H = 440, ML = 70, MR = 20, MT = 60, MB = 55;

/** 3–7 round tick values covering [lo, hi] (steps 1, 2, 5 × 10^k). */
export function linearTicks(lo: number, hi: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / 5, p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => (hi - lo) / s <= 7)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Powers of ten (and 2×, 5× when there are few decades) inside [lo, hi], lo > 0. */
export function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  const few = Math.log10(hi / lo) < 2.5;
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
    for (const m of few ? [1, 2, 5] : [1]) {
      const v = m * 10 ** e;
      if (v >= lo && v <= hi) out.push(Number(v.toPrecision(12)));
    }
  return out;
}

const fmt = (v: number): string => (Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(0) : String(Number(v.toPrecision(3))));
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const STYLE: Record<PlotPoint['kind'], string> = {
  infeasible: 'fill="#e57373" fill-opacity="0.45"',
  feasible: 'fill="#9e9e9e" fill-opacity="0.6"',
  front: 'fill="#1f5fbf"',
  chosen: 'fill="none" stroke="#d62728" stroke-width="2.5"',
};

export function scatterSvg(spec: PlotSpec): string {
  const pts = spec.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.x > 0);
  const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
  let x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (!pts.length) { x0 = 1; x1 = 10; y0 = 0; y1 = 1; }
  const log = x1 / x0 > 20;
  if (log) { x0 /= 1.2; x1 *= 1.2; } else { const d = (x1 - x0 || x1 || 1) * 0.05; x0 -= d; x1 += d; }
  { const d = (y1 - y0 || Math.abs(y1) || 1) * 0.08; y0 -= d; y1 += d; }
  const fx = (v: number) => ML + ((log ? Math.log(v / x0) / Math.log(x1 / x0) : (v - x0) / (x1 - x0)) * (W - ML - MR));
  const fy = (v: number) => H - MB - ((v - y0) / (y1 - y0)) * (H - MT - MB);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(spec.title)}</text>`,
    `<rect x="${ML}" y="${MT}" width="${W - ML - MR}" height="${H - MT - MB}" fill="none" stroke="#333"/>`,
  ];
  for (const t of log ? logTicks(x0, x1) : linearTicks(x0, x1)) {
    const x = fx(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${H - MB}" x2="${x}" y2="${H - MB + 5}" stroke="#333"/><line x1="${x}" y1="${MT}" x2="${x}" y2="${H - MB}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${H - MB + 18}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of linearTicks(y0, y1)) {
    const y = fy(t).toFixed(1);
    out.push(`<line x1="${ML - 5}" y1="${y}" x2="${ML}" y2="${y}" stroke="#333"/><line x1="${ML}" y1="${y}" x2="${W - MR}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${ML - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
  }
  out.push(`<text x="${(ML + W - MR) / 2}" y="${H - 12}" text-anchor="middle">${esc(spec.xLabel)}${log ? ' (log scale)' : ''}</text>`);
  out.push(`<text transform="translate(16 ${(MT + H - MB) / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`);
  for (const kind of ['infeasible', 'feasible', 'front', 'chosen'] as const)
    for (const p of pts.filter((q) => q.kind === kind))
      out.push(`<circle class="${kind}" cx="${fx(p.x).toFixed(1)}" cy="${fy(p.y).toFixed(1)}" r="${kind === 'chosen' ? 7 : 3.5}" ${STYLE[kind]}/>`);
  const legend = [['feasible', 'design'], ['infeasible', 'over budget'], ['front', 'Pareto front'], ['chosen', 'chosen']] as const;
  legend.forEach(([k, label], i) => {
    const x = ML + 10 + i * 120;
    out.push(`<circle cx="${x}" cy="${MT - 18}" r="${k === 'chosen' ? 6 : 4}" ${STYLE[k]}/><text x="${x + 10}" y="${MT - 18}" dominant-baseline="middle">${label}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
