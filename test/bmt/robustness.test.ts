import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/bmt/engine.ts';
import { resolvePreset } from '../../src/bmt/presets.ts';
import { trainRecipe } from '../../src/bmt/recipe.ts';
import { evaluate } from '../../src/bmt/train.ts';
import { perturbTokens, robustness, spreadOverRuns } from '../../src/bmt/robustness.ts';
import { createRng } from '../../src/common/rng.ts';
import { syntheticDataset, syntheticSplit } from './synthetic.ts';

before(async () => { await initEngine('wasm'); });

test('token perturbation: rate 0 is the identity; rate 1 touches every text token, keeps [CLS], is seeded', () => {
  const s = syntheticSplit(20, 16, 100, 'p');
  assert.deepEqual(perturbTokens(s, 0, 100, createRng(1)), s);
  const all = perturbTokens(s, 1, 100, createRng(1));
  for (let r = 0; r < s.n; r++) {
    assert.equal(all.ids[r * 16], 1, '[CLS] stays');
    const before = s.mask.subarray(r * 16, (r + 1) * 16).reduce((a, b) => a + b, 0);
    const after = all.mask.subarray(r * 16, (r + 1) * 16).reduce((a, b) => a + b, 0);
    assert.ok(after < before || before === 1 || all.ids.subarray(r * 16 + 1, r * 16 + after).some((x, i) => x !== s.ids[r * 16 + 1 + i]));
  }
  assert.deepEqual(perturbTokens(s, 0.3, 100, createRng(5)), perturbTokens(s, 0.3, 100, createRng(5)));
  assert.notDeepEqual(perturbTokens(s, 0.3, 100, createRng(5)), perturbTokens(s, 0.3, 100, createRng(6)));
});

test('bit flips: rate 0 equals the clean model, half the bits flipped destroys it; rows cover every kind', () => {
  const c = resolvePreset('tiny', { train: { epochs: { fp32: 6, ternary: 3, binary: 3 } } });
  const data = syntheticDataset(c.seqLen, c.vocabSize);
  const { final } = trainRecipe({ recipe: 'direct', config: c, data, quiet: true });
  const clean = evaluate(final.config, final.variant, final.params, data.labels, data.test).accuracy;
  assert.ok(clean >= 0.75, `clean accuracy ${clean}`);
  const noisy = (w: number, a: number) => evaluate(final.config, final.variant, final.params, data.labels, data.test, 64, { weightRate: w, actRate: a, rng: createRng(3), weightMasks: new Map() }).accuracy;
  assert.equal(noisy(0, 0), clean);
  assert.ok(noisy(0.5, 0.5) <= 0.7, `accuracy with half the bits flipped: ${noisy(0.5, 0.5)}`);
  const rows = robustness(final, data.test, { seeds: 2 });
  assert.deepEqual([...new Set(rows.map((r) => r.kind))], ['clean', 'tokens', 'weight-flips', 'act-flips', 'all-flips']);
  assert.equal(rows[0].accuracy, clean);
  assert.equal(rows.length, 1 + 3 * 4);
  const sp = spreadOverRuns([0.9, 0.8, 1]);
  assert.ok(Math.abs(sp.mean - 0.9) < 1e-12 && Math.abs(sp.std - 0.1) < 1e-12 && sp.min === 0.8 && sp.max === 1);
});
