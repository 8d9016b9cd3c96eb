// The float stages fused into wasm (kernels/norm.ts, kernels/softmax.ts) against their plain TypeScript
// twins in src/runtime/float.ts, bit for bit, on random inputs: residual + LayerNorm (+ the next signed
// site's bits) after one- and two-part linears, a linear's site bits (one or two parts, ReLU) and the embedding with its LayerNorm, widths not a multiple of 4 or 32; binarized softmax from ±1 q, k
// (per-tensor and per-key β, both bases, masked keys, rows without keys).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createRng, type Rng } from '../../src/common/rng.ts';
import type { LayerNormParams } from '../../src/format/model.ts';
import { randomDeployModel } from '../../src/format/random.ts';
import { emptyBits, sliceColumns, transposeBits } from '../../src/runtime/bits.ts';
import { activateInPlace, addAndNorm, addLinearAndNorm, embed, linearFromDots, scoreValues, softmaxBitsFromDots, unsignedBit, unsignedBitMinimum, type SignTarget } from '../../src/runtime/float.ts';
import { encodeSite } from '../../src/runtime/operand.ts';
import type { WasmOps } from '../../src/runtime/kernels.ts';
import { loadKernels } from '../../src/runtime/kernels-node.ts';
import { randomBits } from './fixtures.ts';
import { bitsGemmRef, xnorGemmRef } from '../../src/runtime/reference/kernels.ts';

let ops: WasmOps;
before(async () => { ops = await loadKernels(); });

