/**
 * NSGA-II (Deb, Pratap, Agarwal, Meyarivan, IEEE TEVC 2002): fast non-dominated sort, crowding distance,
 * binary tournament on (rank, crowding), SBX crossover and polynomial mutation for real genes
 * (Deb & Agrawal 1995), uniform crossover and random reset for choice genes. All objectives are minimised.
 */
import type { Rng } from '../common/rng.ts';

/** A real gene in [lo, hi] or a choice gene with `choices` options (the gene is the option index). */
export type Gene = { kind: 'real'; lo: number; hi: number } | { kind: 'choice'; choices: number };

/** Objective vector (minimised) and total constraint violation (0 or absent when feasible). */
export interface Evaluated {
  objectives: number[];
  violation?: number;
}

export interface Problem {
  genes: Gene[];
  objectives: number;
  evaluate(x: number[]): Evaluated;
}

export interface Individual {
  x: number[];
  objectives: number[];
  violation: number;
  rank: number;
  crowding: number;
}

export interface Nsga2Options {
  populationSize: number;
  generations: number;
  rng: Rng;
  /** SBX distribution index (Deb 2002 uses 20). */
  etaCrossover?: number;
  /** Polynomial mutation distribution index (20). */
  etaMutation?: number;
  /** Crossover probability per pair (0.9). */
  crossoverProbability?: number;
  /** Mutation probability per gene (default 1/genes). */
  mutationProbability?: number;
  onGeneration?(generation: number, population: Individual[]): void;
}

/** Constrained domination (Deb 2002 §V): feasible beats infeasible, less violation wins, else Pareto dominance. */
export function dominates(a: Individual, b: Individual): boolean {
  if (a.violation !== b.violation) return a.violation < b.violation;
  let better = false;
  for (let i = 0; i < a.objectives.length; i++) {
    if (a.objectives[i] > b.objectives[i]) return false;
    if (a.objectives[i] < b.objectives[i]) better = true;
  }
  return better;
}

/** Fast non-dominated sort: returns fronts of indices and sets `rank` (0 = first front). O(M·N²). */
export function fastNonDominatedSort(pop: Individual[]): number[][] {
  const n = pop.length;
  const dominated: number[][] = Array.from({ length: n }, () => []);
  const count = new Int32Array(n);
  const fronts: number[][] = [[]];
  for (let p = 0; p < n; p++) {
    for (let q = p + 1; q < n; q++) {
      if (dominates(pop[p], pop[q])) { dominated[p].push(q); count[q]++; }
      else if (dominates(pop[q], pop[p])) { dominated[q].push(p); count[p]++; }
    }
  }
  for (let p = 0; p < n; p++) if (count[p] === 0) { pop[p].rank = 0; fronts[0].push(p); }
  for (let i = 0; fronts[i].length > 0; i++) {
    const next: number[] = [];
    for (const p of fronts[i]) {
      for (const q of dominated[p]) {
        if (--count[q] === 0) { pop[q].rank = i + 1; next.push(q); }
      }
    }
    fronts.push(next);
  }
  fronts.pop();
  return fronts;
}

/** Crowding distance within one front (Deb 2002 §III-B): boundary points get +∞. */
export function assignCrowding(pop: Individual[], front: number[]): void {
  for (const i of front) pop[i].crowding = 0;
  if (front.length === 0) return;
  const m = pop[front[0]].objectives.length;
  for (let k = 0; k < m; k++) {
    const sorted = [...front].sort((a, b) => pop[a].objectives[k] - pop[b].objectives[k] || a - b);
    const lo = pop[sorted[0]].objectives[k], hi = pop[sorted[sorted.length - 1]].objectives[k];
    pop[sorted[0]].crowding = Infinity;
    pop[sorted[sorted.length - 1]].crowding = Infinity;
    if (hi === lo) continue;
    for (let j = 1; j < sorted.length - 1; j++) {
      pop[sorted[j]].crowding += (pop[sorted[j + 1]].objectives[k] - pop[sorted[j - 1]].objectives[k]) / (hi - lo);
    }
  }
}

