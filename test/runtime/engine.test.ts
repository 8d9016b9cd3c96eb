// The engine (wasm kernels) against referenceForward (plain TS products): logits equal bit for bit on
// random models with every site kind, one- and two-part linears (all-binary two-part models: the fused
// two-part stages), all attention variants, and padding —
// the engine computing only the rows the logits need (real tokens; [CLS] alone in the last layer).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createRng } from '../../src/common/rng.ts';
import { randomDeployModel, TINY_SHAPE } from '../../src/format/random.ts';
import type { DeployModel, EncoderShape } from '../../src/format/model.ts';
import { createEngine } from '../../src/runtime/engine.ts';
import type { WasmOps } from '../../src/runtime/kernels.ts';
import { loadKernels } from '../../src/runtime/kernels-node.ts';
import { forwardSequence, neededRows, paddedKeysSilent, prefixLength } from '../../src/runtime/forward.ts';
import { referenceOps } from '../../src/runtime/reference/kernels.ts';
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

test('engine logits equal referenceForward on all-binary BiT models, one and two weight parts (the kernels, fused thresholds and fused two-part linears)', () => {
  const shape: EncoderShape = { vocabSize: 64, seqLen: 20, hidden: 48, heads: 2, ffn: 200, layers: 2, numLabels: 2 };
  // count the fused stages' calls on two-part linears: the two-part models must run on them, not the float fallback
  let split = 0;
  const spy = ops as unknown as Record<'linearBits' | 'residualNorm', (...args: unknown[]) => unknown>;
  const originals = { linearBits: spy.linearBits, residualNorm: spy.residualNorm };
  for (const name of ['linearBits', 'residualNorm'] as const) {
    spy[name] = function (this: unknown, ...args: unknown[]) { if ((args[2] as unknown[]).length === 2) split++; return originals[name].apply(this, args); };
  }
  try {
    for (const parts of [1, 2] as const) { // two parts: the BMT model after ternary weight splitting
      for (const variant of ['softmax-binary', 'threshold', 'shift-softmax'] as const) {
        const model = randomDeployModel(shape, `binary-${variant}${parts === 2 ? '-split' : ''}`, { sites: 'binary', parts, variants: [variant] });
        const engine = createEngine(model, ops);
        const { ids, mask } = randomInput(model, `binary-in-${variant}-${parts}`);
        assert.ok(sameBits(engine.forward(ids, mask), referenceForward(model, ids, mask)), `${variant}, ${parts} parts`);
      }
    }
  } finally {
    for (const name of ['linearBits', 'residualNorm'] as const) delete (spy as Partial<typeof spy>)[name]; // the prototype's again
  }
  // per two-part model: Q, K, V and FFN-1 into site bits, O and FFN-2 with the residual, in each of 2 layers
  assert.equal(split, 3 * 2 * 6, 'every two-part linear ran on the fused stages');
});

/** Ids with the first n positions real ([CLS] first), the rest padding (id 0); `holes` clears mask bits inside. */
function inputOfLength(model: DeployModel, n: number, seed: string, holes = 0): { ids: Int32Array; mask: Uint8Array } {
  const rng = createRng(seed);
  const { seqLen: T, vocabSize: V } = model.shape;
  const ids = new Int32Array(T), mask = new Uint8Array(T);
  for (let t = 0; t < n; t++) { ids[t] = t === 0 ? 1 : 3 + rng.int(V - 3); mask[t] = 1; }
  for (let i = 0; i < holes; i++) mask[1 + rng.int(n - 1)] = 0;
  return { ids, mask };
}