const floats = (rng: Rng, n: number, mean: number, sd: number): Float32Array => Float32Array.from({ length: n }, () => mean + sd * rng.normal());
const sameFloats = (a: Float32Array, b: Float32Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const randomNorm = (rng: Rng, n: number): LayerNormParams => ({ gamma: floats(rng, n, 1, 0.2), beta: floats(rng, n, 0, 0.1), eps: rng.int(2) ? 1e-12 : 1e-5 });
const signTarget = (rng: Rng, rows: number, cols: number): SignTarget => ({ bits: emptyBits(rows, cols), beta: floats(rng, cols, 0, 0.3) });

test('wasm residual + LayerNorm (+ sign bits) equals addLinearAndNorm on the reference dots', () => {
  const rng = createRng('stage-residual-norm');
  for (const [rows, N, K] of [[128, 256, 256], [9, 66, 130], [5, 33, 64], [3, 7, 40], [1, 1024, 257], [7, 30, 1]]) {
    for (const input of ['signs', 'bits'] as const) {
      for (const withSigns of [false, true]) {
        const a = randomBits(rng, rows, K), w = randomBits(rng, N, K);
        const scale = floats(rng, N, 0.05, 0.02), bias = floats(rng, N, 0, 0.3), qIn = 0.5 + rng.next();
        const ln = randomNorm(rng, N);
        const h0 = floats(rng, rows * N, 0, 1);
        const want = h0.slice(), got = h0.slice();
        const ts = withSigns ? signTarget(rng, rows, N) : undefined;
        const ws = ts && { bits: emptyBits(rows, N), beta: ts.beta };
        const dots = input === 'signs' ? xnorGemmRef(a, w) : bitsGemmRef(a, w);
        addLinearAndNorm(want, dots, scale, qIn, bias, rows, ln, ts);
        ops.residualNorm(input, a, [{ weight: w, scale }], qIn, bias, got, rows, ln, ws);
        const what = `${input} rows=${rows} N=${N} K=${K} signs=${withSigns}`;
        assert.ok(sameFloats(got, want), what);
        assert.ok(!sameFloats(got, h0), `${what}: h changed`);
        if (ts && ws) {
          assert.deepEqual(ws.bits, ts.bits, what);
          assert.ok(ts.bits.data.some((x) => x !== 0) && ts.bits.data.some((x, i) => x !== 0xffffffff && (i % ts.bits.wordsPerRow) * 32 < N), `${what}: mixed bits`);
        }
      }
    }
  }
});

test('wasm two-part linear + residual + LayerNorm (+ sign bits) equals linearFromDots then addAndNorm', () => {
  const rng = createRng('stage-two-part-residual');
  let f32Differs = 0;
  for (const [rows, N, K] of [[40, 256, 300], [9, 66, 130], [3, 7, 40], [1, 33, 257]]) {
    for (const input of ['signs', 'bits'] as const) {
      for (const withSigns of [false, true]) {
        const a = randomBits(rng, rows, K), parts = [0, 1].map(() => ({ weight: randomBits(rng, N, K), scale: floats(rng, N, 0.05, 0.02) }));
        const bias = floats(rng, N, 0, 0.3), qIn = 0.5 + rng.next(), ln = randomNorm(rng, N);
        const h0 = floats(rng, rows * N, 0, 1);
        const want = h0.slice(), got = h0.slice();
        const ts = withSigns ? signTarget(rng, rows, N) : undefined;
        const ws = ts && { bits: emptyBits(rows, N), beta: ts.beta };
        const dots = parts.map((p) => (input === 'signs' ? xnorGemmRef(a, p.weight) : bitsGemmRef(a, p.weight)));
        addAndNorm(want, linearFromDots(dots, parts.map((p) => p.scale), qIn, bias, rows), rows, N, ln, ts);
        ops.residualNorm(input, a, parts, qIn, bias, got, rows, ln, ws);
        const what = `${input} rows=${rows} N=${N} K=${K} signs=${withSigns}`;
        assert.ok(sameFloats(got, want), what);
        assert.ok(!sameFloats(got, h0), `${what}: h changed`);
        if (ts && ws) assert.deepEqual(ws.bits, ts.bits, what);
        // the second part is added in f64 (c1·d1 unrounded), as the twin does: f32 arithmetic would differ here
        const c = parts.map((p) => p.scale.map((v) => v * qIn));
        for (let i = 0; i < rows * N; i++) {
          const n = i % N, t = Math.fround(c[0][n] * dots[0][i]);
          if (Math.fround(t + c[1][n] * dots[1][i]) !== Math.fround(t + Math.fround(c[1][n] * dots[1][i]))) f32Differs++;
        }
      }
    }
  }
  assert.ok(f32Differs > 0, 'the inputs tell f64 from f32 accumulation of the parts');
});

test('wasm linear site bits (one or two parts, with or without ReLU) equal linearFromDots, activateInPlace and encodeSite', () => {
  const rng = createRng('stage-linear-bits');
  let ones = 0, zeros = 0;
  for (const [rows, N, K] of [[24, 256, 256], [5, 96, 64], [9, 130, 66], [3, 7, 40], [1, 33, 257]]) { // N = 32k: the vector path
    for (const input of ['signs', 'bits'] as const) {
      for (const P of [1, 2]) {
        for (const [kind, relu] of [['binary-signed', false], ['binary-unsigned', true], ['binary-unsigned', false]] as const) {
          const a = randomBits(rng, rows, K), parts = Array.from({ length: P }, () => ({ weight: randomBits(rng, N, K), scale: floats(rng, N, 0.05, 0.02) }));
          const bias = floats(rng, N, 0, 0.3), qIn = 0.5 + rng.next();
          const site = { kind, alpha: 0.1 + 0.5 * rng.next(), beta: rng.int(2) ? floats(rng, 1, 0, 0.1) : floats(rng, N, 0, 0.3) };
          const dots = parts.map((p) => (input === 'signs' ? xnorGemmRef(a, p.weight) : bitsGemmRef(a, p.weight)));
          const y = linearFromDots(dots, parts.map((p) => p.scale), qIn, bias, rows);
          if (relu) activateInPlace(y, 'relu');
          const want = encodeSite(y, rows, N, site);
          if (want.kind !== 'signs' && want.kind !== 'bits') assert.fail('binary site expected');
          const got = ops.linearBits(input, a, parts, qIn, bias, relu, site);
          assert.deepEqual({ ...got, data: got.data.slice() }, want.bits, `${input} P=${P} ${kind} relu=${relu} rows=${rows} N=${N} K=${K}`);
          for (let r = 0; r < rows; r++) for (let n = 0; n < N; n++) if ((want.bits.data[r * want.bits.wordsPerRow + (n >>> 5)] >>> (n & 31)) & 1) ones++; else zeros++;
        }
      }
    }
  }
  assert.ok(ones > 5000 && zeros > 5000, `both bit values occur (${ones} ones, ${zeros} zeros)`);
});

test('wasm embedding + LayerNorm (+ sign bits) equals embed', () => {
  const rng = createRng('stage-embed');
  for (const [T, H, A] of [[128, 256, 4], [9, 66, 2], [7, 33, 3]]) {
    const model = randomDeployModel({ vocabSize: 50, seqLen: T, hidden: H, heads: A, ffn: 8, layers: 1, numLabels: 2 }, `embed-${T}`);
    ops.preload(model);
    for (const withSigns of [false, true]) {
      const ids = Int32Array.from({ length: T }, () => rng.int(50));
      const want = new Float32Array(T * H), got = new Float32Array(T * H);
      const ts = withSigns ? signTarget(rng, T, H) : undefined;
      const ws = ts && { bits: emptyBits(T, H), beta: ts.beta };
      embed(model, ids, want, ts);
      ops.embed(model, ids, got, ws);
      assert.ok(sameFloats(got, want), `T=${T} H=${H}`);
      if (ts && ws) assert.deepEqual(ws.bits, ts.bits);
    }
  }
});

test('wasm softmax bits equal softmaxBitsFromDots on the reference q·kᵀ dots', () => {
  const rng = createRng('stage-softmax');
  let ones = 0, zeros = 0;
  for (let c = 0; c < 40; c++) {
    const T = c < 4 ? 128 : 1 + rng.int(60), d = c < 4 ? 64 : 1 + rng.int(100);
    const q = randomBits(rng, T, d), k = randomBits(rng, T, d);
    const mask = new Uint8Array(T).map(() => (c % 4 === 0 || rng.next() < 0.8 ? 1 : 0));
    if (c % 10 === 9) mask.fill(0); // rows without any key
    const scale = (0.2 + rng.next()) / Math.sqrt(d);
    const alpha = 0.01 + 0.1 * rng.next();
    const beta = Float32Array.from({ length: c % 2 ? T : 1 }, () => 0.02 * rng.normal());
    const base2 = c % 3 === 0;
    const want = emptyBits(T, T);
    softmaxBitsFromDots(xnorGemmRef(q, k), scale, T, T, mask, base2, alpha, beta, want.data, want.wordsPerRow, d);
    const got = ops.softmaxBits(q, k, scale, mask, base2, alpha, beta, d);
    assert.deepEqual(got, want, `case ${c}: T=${T} d=${d} β ${beta.length === 1 ? 'per tensor' : 'per key'}`);
    for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) if ((want.data[i * want.wordsPerRow + (j >>> 5)] >>> (j & 31)) & 1) ones++; else zeros++;
  }
  assert.ok(ones > 1000 && zeros > 1000, `both bit values occur (${ones} ones, ${zeros} zeros)`);
});

