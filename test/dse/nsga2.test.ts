import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/common/rng.ts';
import { assignCrowding, fastNonDominatedSort, nsga2, paretoFront, type Individual } from '../../src/dse/nsga2.ts';
import { hypervolume, hypervolume2d } from '../../src/dse/hypervolume.ts';
import { zdtProblem, zdtTrueFront, type ZdtName } from '../../src/dse/zdt.ts';

const ind = (objectives: number[], violation = 0): Individual => ({ x: [], objectives, violation, rank: -1, crowding: 0 });

/** Slow reference: peel off the non-dominated set repeatedly. */
function peelRanks(objs: number[][]): number[] {
  const rank = objs.map(() => -1);
  const dom = (a: number[], b: number[]) => a.every((v, i) => v <= b[i]) && a.some((v, i) => v < b[i]);
  for (let r = 0; rank.includes(-1); r++) {
    const left = objs.map((_, i) => i).filter((i) => rank[i] === -1);
    const front = left.filter((i) => !left.some((j) => j !== i && dom(objs[j], objs[i])));
    for (const i of front) rank[i] = r;
  }
  return rank;
}

test('fast non-dominated sort equals repeated peeling on random points (2–4 objectives, with ties)', () => {
  const rng = createRng('nds');
  for (let trial = 0; trial < 30; trial++) {
    const m = 2 + (trial % 3);
    const objs = Array.from({ length: 60 }, () => Array.from({ length: m }, () => rng.int(8)));
    const pop = objs.map((o) => ind(o));
    const fronts = fastNonDominatedSort(pop);
    assert.deepEqual(pop.map((p) => p.rank), peelRanks(objs));
    assert.equal(fronts.flat().length, pop.length);
  }
});

test('infeasible individuals rank behind every feasible one', () => {
  const pop = [ind([5, 5]), ind([0, 0], 1), ind([1, 9]), ind([0, 0], 0.5)];
  fastNonDominatedSort(pop);
  assert.deepEqual(pop.map((p) => p.rank), [0, 2, 0, 1]);
});

test('crowding distance: boundary points infinite, interior by normalised neighbour gaps', () => {
  const pop = [ind([0, 4]), ind([1, 2]), ind([3, 1]), ind([4, 0])];
  assignCrowding(pop, [0, 1, 2, 3]);
  assert.equal(pop[0].crowding, Infinity);
  assert.equal(pop[3].crowding, Infinity);
  assert.ok(Math.abs(pop[1].crowding - (3 / 4 + 3 / 4)) < 1e-12);
  assert.ok(Math.abs(pop[2].crowding - (3 / 4 + 2 / 4)) < 1e-12);
});

/** Exact reference for the union volume of boxes [p, ref]: coordinate-compressed grid cells. */
function gridHypervolume(points: number[][], ref: number[]): number {
  const d = ref.length;
  const axes = Array.from({ length: d }, (_, k) => [...new Set([...points.map((p) => p[k]), ref[k]])].filter((v) => v <= ref[k]).sort((a, b) => a - b));
  let vol = 0;
  const idx = new Array(d).fill(0);
  const rec = (k: number): void => {
    if (k === d) {
      const corner = idx.map((i, j) => axes[j][i]);
      if (points.some((p) => p.every((v, j) => v <= corner[j]))) vol += idx.reduce((acc, i, j) => acc * (axes[j][i + 1] - axes[j][i]), 1);
      return;
    }
    for (idx[k] = 0; idx[k] < axes[k].length - 1; idx[k]++) rec(k + 1);
  };
  rec(0);
  return vol;
}

test('hypervolume: hand case, and exact against a grid reference in 2–4 dimensions', () => {
  assert.equal(hypervolume2d([[1, 3], [2, 2], [3, 1]], [4, 4]), 3 + 2 + 1);
  const rng = createRng('hv');
  for (let trial = 0; trial < 20; trial++) {
    const d = 2 + (trial % 3);
    const pts = Array.from({ length: 12 }, () => Array.from({ length: d }, () => Math.round(rng.next() * 20) / 10));
    const ref = new Array(d).fill(2.1);
    const hv = hypervolume(pts, ref);
    assert.ok(Math.abs(hv - gridHypervolume(pts, ref)) < 1e-9, `d=${d}: ${hv} vs ${gridHypervolume(pts, ref)}`);
  }
});

for (const name of ['zdt1', 'zdt2', 'zdt3'] as ZdtName[]) {
  test(`NSGA-II reaches ≥ 98% of the true ${name.toUpperCase()} front's hypervolume (ref 1.1, 1.1)`, () => {
    const ref: [number, number] = [1.1, 1.1];
    const truth = hypervolume2d(zdtTrueFront(name), ref);
    const run = (generations: number) => {
      const pop = nsga2(zdtProblem(name), { populationSize: 100, generations, rng: createRng(`${name}-run`) });
      return hypervolume2d(paretoFront(pop).map((p) => p.objectives), ref) / truth;
    };
    const initial = run(0);
    const final = run(250);
    assert.ok(initial < 0.9, `the random initial population already scores ${initial}: the bar would not discriminate`);
    assert.ok(final >= 0.98, `${name}: hypervolume ratio ${final.toFixed(4)}`);
  });
}
