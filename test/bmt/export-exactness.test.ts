import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/bmt/engine.ts';
import { resolvePreset } from '../../src/bmt/presets.ts';
import { prepareData } from '../../src/bmt/data.ts';
import { trainRecipe } from '../../src/bmt/recipe.ts';
import { evaluate } from '../../src/bmt/train.ts';
import { toDeployModel, toFloatModel, foldThreshold } from '../../src/bmt/export.ts';
import { referenceForward } from '../../src/runtime/index.ts';
import { validateDeployModel, floatReferenceForward } from '../../src/format/index.ts';
import type { RecipeName } from '../../src/bmt/recipe.ts';

before(async () => { await initEngine('wasm'); });

test('folded thresholds: dot ≥ θ ⇔ c·dot + b − β ≥ 0 for every reachable dot', () => {
  const K = 9;
  const scale = Float32Array.of(0.5, 0.25, 0, 1.5), bias = Float32Array.of(0.3, -1, 0.2, 0), beta = Float32Array.of(0.1, 0.5, 0.1, 0.75);
  for (const qIn of [1, -0.5]) {
    const t = foldThreshold(scale, qIn, bias, beta, K);
    for (let n = 0; n < 4; n++)
      for (let dot = -K; dot <= K; dot += 2) {
        const want = qIn * scale[n] * dot + bias[n] - beta[n] >= 0;
        const got = t.sense[n] > 0 ? dot >= t.theta[n] : dot <= t.theta[n];
        assert.equal(got, want, `n=${n} dot=${dot} qIn=${qIn}`);
      }
  }
});

// The exactness contract (docs/forward.md): the runtime's predictions equal training's quantized forward on the
// whole SpamAssassin test split; logits agree within float rounding.
for (const recipe of ['bmt', 'direct'] as RecipeName[]) {
  test(`exported ${recipe} model: runtime referenceForward = training forward on the SpamAssassin test split`, () => {
    // The direct model also stores its float matrices as trained: 1-bit token embedding, 8-bit position/pooler/classifier
    const storageBits = recipe === 'direct' ? { tokenEmbedding: 1, positionEmbedding: 8, pooler: 8, classifier: 8 } as const : {};
    const c = resolvePreset('tiny', { vocabSize: 400, wtws: true, storageBits, train: { maxTrainExamples: 300, epochs: { fp32: 2, ternary: 1, binary: 1 } } });
    const { data, tokenizer } = prepareData({ dataset: 'spamassassin' }, c);
    const { final } = trainRecipe({ recipe, config: c, data, quiet: true });
    const model = toDeployModel(final, tokenizer.toJSON());
    validateDeployModel(model);
    if (recipe === 'direct') {
      assert.ok(model.layers[0].q.threshold, 'one-part q with binary output has a folded threshold');
      assert.deepEqual(Object.fromEntries(Object.entries(model.storage ?? {}).map(([k, v]) => [k, v!.bits])), { tokenEmbedding: 1, positionEmbedding: 8, 'pooler.weight': 8, 'classifier.weight': 8 });
      assert.ok(new Set(model.tokenEmbedding.subarray(0, c.hidden).map(Math.abs)).size === 1, 'a 1-bit row holds ±scale only');
    } else assert.equal(model.storage, undefined);
    if (recipe === 'bmt') assert.equal(model.layers[0].q.parts.length, 2);
    const ev = evaluate(final.config, final.variant, final.params, data.labels, data.test);
    const L = data.labels.length, T = c.seqLen;
    let maxErr = 0, disagree = 0;
    for (let i = 0; i < data.test.n; i++) {
      const logits = referenceForward(model, data.test.ids.subarray(i * T, (i + 1) * T), data.test.mask.subarray(i * T, (i + 1) * T));
      let best = 0;
      for (let k = 0; k < L; k++) {
        maxErr = Math.max(maxErr, Math.abs(logits[k] - ev.logits[i * L + k]));
        if (logits[k] > logits[best]) best = k;
      }
      if (best !== ev.predictions[i]) disagree++;
    }
    assert.equal(disagree, 0, `predictions differ on ${disagree} of ${data.test.n} (max logit |Δ| ${maxErr})`);
    assert.ok(maxErr < 1e-3, `max logit |Δ| ${maxErr}`);
    assert.ok(data.test.n > 500);
  });
}

test('toFloatModel: the float reference forward reproduces the FP32 teacher', () => {
  const c = resolvePreset('tiny', { vocabSize: 400, train: { maxTrainExamples: 200, epochs: { fp32: 1, ternary: 1, binary: 1 } } });
  const { data } = prepareData({ dataset: 'spamassassin' }, c);
  const { final } = trainRecipe({ recipe: 'fp32', config: c, data, quiet: true });
  const fm = toFloatModel(final);
  const ev = evaluate(final.config, final.variant, final.params, data.labels, data.test);
  let maxErr = 0;
  for (let i = 0; i < 100; i++) {
    const T = c.seqLen;
    const logits = floatReferenceForward(fm, data.test.ids.subarray(i * T, (i + 1) * T), data.test.mask.subarray(i * T, (i + 1) * T), 1);
    for (let k = 0; k < 2; k++) maxErr = Math.max(maxErr, Math.abs(logits[k] - ev.logits[i * 2 + k]));
  }
  assert.ok(maxErr < 1e-3, `max logit |Δ| ${maxErr}`);
});