test('wasm head contexts and their site bits equal bitsGemm + scoreValues + encodeSite', () => {
  const rng = createRng('stage-context');
  for (const [T, H, A] of [[128, 256, 4], [9, 66, 2], [33, 64, 4], [5, 3, 1]]) {
    const d = H / A;
    ops.preload(randomDeployModel({ vocabSize: 10, seqLen: T, hidden: H, heads: A, ffn: 8, layers: 1, numLabels: 2 }, `context-${T}`)); // sizes the context
    const ctx = new Float32Array(T * H);
    for (let a = 0; a < A; a++) {
      const P = randomBits(rng, T, T, 0.2 + 0.6 * rng.next()), vT = randomBits(rng, d, T);
      const scale = 0.05 + rng.next();
      const C = scoreValues({ dots: bitsGemmRef(P, vT), scale, bound: T });
      for (let t = 0; t < T; t++) ctx.set(C.subarray(t * d, (t + 1) * d), t * H + a * d);
      ops.headContext(P, vT, scale, H, a * d);
    }
    for (const kind of ['binary-signed', 'binary-unsigned'] as const) {
      const site = { kind, alpha: 0.2 + rng.next(), beta: Float32Array.from({ length: rng.int(2) ? 1 : H }, () => 0.5 * rng.normal()) };
      const want = encodeSite(ctx, T, H, site);
      const got = ops.contextBits(T, H, kind === 'binary-signed', site.alpha, site.beta);
      assert.deepEqual(got, want.kind === 'signs' || want.kind === 'bits' ? want.bits : null, `${kind} T=${T} H=${H}`);
      assert.ok(got.data.some((x) => x !== 0), 'some bits set');
    }
  }
});

test('unsignedBitMinimum: for p in [0, 1], unsignedBit(p, α, β) ⇔ p ≥ the minimum', () => {
  const rng = createRng('stage-bit-minimum');
  let ones = 0, nones = 0;
  for (let c = 0; c < 200; c++) {
    const alpha = 0.001 + rng.next(), beta = Math.fround(c % 20 === 0 ? 2 : 0.3 * rng.normal());
    const pmin = unsignedBitMinimum(alpha, beta);
    if (pmin === Infinity) nones++;
    const near = Number.isFinite(pmin) ? [pmin, Math.fround(pmin * (1 - 2 ** -23)), Math.fround(pmin * (1 + 2 ** -23))] : [];
    for (const p of [0, 1, ...near, ...Array.from({ length: 20 }, () => Math.fround(rng.next()))]) {
      if (p > 1) continue;
      assert.equal(unsignedBit(p, alpha, beta), p >= pmin, `α=${alpha} β=${beta} p=${p}`);
      if (p >= pmin) ones++;
    }
  }
  assert.ok(ones > 100 && nones > 0, `both outcomes occur (${ones} ones, ${nones} without any)`);
});

