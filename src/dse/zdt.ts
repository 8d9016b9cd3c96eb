/**
 * ZDT test problems (Zitzler, Deb & Thiele, Evolutionary Computation 2000), two objectives, n = 30
 * real genes in [0, 1], and their known Pareto-optimal fronts (g = 1): the check that NSGA-II works.
 */
import type { Problem } from './nsga2.ts';

export type ZdtName = 'zdt1' | 'zdt2' | 'zdt3';

/** g(x) = 1 + 9·Σ_{i≥2} x_i / (n − 1) */
function zdtG(x: number[]): number {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += x[i];
  return 1 + (9 * s) / (x.length - 1);
}

/** h(f1, g) for each problem: f2 = g·h. */
const zdtH: Record<ZdtName, (f1: number, g: number) => number> = {
  zdt1: (f1, g) => 1 - Math.sqrt(f1 / g),
  zdt2: (f1, g) => 1 - (f1 / g) ** 2,
  zdt3: (f1, g) => 1 - Math.sqrt(f1 / g) - (f1 / g) * Math.sin(10 * Math.PI * f1),
};

export function zdtProblem(name: ZdtName, n = 30): Problem {
  return {
    genes: Array.from({ length: n }, () => ({ kind: 'real' as const, lo: 0, hi: 1 })),
    objectives: 2,
    evaluate(x) {
      const g = zdtG(x);
      return { objectives: [x[0], g * zdtH[name](x[0], g)] };
    },
  };
}

/** `samples` points of the true front (g = 1); for ZDT3 only its non-dominated (disconnected) parts. */
export function zdtTrueFront(name: ZdtName, samples = 2000): number[][] {
  const pts = Array.from({ length: samples }, (_, i) => {
    const f1 = i / (samples - 1);
    return [f1, zdtH[name](f1, 1)];
  });
  return name === 'zdt3' ? nondominated2d(pts) : pts;
}

function nondominated2d(pts: number[][]): number[][] {
  const sorted = [...pts].sort((a, b) => a[0] - b[0]);
  const out: number[][] = [];
  let best = Infinity;
  for (const p of sorted) if (p[1] < best) { out.push(p); best = p[1]; }
  return out;
}
