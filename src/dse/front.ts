/**
 * The Pareto front of everything a search evaluated, and the rule that picks one design from it.
 *
 * Choice rule [ours; the paper does not say how it picks]: with a latency budget, the most accurate
 * feasible front design (ties: lower latency, then lower energy); without one, the knee point: each
 * objective normalised to [0, 1] over the front, the design nearest (Euclidean) to the ideal corner (0, 0, 0);
 * ties: the first in front order (lower error, then lower latency).
 */
import { dominates, type Individual } from './nsga2.ts';
import type { EvaluatedPoint } from './explore.ts';

const asIndividual = (p: EvaluatedPoint): Individual => ({ x: p.x, objectives: p.objectives, violation: p.violation, rank: 0, crowding: 0 });

/** Feasible points no other feasible point dominates, sorted by error then latency. Duplicated objective vectors are all kept. */
export function paretoOf(points: EvaluatedPoint[]): EvaluatedPoint[] {
  const feas = points.filter((p) => p.violation === 0);
  const ind = feas.map(asIndividual);
  return feas
    .filter((_, i) => !ind.some((q, j) => j !== i && dominates(q, ind[i])))
    .sort((a, b) => a.objectives[0] - b.objectives[0] || a.objectives[1] - b.objectives[1] || a.objectives[2] - b.objectives[2]);
}

export type ChoiceRule = 'most-accurate-within-budget' | 'knee';

/** The chosen design of a front (null when the front is empty: nothing feasible). */
export function chooseDesign(front: EvaluatedPoint[], latencyBudgetMs?: number): { point: EvaluatedPoint | null; rule: ChoiceRule } {
  if (latencyBudgetMs !== undefined) {
    const within = front.filter((p) => p.metrics.latencyMs <= latencyBudgetMs);
    const best = [...within].sort((a, b) => a.objectives[0] - b.objectives[0] || a.objectives[1] - b.objectives[1] || a.objectives[2] - b.objectives[2])[0];
    return { point: best ?? null, rule: 'most-accurate-within-budget' };
  }
  if (front.length === 0) return { point: null, rule: 'knee' };
  const m = front[0].objectives.length;
  const lo = Array.from({ length: m }, (_, k) => Math.min(...front.map((p) => p.objectives[k])));
  const hi = Array.from({ length: m }, (_, k) => Math.max(...front.map((p) => p.objectives[k])));
  const dist = (p: EvaluatedPoint) => Math.hypot(...p.objectives.map((v, k) => (hi[k] > lo[k] ? (v - lo[k]) / (hi[k] - lo[k]) : 0)));
  let best = front[0];
  for (const p of front) if (dist(p) < dist(best)) best = p;
  return { point: best, rule: 'knee' };
}
