// foldThresholds is exact: the folded model computes the same logits, bit for bit, as the unfolded one,
// while its Q, K, V and FFN-in linears now emit bits straight from the integer dot.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/common/rng.ts';
import { randomDeployModel } from '../../src/format/random.ts';
import { createEngine } from '../../src/runtime/engine.ts';
import { foldThresholds } from '../../src/runtime/fold.ts';
import { loadKernels } from '../../src/runtime/kernels-node.ts';
import { referenceForward } from '../../src/runtime/reference/forward.ts';

test('folded thresholds reproduce the float path exactly', async () => {
  const ops = await loadKernels();
  const shape = { vocabSize: 50, seqLen: 16, hidden: 40, heads: 2, ffn: 72, layers: 2, numLabels: 2 };
  const rng = createRng('fold-inputs');
  for (let s = 0; s < 6; s++) {
    const model = randomDeployModel(shape, `fold-${s}`, { sites: s < 3 ? 'binary' : 'mixed', parts: 1, thresholds: false });
    const foldedModel = foldThresholds(model);
    const added = foldedModel.layers.flatMap((L) => [L.q, L.k, L.v, L.ffn1]).filter((l) => l.threshold).length;
    if (s < 3) assert.equal(added, 4 * shape.layers, 'every Q, K, V, FFN-in linear of an all-binary model is folded');
    const engine = createEngine(foldedModel, ops);
    for (let r = 0; r < 4; r++) {
      const ids = new Int32Array(shape.seqLen), mask = new Uint8Array(shape.seqLen);
      const n = 2 + rng.int(shape.seqLen - 1);
      for (let t = 0; t < n; t++) { ids[t] = rng.int(shape.vocabSize); mask[t] = 1; }
      const want = referenceForward(model, ids, mask);
      assert.deepEqual(referenceForward(foldedModel, ids, mask), want, `model ${s} input ${r}`);
      assert.deepEqual(engine.forward(ids, mask), want, `engine, model ${s} input ${r}`);
    }
  }
});