/** Crowded-comparison operator: lower rank wins, then larger crowding distance. */
function crowdedBetter(a: Individual, b: Individual): boolean {
  return a.rank < b.rank || (a.rank === b.rank && a.crowding > b.crowding);
}

function tournament(pop: Individual[], rng: Rng): Individual {
  const a = pop[rng.int(pop.length)], b = pop[rng.int(pop.length)];
  return crowdedBetter(b, a) ? b : a;
}

/** SBX on one real gene pair (Deb & Agrawal 1995, bounded form as in Deb's NSGA-II code). */
function sbxPair(x1: number, x2: number, lo: number, hi: number, eta: number, rng: Rng): [number, number] {
  if (Math.abs(x1 - x2) < 1e-14 || hi <= lo) return [x1, x2];
  const y1 = Math.min(x1, x2), y2 = Math.max(x1, x2);
  const u = rng.next();
  const spread = (beta: number): number => {
    const alpha = 2 - Math.pow(beta, -(eta + 1));
    return u <= 1 / alpha ? Math.pow(u * alpha, 1 / (eta + 1)) : Math.pow(1 / (2 - u * alpha), 1 / (eta + 1));
  };
  const bq1 = spread(1 + (2 * (y1 - lo)) / (y2 - y1));
  const bq2 = spread(1 + (2 * (hi - y2)) / (y2 - y1));
  let c1 = 0.5 * (y1 + y2 - bq1 * (y2 - y1));
  let c2 = 0.5 * (y1 + y2 + bq2 * (y2 - y1));
  c1 = Math.min(hi, Math.max(lo, c1));
  c2 = Math.min(hi, Math.max(lo, c2));
  return rng.next() < 0.5 ? [c2, c1] : [c1, c2];
}

/** Polynomial mutation of one real gene (Deb & Goyal 1996, bounded form). */
function polynomialMutation(x: number, lo: number, hi: number, eta: number, rng: Rng): number {
  if (hi <= lo) return x;
  const d1 = (x - lo) / (hi - lo), d2 = (hi - x) / (hi - lo);
  const u = rng.next();
  const p = 1 / (eta + 1);
  const dq = u < 0.5
    ? Math.pow(2 * u + (1 - 2 * u) * Math.pow(1 - d1, eta + 1), p) - 1
    : 1 - Math.pow(2 * (1 - u) + 2 * (u - 0.5) * Math.pow(1 - d2, eta + 1), p);
  return Math.min(hi, Math.max(lo, x + dq * (hi - lo)));
}

function randomGenome(genes: Gene[], rng: Rng): number[] {
  return genes.map((g) => (g.kind === 'real' ? g.lo + rng.next() * (g.hi - g.lo) : rng.int(g.choices)));
}

function makeChildren(a: number[], b: number[], genes: Gene[], o: Resolved): [number[], number[]] {
  const c1 = [...a], c2 = [...b];
  if (o.rng.next() < o.crossoverProbability) {
    genes.forEach((g, i) => {
      if (g.kind === 'real') {
        if (o.rng.next() < 0.5) [c1[i], c2[i]] = sbxPair(a[i], b[i], g.lo, g.hi, o.etaCrossover, o.rng);
      } else if (o.rng.next() < 0.5) {
        c1[i] = b[i]; c2[i] = a[i];
      }
    });
  }
  for (const c of [c1, c2]) {
    genes.forEach((g, i) => {
      if (o.rng.next() >= o.mutationProbability) return;
      c[i] = g.kind === 'real' ? polynomialMutation(c[i], g.lo, g.hi, o.etaMutation, o.rng) : o.rng.int(g.choices);
    });
  }
  return [c1, c2];
}

/** Genome + evaluation → individual (rank and crowding are set by selection). */
function individuals(xs: number[][], results: Evaluated[]): Individual[] {
  return xs.map((x, i) => ({ x, objectives: results[i].objectives, violation: results[i].violation ?? 0, rank: 0, crowding: 0 }));
}

