/**
 * The ONNX export runs in onnxruntime-node and matches the plain TypeScript reference forward pass:
 * max |ort − ref| ≤ 1e-4 · max(|ref|) per batch (float32 inference against float64 arithmetic).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { BitedgeError } from '../../src/common/errors.ts';
import { createRng } from '../../src/common/rng.ts';
import { erf, floatReferenceForward } from '../../src/format/float-forward.ts';
import { exportOnnx } from '../../src/format/onnx.ts';
import { ProtoWriter } from '../../src/format/protobuf.ts';
import { randomFloatModel } from '../../src/format/random.ts';
import type { EncoderShape } from '../../src/format/model.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('protobuf writer: varints, negative int64, fixed32, nested messages', () => {
  assert.equal(hex(new ProtoWriter().varint(1, 150).finish()), '089601'); // the protobuf documentation's example
  assert.equal(hex(new ProtoWriter().varint(2, 300).finish()), '10ac02');
  assert.equal(hex(new ProtoWriter().varint(3, -1).finish()), '18ffffffffffffffffff01');
  assert.equal(hex(new ProtoWriter().float(4, 1).finish()), '250000803f');
  assert.equal(hex(new ProtoWriter().string(5, 'hi').finish()), '2a026869');
  assert.equal(hex(new ProtoWriter().message(6, new ProtoWriter().varint(1, 1)).finish()), '32020801');
});

test('erf approximation is within 1.5e-7 of known values', () => {
  // erf(0.5), erf(1), erf(2) to 10 digits.
  for (const [x, v] of [[0.5, 0.5204998778], [1, 0.8427007929], [2, 0.995322265], [-1, -0.8427007929], [0, 0]]) {
    assert.ok(Math.abs(erf(x) - v) <= 1.5e-7, `erf(${x})`);
  }
});

const shapes: [EncoderShape, 'relu' | 'gelu'][] = [
  [{ vocabSize: 61, seqLen: 12, hidden: 24, heads: 3, ffn: 40, layers: 2, numLabels: 2 }, 'gelu'],
  [{ vocabSize: 30, seqLen: 7, hidden: 16, heads: 1, ffn: 20, layers: 1, numLabels: 3 }, 'relu'],
  [{ vocabSize: 200, seqLen: 32, hidden: 64, heads: 4, ffn: 128, layers: 3, numLabels: 4 }, 'gelu'],
];

test('exported ONNX runs in onnxruntime-node and matches floatReferenceForward on random models and ids', async () => {
  const rng = createRng('onnx');
  let worst = 0;
  for (const [i, [shape, act]] of shapes.entries()) {
    const model = randomFloatModel(shape, i, act);
    const session = await ort.InferenceSession.create(exportOnnx(model));
    assert.deepEqual(session.inputNames, ['input_ids', 'attention_mask']);
    assert.deepEqual(session.outputNames, ['logits']);
    for (const batch of [1, 4]) {
      const T = shape.seqLen;
      const ids = Array.from({ length: batch * T }, () => rng.int(shape.vocabSize));
      // Each row keeps [CLS] and a random-length prefix; the rest is padding.
      const lengths = Array.from({ length: batch }, () => 1 + rng.int(T));
      const mask = Array.from({ length: batch * T }, (_, k) => ((k % T) < lengths[Math.floor(k / T)] ? 1 : 0));
      const feeds = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [batch, T]),
        attention_mask: new ort.Tensor('int64', BigInt64Array.from(mask, BigInt), [batch, T]),
      };
      const got = (await session.run(feeds)).logits;
      assert.deepEqual(got.dims, [batch, shape.numLabels]);
      const want = floatReferenceForward(model, ids, mask, batch);
      const scale = Math.max(...want.map(Math.abs));
      const err = Math.max(...Array.from(got.data as Float32Array, (x, k) => Math.abs(x - want[k])));
      assert.ok(err <= 1e-4 * scale, `shape ${i} batch ${batch}: max error ${err} vs scale ${scale}`);
      worst = Math.max(worst, err / scale);
    }
    await session.release();
  }
  console.log(`# onnxruntime vs reference: worst max|Δ| / max|logit| = ${worst.toExponential(2)} (bound 1e-4)`);
});

test('padding is ignored by both: changing a masked token leaves the logits unchanged', async () => {
  const shape = shapes[0][0];
  const model = randomFloatModel(shape, 9, 'relu');
  const session = await ort.InferenceSession.create(exportOnnx(model));
  const T = shape.seqLen;
  const ids = Array.from({ length: T }, (_, t) => (t * 5 + 1) % shape.vocabSize);
  const mask = Array.from({ length: T }, (_, t) => (t < 6 ? 1 : 0));
  const run = async (x: number[]) =>
    (await session.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(x, BigInt), [1, T]),
      attention_mask: new ort.Tensor('int64', BigInt64Array.from(mask, BigInt), [1, T]),
    })).logits.data as Float32Array;
  const base = await run(ids);
  const paddedChanged = [...ids];
  paddedChanged[T - 1] = (paddedChanged[T - 1] + 1) % shape.vocabSize;
  const keptChanged = [...ids];
  keptChanged[2] = (keptChanged[2] + 1) % shape.vocabSize;
  assert.deepEqual(await run(paddedChanged), base);
  assert.notDeepEqual(await run(keptChanged), base);
  assert.deepEqual(floatReferenceForward(model, paddedChanged, mask, 1), floatReferenceForward(model, ids, mask, 1));
  await session.release();
});

test('an inconsistent float model is refused before export, with the field named', () => {
  const model = randomFloatModel(shapes[1][0], 3, 'relu');
  model.layers[0].ffn2.weight = new Float32Array(5);
  assert.throws(() => exportOnnx(model), (e) => e instanceof BitedgeError && e.code === 'float_model' && /layers\.0\.ffn2\.weight: wrong length/.test(e.message));
  const nan = randomFloatModel(shapes[1][0], 3, 'relu');
  nan.pooler.bias[0] = NaN;
  assert.throws(() => floatReferenceForward(nan, [0], [1], 1), /pooler\.bias: element 0 is not finite/);
});