test('engine = referenceForward with the rows it skips: real lengths 1, 2, random and seqLen, every site kind and variant', () => {
  let shortened = 0, checked = 0;
  for (const [i, shape] of shapes.entries()) {
    const T = shape.seqLen;
    for (let s = 0; s < 4; s++) {
      const model = randomDeployModel(shape, `rows-${i}-${s}`, s >= 2 ? { sites: 'binary', parts: s === 2 ? 1 : 2 } : {}); // the fused wasm stages too
      const engine = createEngine(model, ops);
      for (const n of [1, 2, 2 + createRng(`n-${i}-${s}`).int(T - 2), T]) {
        const { ids, mask } = inputOfLength(model, n, `rows-in-${i}-${s}-${n}`);
        if (neededRows(model, mask).rows < T) shortened++;
        assert.ok(sameBits(engine.forward(ids, mask), referenceForward(model, ids, mask)), `shape ${i} model ${s}, ${n} real tokens`);
        checked++;
      }
      // a mask with holes is not the tokenizer's layout: every row is computed (the last layer still [CLS] only)
      const holed = inputOfLength(model, T, `holes-${i}-${s}`, 2);
      assert.equal(neededRows(model, holed.mask).rows, T);
      assert.ok(sameBits(engine.forward(holed.ids, holed.mask), referenceForward(model, holed.ids, holed.mask)), `shape ${i} model ${s}, mask with holes`);
    }
  }
  assert.ok(shortened > checked / 2, `most padded inputs run on their real rows (${shortened} of ${checked})`);
});

test('a probs site whose P = 0 has bit 1 keeps the padded rows: skipping them would change the logits', () => {
  const shape: EncoderShape = { vocabSize: 64, seqLen: 20, hidden: 48, heads: 2, ffn: 80, layers: 2, numLabels: 2 };
  const base = randomDeployModel(shape, 'loud-pad', { sites: 'binary', parts: 1, variants: ['softmax-binary'] });
  // β < −α/2 on keys 6 … 11: Bu(0) = α there, so while they are padding a real row's P·V reads their V
  const layers = base.layers.map((L) => {
    const p = L.attention.probs;
    if (p.kind !== 'binary-unsigned') throw new Error('expected a binary-unsigned probs site');
    return { ...L, attention: { ...L.attention, probs: { ...p, beta: Float32Array.from({ length: shape.seqLen }, (_, j) => (j >= 6 && j < 12 ? -p.alpha : 0)) } } };
  });
  const model: DeployModel = { ...base, layers };
  const engine = createEngine(model, ops);
  let differs = 0;
  for (const n of [3, 8, 11, 12, 15]) {
    const { ids, mask } = inputOfLength(model, n, `loud-${n}`);
    const loud = n < 12;
    assert.equal(neededRows(model, mask).rows, loud ? shape.seqLen : n, `${n} real tokens`);
    const want = referenceForward(model, ids, mask);
    assert.ok(sameBits(engine.forward(ids, mask), want), `${n} real tokens`);
    if (loud && !sameBits(forwardSequence(referenceOps, model, ids, mask, { rows: n, clsOnly: true }), want)) differs++;
  }
  assert.ok(differs > 0, 'the padded keys matter here (forcing the short plan changes the logits)');
});

test('paddedKeysSilent and prefixLength', () => {
  const bu = (beta: number[]) => ({ variant: 'softmax-binary' as const, probs: { kind: 'binary-unsigned' as const, alpha: 1, beta: Float32Array.from(beta) } });
  assert.equal(paddedKeysSilent(bu([0]), 2, 4), true);
  assert.equal(paddedKeysSilent(bu([-0.6]), 2, 4), false); // (0 − β)/α = 0.6 > 0.5
  assert.equal(paddedKeysSilent(bu([-0.5]), 2, 4), true); // a tie rounds to 0
  assert.equal(paddedKeysSilent(bu([-0.6, -0.6, 0, 0]), 2, 4), true); // only real keys would be on
  assert.equal(paddedKeysSilent(bu([0, 0, 0, -0.6]), 2, 4), false);
  assert.equal(paddedKeysSilent({ variant: 'softmax-binary', probs: { kind: 'binary-signed', alpha: 1, beta: Float32Array.of(0) } }, 2, 4), false);
  assert.equal(paddedKeysSilent({ variant: 'shift-softmax', probs: { kind: 'kbit', bits: 4, signed: false, step: 0.1 } }, 2, 4), true);
  assert.equal(paddedKeysSilent({ variant: 'softmax-binary', probs: { kind: 'float' } }, 2, 4), true);
  assert.equal(paddedKeysSilent({ ...bu([-0.6]), variant: 'threshold', tau: 0 }, 2, 4), true);
  assert.deepEqual([[1, 1, 0, 0], [1, 1, 1, 1], [1, 0, 1, 0], [0, 0, 0, 0], [0, 1, 1, 1]].map((m) => prefixLength(Uint8Array.from(m))), [2, 4, 0, 0, 0]);
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
