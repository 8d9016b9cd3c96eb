/**
 * The pipeline timeline picture (SVG): engines as rows, time as x, colours for busy / stalled on memory /
 * stalled on a dependency / idle; a band on top with each phase's fill, steady state and drain; dashed
 * lines at layer boundaries; a legend. Intervals closer than half a pixel are merged, so a BERT-base run
 * stays a few hundred kilobytes.
 */
import type { SimResult } from '../bat/sim.ts';
import { ENGINES } from '../bat/ops.ts';

export const STATE_COLOURS = {
  busy: '#2f9e44',
  'stall-memory': '#e8590c',
  'stall-dependency': '#fcc419',
  idle: '#e9ecef',
} as const;

const PHASE_COLOURS = { fill: '#a5d8ff', steady: '#1971c2', drain: '#74c0fc' } as const;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A "nice" tick step (1, 2, 5 × 10^k) giving about `n` ticks over `span`. */
function tickStep(span: number, n: number): number {
  const raw = span / n, p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
}

export function timelineSvg(sim: SimResult, opts: { width?: number; title?: string } = {}): string {
  const W = opts.width ?? 1200, left = 120, right = 20, top = 62, rowH = 24, gap = 6;
  const plotW = W - left - right;
  const rows = ENGINES.length;
  const bandY = top, bandH = 14;
  const rowsY = bandY + bandH + 10;
  const axisY = rowsY + rows * (rowH + gap);
  const H = axisY + 70;
  const total = Math.max(1, sim.cycles);
  const x = (c: number): number => left + (c / total) * plotW;
  const us = (c: number): number => c / sim.clockMHz;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${left}" y="20" font-size="14" font-weight="600">${esc(opts.title ?? 'BAT pipeline timeline')}</text>`);
  out.push(`<text x="${left}" y="36" fill="#495057">${sim.cycles.toLocaleString('en-US')} cycles = ${us(sim.cycles).toFixed(1)} µs at ${sim.clockMHz} MHz</text>`);

  // phase band: fill, steady state, drain of each phase
  out.push(`<text x="${left - 8}" y="${bandY + bandH - 3}" text-anchor="end" fill="#495057">phases</text>`);
  for (const p of sim.phases) {
    if (p.end <= p.start) continue;
    const fillEnd = Math.min(Math.max(p.fillEnd, p.start), p.end), drainStart = Math.max(Math.min(p.drainStart, p.end), fillEnd);
    const seg = (a: number, b: number, colour: string, what: string): void => {
      if (b > a) out.push(`<rect x="${x(a).toFixed(2)}" y="${bandY}" width="${Math.max(0.5, x(b) - x(a)).toFixed(2)}" height="${bandH}" fill="${colour}"><title>${esc(p.name)} ${what}: ${us(b - a).toFixed(2)} µs</title></rect>`);
    };
    seg(p.start, fillEnd, PHASE_COLOURS.fill, 'fill');
    seg(fillEnd, drainStart, PHASE_COLOURS.steady, 'steady state');
    seg(drainStart, p.end, PHASE_COLOURS.drain, 'drain');
  }

  ENGINES.forEach((e, r) => {
    const y = rowsY + r * (rowH + gap);
    out.push(`<text x="${left - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${e}</text>`);
    out.push(`<rect x="${left}" y="${y}" width="${plotW}" height="${rowH}" fill="${STATE_COLOURS.idle}"/>`);
    for (const state of ['stall-dependency', 'stall-memory', 'busy'] as const) {
      const ivs = sim.intervals.filter((i) => i.engine === e && i.state === state).sort((a, b) => a.start - b.start);
      let cur: { a: number; b: number; n: number; label: string } | null = null;
      const flush = (): void => {
        if (!cur) return;
        const w = Math.max(0.6, x(cur.b) - x(cur.a));
        const what = cur.n === 1 ? cur.label : `${cur.n} ops from ${cur.label}`;
        out.push(`<rect x="${x(cur.a).toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${rowH}" fill="${STATE_COLOURS[state]}"><title>${esc(`${state}: ${what}, ${us(cur.b - cur.a).toFixed(2)} µs`)}</title></rect>`);
        cur = null;
      };
      for (const iv of ivs) {
        if (cur && x(iv.start) - x(cur.b) < 0.5) { cur.b = Math.max(cur.b, iv.end); cur.n++; } else { flush(); cur = { a: iv.start, b: iv.end, n: 1, label: iv.label }; }
      }
      flush();
    }
  });

  // layer boundaries: the start of each layer's first phase
  const seen = new Set<number>();
  for (const p of sim.phases) {
    if (p.layer < 0 || seen.has(p.layer)) continue;
    seen.add(p.layer);
    const xl = x(p.start).toFixed(2);
    out.push(`<line x1="${xl}" y1="${bandY - 4}" x2="${xl}" y2="${axisY}" stroke="#343a40" stroke-dasharray="3 3" stroke-width="0.8"/>`);
    if (seen.size <= 24 || p.layer % Math.ceil(seen.size / 24) === 0) out.push(`<text x="${(+xl + 2).toFixed(2)}" y="${bandY - 6}" font-size="10" fill="#343a40">L${p.layer}</text>`);
  }

  // time axis in µs
  const spanUs = us(total), step = tickStep(spanUs, 10);
  out.push(`<line x1="${left}" y1="${axisY}" x2="${left + plotW}" y2="${axisY}" stroke="#343a40"/>`);
  for (let t = 0; t <= spanUs + 1e-9; t += step) {
    const xt = x(t * sim.clockMHz).toFixed(2);
    out.push(`<line x1="${xt}" y1="${axisY}" x2="${xt}" y2="${axisY + 5}" stroke="#343a40"/><text x="${xt}" y="${axisY + 18}" text-anchor="middle" font-size="10">${+t.toPrecision(6)}</text>`);
  }
  out.push(`<text x="${left + plotW}" y="${axisY + 32}" text-anchor="end" font-size="11" fill="#495057">time (µs)</text>`);

  // legend
  const legend: [string, string][] = [
    ['busy', STATE_COLOURS.busy], ['stalled on memory (DDR)', STATE_COLOURS['stall-memory']],
    ['stalled on a dependency', STATE_COLOURS['stall-dependency']], ['idle', STATE_COLOURS.idle],
    ['phase fill', PHASE_COLOURS.fill], ['steady state', PHASE_COLOURS.steady], ['drain', PHASE_COLOURS.drain],
  ];
  let lx = left;
  const ly = axisY + 44;
  for (const [name, colour] of legend) {
    out.push(`<rect x="${lx}" y="${ly}" width="12" height="12" fill="${colour}" stroke="#adb5bd" stroke-width="0.5"/><text x="${lx + 16}" y="${ly + 10}" font-size="11">${esc(name)}</text>`);
    lx += 22 + name.length * 6.2;
  }
  out.push('</svg>');
  return out.join('\n');
}
