// Exactness (issue 4, item 5): on the whole SpamAssassin test split, the wasm runtime's predictions equal
// the training model's quantized forward pass, and logits agree within 1e-3 (docs/runtime.md, "Exactness":
// the deployed form evaluates the same function in another order, so only float rounding separates them).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initEngine } from '../../src/bmt/engine.ts';
import { prepareData } from '../../src/bmt/data.ts';
import { toDeployModel } from '../../src/bmt/export.ts';
import { resolvePreset } from '../../src/bmt/presets.ts';
import { trainRecipe } from '../../src/bmt/recipe.ts';
import { evaluate } from '../../src/bmt/train.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { referenceForward } from '../../src/runtime/reference/forward.ts';

const LOGIT_TOLERANCE = 1e-3;

before(async () => { await initEngine('wasm'); });

test('wasm runtime = training quantized forward on the whole SpamAssassin test split (W1A1, one-part, folded thresholds)', async (t) => {
  const c = resolvePreset('tiny', { vocabSize: 400, train: { maxTrainExamples: 300, epochs: { fp32: 1, ternary: 1, binary: 1 } } });
  const { data, tokenizer } = prepareData({ dataset: 'spamassassin' }, c);
  const { final } = trainRecipe({ recipe: 'direct', config: c, data, quiet: true });
  const model = toDeployModel(final, tokenizer.toJSON());
  const ev = evaluate(final.config, final.variant, final.params, data.labels, data.test);
  const T = c.seqLen, L = data.labels.length, n = data.test.n;
  const inputs = Array.from({ length: n }, (_, i) => ({ ids: data.test.ids.subarray(i * T, (i + 1) * T), mask: data.test.mask.subarray(i * T, (i + 1) * T) }));
  const rt = await createRuntime(model, { threads: 2 });
  let logits: Float32Array[];
  try { logits = await rt.run(inputs); } finally { await rt.close(); }
  let maxErr = 0, disagree = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 0; k < L; k++) {
      maxErr = Math.max(maxErr, Math.abs(logits[i][k] - ev.logits[i * L + k]));
      if (logits[i][k] > logits[i][best]) best = k;
    }
    if (best !== ev.predictions[i]) disagree++;
  }
  t.diagnostic(`${n} test messages, ${disagree} prediction differences, max logit |Δ| ${maxErr.toExponential(2)}`);
  assert.ok(n > 500, `the whole test split (${n} messages)`);
  assert.equal(disagree, 0, `predictions differ on ${disagree} of ${n} (max logit |Δ| ${maxErr})`);
  assert.ok(maxErr < LOGIT_TOLERANCE, `max logit |Δ| ${maxErr}`);
  for (const i of [0, 1, n - 1]) assert.deepEqual(logits[i], referenceForward(model, inputs[i].ids, inputs[i].mask), 'engine = reference');
});