test('wasm attention over all heads equals per-head slices, softmaxBitsFromDots, bitsGemm and scoreValues', () => {
  const rng = createRng('stage-attention');
  for (const [T, H, A] of [[128, 256, 4], [20, 66, 2], [33, 96, 3]]) {
    const d = H / A;
    ops.preload(randomDeployModel({ vocabSize: 10, seqLen: T, hidden: H, heads: A, ffn: 8, layers: 1, numLabels: 2 }, `attention-${T}`));
    for (const [perKey, M] of [[false, T], [true, T], [false, 1], [true, 3]] as const) { // M query rows ([CLS] alone: 1)
      const q = randomBits(rng, M, H), k = randomBits(rng, T, H), v = randomBits(rng, T, H);
      const mask = new Uint8Array(T).map((_, j) => (j < T - 3 || perKey ? 1 : 0));
      const scale = (0.5 + rng.next()) / Math.sqrt(d), alpha = 0.01 + 0.05 * rng.next(), ctxScale = 0.3 + rng.next();
      const beta = Float32Array.from({ length: perKey ? T : 1 }, () => 0.01 * rng.normal());
      const base2 = perKey;
      const ctx = new Float32Array(T * H);
      for (let a = 0; a < A; a++) {
        const qa = sliceColumns(q, a * d, d), ka = sliceColumns(k, a * d, d), vT = transposeBits(sliceColumns(v, a * d, d));
        const P = emptyBits(M, T);
        softmaxBitsFromDots(xnorGemmRef(qa, ka), scale, M, T, mask, base2, alpha, beta, P.data, P.wordsPerRow, d);
        const C = scoreValues({ dots: bitsGemmRef(P, vT), scale: ctxScale, bound: T });
        for (let t = 0; t < M; t++) ctx.set(C.subarray(t * d, (t + 1) * d), t * H + a * d);
      }
      ops.attention(q, k, v, A, scale, ctxScale, mask, base2, alpha, beta);
      const site = { kind: 'binary-signed' as const, alpha: 1, beta: Float32Array.from({ length: H }, () => 0.1 * rng.normal()) };
      const want = encodeSite(ctx, M, H, site);
      assert.deepEqual(ops.contextBits(M, H, true, 1, site.beta), want.kind === 'signs' ? want.bits : null, `T=${T} H=${H} A=${A} M=${M} perKey=${perKey}`);
      assert.ok(ctx.some((x) => x !== 0), 'some context is non-zero');
    }
  }
});

test('wasm row search on preloaded exp tables equals softmaxBitsFromDots (the layer scales of a preloaded model)', () => {
  const rng = createRng('stage-row-search');
  const shape = { vocabSize: 20, seqLen: 40, hidden: 64, heads: 2, ffn: 32, layers: 2, numLabels: 2 };
  for (const variant of ['softmax-binary', 'shift-softmax'] as const) {
    const model = randomDeployModel(shape, `row-search-${variant}`, { sites: 'binary', parts: 1, variants: [variant] });
    ops.preload(model);
    const tables = (ops as unknown as { expTables: Map<string, number> }).expTables;
    const d = shape.hidden / shape.heads, T = shape.seqLen;
    for (const L of model.layers) {
      if (L.qOut.kind !== 'binary-signed' || L.kOut.kind !== 'binary-signed' || L.attention.probs.kind !== 'binary-unsigned') assert.fail('binary sites expected');
      const scale = 1 / Math.sqrt(d) * L.qOut.alpha * L.kOut.alpha;
      assert.ok(tables.has(`${scale}|${variant === 'shift-softmax'}|${d}`), 'the layer has preloaded tables');
      for (const perKey of [false, true]) {
        const probs = { alpha: 0.005 + 0.05 * rng.next(), beta: Float32Array.from({ length: perKey ? T : 1 }, () => 0.01 * rng.normal()) };
        const q = randomBits(rng, T, d), k = randomBits(rng, T, d);
        const mask = new Uint8Array(T).map((_, j) => (j < T - 5 ? 1 : 0));
        const want = emptyBits(T, T);
        softmaxBitsFromDots(xnorGemmRef(q, k), scale, T, T, mask, variant === 'shift-softmax', probs.alpha, probs.beta, want.data, want.wordsPerRow, d);
        assert.deepEqual(ops.softmaxBits(q, k, scale, mask, variant === 'shift-softmax', probs.alpha, probs.beta, d), want, `${variant} perKey=${perKey}`);
        assert.ok(want.data.some((x) => x !== 0), 'some bits set');
      }
    }
  }
});