/** Environmental selection: fill by fronts, break the last front by crowding distance. */
export function selectSurvivors(pop: Individual[], size: number): Individual[] {
  const fronts = fastNonDominatedSort(pop);
  const next: Individual[] = [];
  for (const front of fronts) {
    assignCrowding(pop, front);
    if (next.length + front.length <= size) {
      for (const i of front) next.push(pop[i]);
    } else {
      const rest = [...front].sort((a, b) => pop[b].crowding - pop[a].crowding || a - b);
      for (const i of rest.slice(0, size - next.length)) next.push(pop[i]);
      break;
    }
  }
  return next;
}

type Resolved = Required<Omit<Nsga2Options, 'onGeneration'>>;

function resolveOptions(genes: Gene[], options: Omit<Nsga2Options, 'onGeneration'>): Resolved {
  const o = { etaCrossover: 20, etaMutation: 20, crossoverProbability: 0.9, mutationProbability: 1 / Math.max(1, genes.length), ...options };
  const size = o.populationSize;
  if (!Number.isInteger(size) || size < 4 || size % 2 !== 0) throw new RangeError(`populationSize must be an even integer ≥ 4, got ${size}`);
  return o;
}

/** Offspring genomes of one generation: binary tournaments, crossover, mutation (population-size many). */
function offspring(pop: Individual[], genes: Gene[], o: Resolved): number[][] {
  const kids: number[][] = [];
  while (kids.length < o.populationSize) kids.push(...makeChildren(tournament(pop, o.rng).x, tournament(pop, o.rng).x, genes, o));
  return kids;
}

/** Runs NSGA-II and returns the final population (its rank-0 members are the Pareto front found). */
export function nsga2(problem: Problem, options: Nsga2Options): Individual[] {
  const o = resolveOptions(problem.genes, options);
  const evaluate = (xs: number[][]) => individuals(xs, xs.map((x) => problem.evaluate(x)));
  let pop = selectSurvivors(evaluate(Array.from({ length: o.populationSize }, () => randomGenome(problem.genes, o.rng))), o.populationSize);
  for (let gen = 1; gen <= o.generations; gen++) {
    pop = selectSurvivors([...pop, ...evaluate(offspring(pop, problem.genes, o))], o.populationSize);
    options.onGeneration?.(gen, pop);
  }
  return pop;
}

/** A problem whose evaluations come a generation at a time, asynchronously (worker threads, a journal). */
export interface BatchProblem {
  genes: Gene[];
  objectives: number;
  evaluateBatch(xs: number[][]): Promise<Evaluated[]>;
}

export interface Nsga2BatchOptions extends Omit<Nsga2Options, 'onGeneration'> {
  /** Called after each generation's selection (generation 0 = the initial population); awaited. */
  onGeneration?(generation: number, population: Individual[]): void | Promise<void>;
}

/**
 * The same algorithm as `nsga2`, step for step and draw for draw from `rng`: a whole generation is handed
 * to `evaluateBatch` at once. Deterministic given the rng and the evaluations, so a journal of finished
 * evaluations replays a killed search exactly (src/dse/explore.ts).
 */
export async function nsga2Batch(problem: BatchProblem, options: Nsga2BatchOptions): Promise<Individual[]> {
  const o = resolveOptions(problem.genes, options);
  const evaluate = async (xs: number[][]) => individuals(xs, await problem.evaluateBatch(xs));
  let pop = selectSurvivors(await evaluate(Array.from({ length: o.populationSize }, () => randomGenome(problem.genes, o.rng))), o.populationSize);
  await options.onGeneration?.(0, pop);
  for (let gen = 1; gen <= o.generations; gen++) {
    pop = selectSurvivors([...pop, ...(await evaluate(offspring(pop, problem.genes, o)))], o.populationSize);
    await options.onGeneration?.(gen, pop);
  }
  return pop;
}

/** The non-dominated, feasible members of a population. */
export function paretoFront(pop: Individual[]): Individual[] {
  return pop.filter((p) => p.violation === 0 && !pop.some((q) => q !== p && q.violation === 0 && dominates(q, p)));
}
