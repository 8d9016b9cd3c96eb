// Each wasm kernel against its plain TypeScript twin, bit-exact, on random shapes: K not a multiple of
// 32/64/128, M or N of 1, and (for the bit-serial kernel) every supported bit width, signed and unsigned.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createRng, type Rng } from '../../src/common/rng.ts';
import type { FoldedThreshold } from '../../src/format/model.ts';
import { randomDeployModel, TINY_SHAPE } from '../../src/format/random.ts';
import { WasmHeap, type WasmOps } from '../../src/runtime/kernels.ts';
import { BitedgeError } from '../../src/common/errors.ts';
import { loadKernels } from '../../src/runtime/kernels-node.ts';
import { randomBits } from './fixtures.ts';
import { bitSerialGemmRef, bitsGemmRef, thresholdGemmRef, xnorGemmRef } from '../../src/runtime/reference/kernels.ts';

let ops: WasmOps;
before(async () => { ops = await loadKernels(); });


/** Shapes (M, N, K): edge cases first, then random ones. */
function shapes(rng: Rng): [number, number, number][] {
  const fixed: [number, number, number][] = [
    [1, 1, 1], [1, 7, 33], [5, 1, 65], [3, 3, 127], [2, 4, 128], [4, 2, 129], [1, 1, 255], [7, 5, 256], [9, 3, 257],
    [6, 6, 31 * 256 + 128], [3, 2, 40 * 256 + 17], // more than 31 v128 steps: the byte counters are widened
    // the row loop's specialisations (one 64-bit word, 128-, 256-bit chunks, 256-bit chunks with a 128-bit tail)
    // with N past 32 (the four-column sinks and comparisons) and odd
    [2, 67, 64], [1, 33, 100], [3, 64, 256], [2, 37, 1024], [1, 45, 1024 + 77], [2, 3, 1024 + 128 + 1],
  ];
  const random: [number, number, number][] = Array.from({ length: 12 }, () => [1 + rng.int(20), 1 + rng.int(20), 1 + rng.int(700)]);
  return [...fixed, ...random];
}

test('xnorGemm equals the reference (±1 × ±1)', () => {
  const rng = createRng('xnor');
  for (const [M, N, K] of shapes(rng)) {
    const a = randomBits(rng, M, K), w = randomBits(rng, N, K);
    assert.deepEqual(ops.xnorGemm(a, w), xnorGemmRef(a, w), `M=${M} N=${N} K=${K}`);
  }
});

test('bitsGemm equals the reference ({0,1} × ±1, sparse and dense inputs)', () => {
  const rng = createRng('bits');
  for (const [M, N, K] of shapes(rng)) {
    const x = randomBits(rng, M, K, rng.next()), w = randomBits(rng, N, K);
    assert.deepEqual(ops.bitsGemm(x, w), bitsGemmRef(x, w), `M=${M} N=${N} K=${K}`);
  }
});

test('bitSerialGemm equals the reference (k = 2, 4, 8; signed and unsigned codes)', () => {
  const rng = createRng('bitserial');
  for (const [M, N, K] of shapes(rng).slice(0, 14)) {
    for (const bits of [2, 4, 8]) {
      for (const signed of [false, true]) {
        const planes = Array.from({ length: bits }, () => randomBits(rng, M, K));
        const w = randomBits(rng, N, K);
        assert.deepEqual(ops.bitSerialGemm(planes, signed, w), bitSerialGemmRef(planes, signed, w), `M=${M} N=${N} K=${K} bits=${bits} signed=${signed}`);
      }
    }
  }
});

function randomThreshold(rng: Rng, N: number, K: number): FoldedThreshold {
  const theta = new Int32Array(N), sense = new Int8Array(N);
  for (let n = 0; n < N; n++) {
    theta[n] = rng.int(2 * K + 3) - K - 1; // includes the always-on and always-off ends
    sense[n] = rng.next() < 0.5 ? 1 : -1;
  }
  return { theta, sense };
}

test('fused threshold kernels equal the reference (±1 and {0,1} inputs, output bits packed)', () => {
  const rng = createRng('threshold');
  for (const [M, N, K] of shapes(rng)) {
    const a = randomBits(rng, M, K), w = randomBits(rng, N, K);
    const t = randomThreshold(rng, N, K);
    for (const input of ['signs', 'bits'] as const) {
      const got = ops.thresholdGemm(input, a, w, t);
      const want = thresholdGemmRef(input, a, w, t);
      assert.deepEqual(got, want, `${input} M=${M} N=${N} K=${K}`);
      if (M * N >= 64) assert.ok(got.data.some((x) => x !== 0), 'some output bits are set');
    }
  }
});

test('preloaded model weights give the same products as weights copied per call', () => {
  const rng = createRng('preload');
  const model = randomDeployModel(TINY_SHAPE, 'preload', { sites: 'binary', parts: 1 });
  const w = model.layers[1].ffn2.parts[0].weight; // K = 40: one short row
  const a = randomBits(rng, 9, w.cols);
  const t = randomThreshold(rng, w.rows, w.cols);
  const before = [ops.xnorGemm(a, w).slice(), ops.bitsGemm(a, w).slice(), ops.thresholdGemm('bits', a, w, t)];
  ops.preload(model);
  assert.deepEqual([ops.xnorGemm(a, w).slice(), ops.bitsGemm(a, w).slice(), ops.thresholdGemm('bits', a, w, t)], before);
  assert.deepEqual(before[1], bitsGemmRef(a, w));
});

test('after preload, threshold outputs stay in wasm memory and each stays valid for five further results', () => {
  const rng = createRng('ring');
  const model = randomDeployModel(TINY_SHAPE, 'ring', { sites: 'binary', parts: 1 });
  ops.preload(model);
  const w = model.layers[0].q.parts[0].weight;
  const inputs = Array.from({ length: 6 }, () => randomBits(rng, model.shape.seqLen, w.cols));
  const t = randomThreshold(rng, w.rows, w.cols);
  const got = inputs.map((a) => ops.thresholdGemm('signs', a, w, t));
  assert.ok(got.every((g) => g.data.buffer === ops.heap.memory.buffer), 'outputs are views on wasm memory');
  got.forEach((g, i) => assert.deepEqual(g, thresholdGemmRef('signs', inputs[i], w, t), `result ${i}`));
  assert.deepEqual(ops.thresholdGemm('signs', got[5], w, t), thresholdGemmRef('signs', got[5], w, t), 'an input already in wasm memory');
});

test('the wasm heap refuses to grow while views on it are pinned', () => {
  const heap = new WasmHeap(new WebAssembly.Memory({ initial: 1 }), 1024);
  heap.pin();
  assert.throws(() => heap.scratch(2 * 65536), (e: unknown) => e instanceof BitedgeError && /would grow/.test(e.message));
  heap.unpin();
  assert.equal(heap.memory.buffer.byteLength, 65536);
  heap.scratch(2 * 65536);
  assert.ok(heap.memory.buffer.byteLength >= 3 * 65536);
});
