// The Node runtime: batches over worker threads give the same logits as one engine on the calling
// thread; classify tokenizes, truncates with a flag, accepts empty text, and reports probabilities.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/common/rng.ts';
import { randomDeployModel } from '../../src/format/random.ts';
import { createEngine } from '../../src/runtime/engine.ts';
import { loadKernels } from '../../src/runtime/kernels-node.ts';
import { referenceForward } from '../../src/runtime/reference/forward.ts';
import { createRuntime, shares } from '../../src/runtime/runtime.ts';
import { modelWithTokenizer, TEXTS } from './fixtures.ts';

test('shares split n items into contiguous near-equal parts', () => {
  assert.deepEqual(shares(5, 2), [[0, 3], [3, 5]]);
  assert.deepEqual(shares(1, 2), [[0, 1]]);
  assert.deepEqual(shares(7, 3), [[0, 3], [3, 5], [5, 7]]);
});

test('a batch over two threads equals the engine on one thread, in order', async () => {
  const shape = { vocabSize: 70, seqLen: 24, hidden: 48, heads: 3, ffn: 80, layers: 2, numLabels: 3 };
  const model = randomDeployModel(shape, 'runtime-batch');
  const rng = createRng('runtime-batch-inputs');
  const inputs = Array.from({ length: 9 }, () => {
    const n = 2 + rng.int(shape.seqLen - 1);
    const ids = new Int32Array(shape.seqLen), mask = new Uint8Array(shape.seqLen);
    for (let t = 0; t < n; t++) { ids[t] = rng.int(shape.vocabSize); mask[t] = 1; }
    return { ids, mask };
  });
  const engine = createEngine(model, await loadKernels());
  const rt = await createRuntime(model, { threads: 2 });
  try {
    const got = await rt.run(inputs);
    assert.equal(got.length, inputs.length);
    got.forEach((z, i) => {
      assert.deepEqual(z, engine.forward(inputs[i].ids, inputs[i].mask), `input ${i}`);
      assert.deepEqual(z, referenceForward(model, inputs[i].ids, inputs[i].mask), `input ${i} vs reference`);
    });
    assert.notDeepEqual(got[0], got[1]);
  } finally {
    await rt.close();
  }
});

test('classify: labels, probabilities, truncation flag, empty text', async () => {
  const model = modelWithTokenizer('classify');
  const rt = await createRuntime(model, { threads: 2 });
  try {
    const out = await rt.classify(TEXTS);
    assert.equal(out.length, TEXTS.length);
    for (const r of out) {
      assert.ok(model.labels.includes(r.label));
      assert.ok(Math.abs(r.probs.reduce((a, b) => a + b, 0) - 1) < 1e-12);
      assert.equal(r.label, model.labels[r.probs.indexOf(Math.max(...r.probs))]);
    }
    assert.equal(out[2].truncated, false, 'empty text is valid');
    assert.equal(out[4].truncated, true, 'the long text is cut to seqLen');
    const empty = rt.encode('');
    assert.deepEqual(Array.from(empty.mask).filter(Boolean).length, 2, 'empty text is [CLS][SEP]');
    const single = await rt.classify([TEXTS[0]]); // batch of one: the calling thread
    assert.deepEqual(single[0], out[0]);
  } finally {
    await rt.close();
  }
});
