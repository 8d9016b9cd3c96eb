// The engine (wasm kernels) against referenceForward (plain TS products): logits equal bit for bit on
// random models with every site kind, one- and two-part linears, all attention variants, and padding.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createRng } from '../../src/common/rng.ts';
import { randomDeployModel, TINY_SHAPE } from '../../src/format/random.ts';
import type { DeployModel, EncoderShape } from '../../src/format/model.ts';
import { createEngine } from '../../src/runtime/engine.ts';
import type { WasmOps } from '../../src/runtime/kernels.ts';
import { loadKernels } from '../../src/runtime/kernels-node.ts';
import { referenceForward } from '../../src/runtime/reference/forward.ts';

let ops: WasmOps;
before(async () => { ops = await loadKernels(); });

/** Random ids with a random number of real tokens (at least [CLS] and [SEP]), padding 0 after. */
function randomInput(model: DeployModel, seed: string): { ids: Int32Array; mask: Uint8Array } {
  const rng = createRng(seed);
  const { seqLen: T, vocabSize: V } = model.shape;
  const n = 2 + rng.int(T - 1);
  const ids = new Int32Array(T), mask = new Uint8Array(T);
  for (let t = 0; t < n; t++) { ids[t] = t === 0 ? 1 : t === n - 1 ? 2 : 3 + rng.int(V - 3); mask[t] = 1; }
  return { ids, mask };
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

const shapes: EncoderShape[] = [
  TINY_SHAPE,
  { vocabSize: 50, seqLen: 9, hidden: 66, heads: 2, ffn: 130, layers: 1, numLabels: 3 }, // d = 33, K = 130
  { vocabSize: 40, seqLen: 33, hidden: 64, heads: 4, ffn: 96, layers: 2, numLabels: 2 },
];

test('engine logits equal referenceForward bit for bit on random mixed-precision models', () => {
  let checked = 0;
  for (const [i, shape] of shapes.entries()) {
    for (let s = 0; s < 4; s++) {
      const model = randomDeployModel(shape, `engine-${i}-${s}`);
      const engine = createEngine(model, ops);
      for (let r = 0; r < 3; r++) {
        const { ids, mask } = randomInput(model, `in-${i}-${s}-${r}`);
        const want = referenceForward(model, ids, mask);
        const got = engine.forward(ids, mask);
        assert.ok(want.every(Number.isFinite), 'finite logits');
        assert.ok(sameBits(got, want), `shape ${i} model ${s} input ${r}: ${got} vs ${want}`);
        checked++;
      }
    }
  }
  assert.equal(checked, shapes.length * 12);
});

test('engine logits equal referenceForward on all-binary BiT models (the kernels and fused thresholds path)', () => {
  const shape: EncoderShape = { vocabSize: 64, seqLen: 20, hidden: 48, heads: 2, ffn: 200, layers: 2, numLabels: 2 };
  for (const variant of ['softmax-binary', 'threshold', 'shift-softmax'] as const) {
    const model = randomDeployModel(shape, `binary-${variant}`, { sites: 'binary', parts: 1, variants: [variant] });
    const engine = createEngine(model, ops);
    const { ids, mask } = randomInput(model, `binary-in-${variant}`);
    assert.ok(sameBits(engine.forward(ids, mask), referenceForward(model, ids, mask)), variant);
  }
});

test('different inputs give different logits (the check can fail)', () => {
  const model = randomDeployModel(TINY_SHAPE, 'differ', { sites: 'binary', parts: 1 });
  const engine = createEngine(model, ops);
  const a = engine.forward(...Object.values(randomInput(model, 'a')) as [Int32Array, Uint8Array]);
  const b = engine.forward(...Object.values(randomInput(model, 'b')) as [Int32Array, Uint8Array]);
  assert.ok(!sameBits(a, b));
});

test('bad input is a clear error', () => {
  const model = randomDeployModel(TINY_SHAPE, 'bad', { sites: 'binary' });
  const engine = createEngine(model, ops);
  const T = TINY_SHAPE.seqLen;
  assert.throws(() => engine.forward(new Int32Array(T - 1), new Uint8Array(T - 1)), /length seqLen/);
  const ids = new Int32Array(T); ids[3] = TINY_SHAPE.vocabSize;
  assert.throws(() => engine.forward(ids, new Uint8Array(T).fill(1)), /outside the vocabulary/);
});
