import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/bmt/engine.ts';
import { resolvePreset } from '../../src/bmt/presets.ts';
import { trainRecipe, planRecipe } from '../../src/bmt/recipe.ts';
import { trainStage, evaluate, lrAt, scorePredictions } from '../../src/bmt/train.ts';
import { dropoutMask, initParams, FP32 } from '../../src/bmt/model.ts';
import { createRng } from '../../src/common/rng.ts';
import { BitedgeError } from '../../src/common/errors.ts';
import { syntheticDataset } from './synthetic.ts';
import { tempDir } from '../temp-dir.ts';
import { join } from 'node:path';
import { readCheckpoint } from '../../src/bmt/checkpoint.ts';

before(async () => { await initEngine('wasm'); });

test('the bmt recipe learns a synthetic task; the split stage equals the ternary stage; no tensor leaks', () => {
  const c = resolvePreset('tiny', { train: { epochs: { fp32: 8, ternary: 4, binary: 4 } } });
  const data = syntheticDataset(c.seqLen, c.vocabSize);
  const before = tf.memory().numTensors;
  const { metrics, final } = trainRecipe({ recipe: 'bmt', config: c, data, quiet: true });
  assert.equal(tf.memory().numTensors, before, 'tensors leaked across training and evaluation');
  assert.deepEqual(metrics.stages.map((s) => s.name), ['fp32', 'ternary', 'split', 'binary']);
  const by = Object.fromEntries(metrics.stages.map((s) => [s.name, s]));
  assert.ok(by.fp32.test.accuracy >= 0.9, `fp32 test accuracy ${by.fp32.test.accuracy}`);
  assert.ok(by.binary.test.accuracy >= 0.75, `W1A1 test accuracy ${by.binary.test.accuracy}`);
  assert.deepEqual(by.split.test, by.ternary.test);
  assert.equal(final.variant.parts, 2);
  assert.equal(metrics.final.test.accuracy, by.binary.test.accuracy);
});

test('fine-tuning starts from the exact split: trained activation scales are kept, not re-initialised', () => {
  const c = resolvePreset('tiny', { train: { epochs: { fp32: 2, ternary: 1, binary: 1 }, lr: { fp32: 3e-3, quant: 1e-9 } } });
  const dir = tempDir('bmt-keep-');
  const { metrics } = trainRecipe({ recipe: 'bmt', config: c, data: syntheticDataset(c.seqLen, c.vocabSize, 64), outDir: dir, quiet: true });
  const ternary = readCheckpoint(join(dir, 'ternary.ckpt')), binary = readCheckpoint(join(dir, 'binary.ckpt'));
  const alphas = Object.keys(ternary.params).filter((k) => k.endsWith('.alpha'));
  assert.ok(alphas.length >= 8);
  for (const k of alphas) assert.ok(Math.abs(binary.params[k][0] - ternary.params[k][0]) < 1e-6, `${k}: ${binary.params[k][0]} vs ${ternary.params[k][0]}`);
  const by = Object.fromEntries(metrics.stages.map((s) => [s.name, s]));
  assert.deepEqual(by.binary.test, by.split.test);
});

test('dropout (FP32 stage): seeded masks, so a resumed stage ends bit for bit where an uninterrupted one does', () => {
  const m = dropoutMask(20000, 0.25, createRng(3));
  assert.ok(m.every((x) => x === 0 || x === Math.fround(1 / 0.75)));
  const dropped = m.filter((x) => x === 0).length / m.length;
  assert.ok(Math.abs(dropped - 0.25) < 0.015, `dropped ${dropped}`);
  assert.deepEqual(dropoutMask(100, 0.25, createRng(3)), m.subarray(0, 100));
  const c = resolvePreset('tiny', { train: { dropout: 0.2, checkpointEvery: 3 } });
  const data = syntheticDataset(c.seqLen, c.vocabSize, 96);
  const init = initParams(c, FP32, 2, createRng(1));
  const dir = tempDir('bmt-drop-');
  const stage = (extra: object) => trainStage({ stage: 'fp32', config: c, variant: FP32, labels: data.labels, params: init, train: data.train, epochs: 2, lr: 3e-3, quiet: true, ...extra }).params;
  const full = stage({ checkpointPath: join(dir, 'fp32.ckpt') });
  const partial = readCheckpoint(join(dir, 'fp32.ckpt'));
  assert.equal(partial.done, false);
  assert.ok(partial.step > 0 && partial.step < partial.totalSteps);
  assert.deepEqual(stage({ resume: partial }), full);
  // Dropout changes training (rate 0 is another run) and never evaluation (no masks outside training)
  const noDrop = trainStage({ stage: 'fp32', config: { ...c, train: { ...c.train, dropout: 0 } }, variant: FP32, labels: data.labels, params: init, train: data.train, epochs: 2, lr: 3e-3, quiet: true }).params;
  assert.notDeepEqual(noDrop['L0.q.w'], full['L0.q.w']);
  assert.deepEqual(evaluate(c, FP32, full, data.labels, data.test).logits, evaluate(c, FP32, full, data.labels, data.test).logits);
});

test('a non-finite loss stops training with a clear message', () => {
  const c = resolvePreset('tiny');
  const data = syntheticDataset(c.seqLen, c.vocabSize, 32);
  const p = initParams(c, FP32, 2, createRng(1));
  p['L0.q.w'][3] = NaN;
  assert.throws(
    () => trainStage({ stage: 'fp32', config: c, variant: FP32, labels: data.labels, params: p, train: data.train, epochs: 1, lr: 1e-3, quiet: true }),
    (e: unknown) => e instanceof BitedgeError && e.code === 'train_diverged' && /stage fp32, step 1\/2: loss is not finite/.test(e.message),
  );
});

test('recipe plans, schedule and scores', () => {
  const c = resolvePreset('tiny', { stepwiseBits: [8, 2] });
  assert.deepEqual(planRecipe('bmt', c).map((p) => p.name), ['fp32', 'ternary-a8', 'ternary-a2', 'ternary', 'split', 'binary']);
  assert.equal(planRecipe('bmt', c)[1].config.bits.ffnIn, 8);
  assert.deepEqual(planRecipe('direct', c).map((p) => [p.name, p.variant.parts, p.epochs]), [['fp32', 1, 2], ['direct', 1, 2]]);
  assert.equal(planRecipe('tws', c).at(-1)!.variant.wtws, false);
  assert.equal(lrAt(0, 100, 1, 0.1), 0.1);
  assert.equal(lrAt(9, 100, 1, 0.1), 1);
  assert.equal(lrAt(55, 100, 1, 0.1), 0.5);
  assert.deepEqual(scorePredictions([0, 1, 1, 0], [0, 1, 0, 0], 2), { accuracy: 0.75, f1: (0.8 + 2 / 3) / 2 });
  const ev = evaluate(c, FP32, initParams(c, FP32, 2, createRng(2)), ['a', 'b'], syntheticDataset(c.seqLen, c.vocabSize, 8).test);
  assert.equal(ev.n, 64);
});
