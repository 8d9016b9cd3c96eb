import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/common/rng.ts';
import { randomDesignPoint } from '../../src/bat/space.ts';
import { evaluateDesign } from '../../src/bat/evaluate.ts';
import { budgetIssues } from '../../src/bat/resources.ts';
import { hardwareMetrics, violation, objectiveVector, UNRUNNABLE_VIOLATION } from '../../src/dse/objectives.ts';
import { paretoOf, chooseDesign } from '../../src/dse/front.ts';
import { linearTicks, logTicks, scatterSvg } from '../../src/dse/plots.ts';
import { SPACES, decodePoint, modelConfig, spaceGenes, workloadOfConfig } from '../../src/dse/space.ts';
import { resolvePreset } from '../../src/bmt/presets.ts';
import type { EvaluatedPoint } from '../../src/dse/explore.ts';

test('hardware metrics are evaluateDesign in ms / mJ; resource violation > 0 exactly when bat reports an over-budget resource', () => {
  const rng = createRng('dse-objectives');
  let over = 0, fit = 0;
  const space = SPACES.default, genes = spaceGenes(space, 'joint'), base = resolvePreset('tiny');
  for (let i = 0; i < 300; i++) {
    // Half from bat's own sampler (ZCU102-class, large buffers), half from the default exploration space.
    const sampled = i % 2 === 0 ? randomDesignPoint(rng) : null;
    const p = decodePoint(space, genes.map((g) => rng.int(g.kind === 'choice' ? g.choices : 1)));
    const workload = sampled?.workload ?? workloadOfConfig(modelConfig(base, p.model), 2), hardware = sampled?.hardware ?? p.hardware;
    const e = evaluateDesign(workload, hardware), h = hardwareMetrics(workload, hardware);
    assert.equal(h.runs, e.runs);
    if (!e.runs) {
      assert.ok(violation(h, {}) >= UNRUNNABLE_VIOLATION);
      continue;
    }
    assert.ok(Math.abs(h.latencyMs - 1e3 * e.latencySeconds) <= 1e-12 * h.latencyMs);
    assert.ok(Math.abs(h.energyMJ - 1e3 * e.energyJ.fpga) <= 1e-12 * h.energyMJ);
    assert.ok(Math.abs(h.throughputPerS * e.latencySeconds - 1) < 1e-12);
    const v = violation(h, {});
    assert.equal(v > 0, budgetIssues(e.resources).length > 0, `design ${i}: violation ${v}, issues ${budgetIssues(e.resources).map((x) => x.message)}`);
    if (v > 0) over++; else fit++;
    // A latency budget of half the latency adds exactly 1 (overshoot 100%); a generous one adds nothing.
    assert.ok(Math.abs(violation(h, { latencyBudgetMs: h.latencyMs / 2 }) - v - 1) < 1e-9);
    assert.equal(violation(h, { latencyBudgetMs: 2 * h.latencyMs }), v);
  }
  assert.ok(over > 5 && fit > 5, `the sample must contain both fitting and over-budget designs (${fit} / ${over})`);
});

test('a joint-space point evaluates: objectives [1 − accuracy, latency, energy]', () => {
  const space = SPACES.small, x = spaceGenes(space, 'joint').map(() => 0);
  const p = decodePoint(space, x);
  const h = hardwareMetrics(workloadOfConfig(modelConfig(resolvePreset('tiny'), p.model), 2), p.hardware);
  const o = objectiveVector({ ...h, accuracy: 0.9, testAccuracy: 0.8, bitflipAccuracy: 0.85, model: 'k' });
  assert.ok(Math.abs(o[0] - 0.1) < 1e-15);
  assert.deepEqual(o.slice(1), [h.latencyMs, h.energyMJ]);
  assert.equal(objectiveVector({ ...h, accuracy: null, testAccuracy: null, bitflipAccuracy: null, model: 'k' })[0], 1);
});

const pt = (key: string, objectives: number[], v = 0): EvaluatedPoint => ({
  key, x: [], objectives, violation: v, model: null, hardware: {} as never,
  metrics: { accuracy: 1 - objectives[0], latencyMs: objectives[1], energyMJ: objectives[2] } as never,
});

test('Pareto front equals brute force on random points; choice rules', () => {
  const rng = createRng('front');
  for (let t = 0; t < 20; t++) {
    const pts = Array.from({ length: 40 }, (_, i) => pt(String(i), [rng.int(5) / 10, 1 + rng.int(6), 1 + rng.int(6)], rng.next() < 0.2 ? 1 : 0));
    const feas = pts.filter((p) => p.violation === 0);
    const dom = (a: number[], b: number[]) => a.every((v, i) => v <= b[i]) && a.some((v, i) => v < b[i]);
    const brute = feas.filter((p) => !feas.some((q) => dom(q.objectives, p.objectives))).map((p) => p.key).sort();
    assert.deepEqual(paretoOf(pts).map((p) => p.key).sort(), brute);
  }
  const front = [pt('acc', [0.05, 10, 10]), pt('knee', [0.1, 2, 2]), pt('fast', [0.3, 1, 1])];
  assert.equal(chooseDesign(front).point!.key, 'knee');
  assert.equal(chooseDesign(front, 5).point!.key, 'knee');
  assert.equal(chooseDesign(front, 10).point!.key, 'acc');
  assert.equal(chooseDesign(front, 0.5).point, null);
  assert.equal(chooseDesign([]).point, null);
});

test('plots: round ticks, log axis when x spans > 20×, one circle per point by kind', () => {
  assert.deepEqual(linearTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(linearTicks(81.3, 94.2), [82, 84, 86, 88, 90, 92, 94]);
  assert.deepEqual(logTicks(0.003, 2), [0.01, 0.1, 1]);
  assert.deepEqual(logTicks(1, 30), [1, 2, 5, 10, 20]);
  const svg = scatterSvg({ title: 't', xLabel: 'latency (ms)', yLabel: 'accuracy (%)', points: [
    { x: 0.01, y: 90, kind: 'feasible' }, { x: 1, y: 91, kind: 'front' }, { x: 2, y: 91, kind: 'front' }, { x: 1, y: 91, kind: 'chosen' }, { x: 5, y: 80, kind: 'infeasible' },
  ] });
  assert.equal((svg.match(/class="front"/g) ?? []).length, 2);
  assert.equal((svg.match(/class="chosen"/g) ?? []).length, 1);
  assert.match(svg, /latency \(ms\) \(log scale\)/);
  assert.match(svg, /accuracy \(%\)/);
});
