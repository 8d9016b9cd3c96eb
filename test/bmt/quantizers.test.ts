import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/bmt/engine.ts';
import { getQuantizer, signPlus, elasticSigned, elasticUnsigned, lsq, lsqRange, bwnForward, twnForward, type ActivationQuantizer } from '../../src/bmt/quantizers.ts';
import { bwnRef, twnRef, elasticSignedRef, elasticUnsignedRef, lsqRef, roundHalfEven } from '../../src/bmt/quantizers-ref.ts';
import { createRng } from '../../src/common/rng.ts';
import { BitedgeError } from '../../src/common/errors.ts';

before(async () => { await initEngine('wasm'); });

const randn = (n: number, seed: string, scale = 1) => { const r = createRng(seed); return Float32Array.from({ length: n }, () => scale * r.normal()); };
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test('sign(0) = +1, never 0', () => {
  assert.deepEqual(Array.from(signPlus(tf.tensor1d([-2, -0, 0, 1e-30, 3])).dataSync()), [-1, 1, 1, 1, 1]);
  const y = bwnForward(tf.tensor2d([[0, 0], [0, 0]]), false, true, false).dataSync();
  assert.ok(Array.from(y).every((v) => v === 0)); // m = mean|W| = 0 scales the +1 signs to 0
  assert.deepEqual(Array.from(signPlus(tf.tensor1d([0])).dataSync()), [1]);
});

test('BWN: hand-computed per tensor and per channel', () => {
  // W = [[1, -3], [2, 0]]: mean 0, m = 1.5 → 1.5·sign(W) with sign(0)=+1
  const w = tf.tensor2d([[1, -3], [2, 0]]);
  assert.deepEqual(Array.from(bwnForward(w, false, true, false).dataSync()), [1.5, -1.5, 1.5, 1.5]);
  // per channel: row 0 mean −1, m 2: sign([2, −2]) → [2, −2]; row 1 mean 1, m 1: sign([1, −1]) → [1, −1]
  assert.deepEqual(Array.from(bwnForward(w, true, true, false).dataSync()), [2, -2, 1, -1]);
  // power-of-two scale: m = 1.5 → 2^round(log2 1.5) = 2
  assert.deepEqual(Array.from(bwnForward(w, false, true, true).dataSync()), [2, -2, 2, 2]);
});

test('TWN: hand-computed (Δ = 0.7·mean|W|, α = mean over kept)', () => {
  // |W| = [4, 1, 2, 1]: mean 2, Δ 1.4 → keep 4 and 2, α = 3
  const y = twnForward(tf.tensor2d([[4, -1], [-2, 1]]), false, false).dataSync();
  assert.deepEqual(Array.from(y, (v) => v + 0), [3, 0, -3, 0]);
});

test('BWN/TWN match their float64 references on random weights, identity STE', () => {
  const rows = 24, cols = 40;
  const w = randn(rows * cols, 'w', 0.05);
  for (const pc of [false, true]) {
    close(bwnForward(tf.tensor2d(w, [rows, cols]), pc, true, false).dataSync(), bwnRef(w, rows, cols, pc, true), 1e-5, `bwn pc=${pc}`);
    close(bwnForward(tf.tensor2d(w, [rows, cols]), pc, false, true).dataSync(), bwnRef(w, rows, cols, pc, false, true), 1e-5, `bwn-uncentered-pow2 pc=${pc}`);
    close(twnForward(tf.tensor2d(w, [rows, cols]), pc, false).dataSync(), twnRef(w, rows, cols, pc).y, 1e-5, `twn pc=${pc}`);
  }
  for (const name of ['bwn', 'twn'] as const) {
    const q = getQuantizer(name);
    const g = randn(rows * cols, 'g');
    const dw = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(q.apply(x), tf.tensor2d(g, [rows, cols]))))(tf.tensor2d(w, [rows, cols]));
    close(dw.dataSync(), g, 1e-6, `${name} STE`);
  }
});

test('elastic binarization: hand-computed values and gradients', () => {
  // signed, α = 2, β = [0.5]: x' = x − 0.5
  const x = [-3, 0.5, 1, 3];
  const r = elasticSignedRef(x, 2, [0.5], [1, 1, 1, 1]);
  assert.deepEqual(Array.from(r.y), [-2, 2, 2, 2]);
  assert.deepEqual(Array.from(r.dx), [0, 1, 1, 0]); // |x'/α| ≤ 1 for x' = 0, 0.5
  assert.equal(r.dAlpha, (-1 + 1 + 1 + 1) / 2); // Σ sign(x')·g / √4
  assert.deepEqual(Array.from(r.dBeta), [-2]);
  // unsigned, α = 1, β = 0: values 0, 0.5 (tie → 0), 0.7, 2
  const u = elasticUnsignedRef([-1, 0.5, 0.7, 2], 1, [0], [1, 1, 1, 1]);
  assert.deepEqual(Array.from(u.y), [0, 0, 1, 1]);
  assert.deepEqual(Array.from(u.dx), [0, 1, 1, 0]);
  // dα = [0 + (0 − 0.5) + (1 − 0.7) + 1] / √4
  assert.ok(Math.abs(u.dAlpha - (-0.5 + 0.3 + 1) / 2) < 1e-12);
  assert.equal(roundHalfEven(0.5), 0);
  assert.equal(roundHalfEven(1.5), 2);
  assert.equal(roundHalfEven(-0.5), -0);
});

function actGrads(f: (x: tf.Tensor, ...p: tf.Tensor[]) => tf.Tensor, x: Float32Array, shape: number[], params: tf.Tensor[], g: Float32Array) {
  const fn = (...ins: tf.Tensor[]) => tf.sum(tf.mul(f(ins[0], ...ins.slice(1)), tf.tensor(g, shape))) as tf.Scalar;
  const grads = tf.grads(fn)([tf.tensor(x, shape), ...params]);
  return { y: f(tf.tensor(x, shape), ...params).dataSync(), grads: grads.map((t) => t.dataSync()) };
}

test('tfjs elastic binarization and LSQ match the float64 references (values, ∂x, ∂α, ∂β) on random inputs', () => {
  const B = 3, T = 5, C = 8, n = B * T * C;
  const x = randn(n, 'x'), g = randn(n, 'g');
  const beta = randn(C, 'beta', 0.2);
  const alpha = 0.9;
  const s = actGrads(elasticSigned(false), x, [B, T, C], [tf.tensor1d([alpha]), tf.tensor1d(beta)], g);
  const rs = elasticSignedRef(x, alpha, beta, g);
  close(s.y, rs.y, 1e-6, 'signed y');
  close(s.grads[0], rs.dx, 1e-5, 'signed dx');
  close(s.grads[1], [rs.dAlpha], 1e-4, 'signed dα');
  close(s.grads[2], rs.dBeta, 1e-4, 'signed dβ');
  const u = actGrads(elasticUnsigned(false), x, [B, T, C], [tf.tensor1d([alpha]), tf.tensor1d(beta)], g);
  const ru = elasticUnsignedRef(x, alpha, beta, g);
  close(u.y, ru.y, 1e-6, 'unsigned y');
  close(u.grads[0], ru.dx, 1e-5, 'unsigned dx');
  close(u.grads[1], [ru.dAlpha], 1e-4, 'unsigned dα');
  close(u.grads[2], ru.dBeta, 1e-4, 'unsigned dβ');
  // per-tensor shift (β of length 1), as the attention-probability site uses
  const u1 = actGrads(elasticUnsigned(false), x, [B, T, C], [tf.tensor1d([alpha]), tf.tensor1d([0.1])], g);
  close(u1.grads[2], elasticUnsignedRef(x, alpha, [0.1], g).dBeta, 1e-4, 'unsigned dβ per tensor');
  for (const bits of [2, 4, 8]) for (const signed of [true, false]) {
    const [lo, hi] = lsqRange(bits, signed);
    const step = 0.3;
    const l = actGrads(lsq(bits, signed), x, [B, T, C], [tf.tensor1d([step])], g);
    const rl = lsqRef(x, step, lo, hi, g);
    close(l.y, rl.y, 1e-5, `lsq${bits}${signed} y`);
    close(l.grads[0], rl.dx, 1e-5, `lsq${bits}${signed} dx`);
    close(l.grads[1], [rl.dAlpha], 1e-4, `lsq${bits}${signed} ds`);
  }
});

test('getQuantizer resolves names, configs and instances; rejects unknown identifiers precisely', () => {
  assert.equal(getQuantizer('bwn').kind, 'weight');
  const q = getQuantizer({ name: 'elastic-unsigned', pow2: true }) as ActivationQuantizer;
  assert.equal(q.kind, 'activation');
  assert.equal(q.initScale(0.25), 1); // 4·mean|x|
  assert.equal((getQuantizer('elastic-signed') as ActivationQuantizer).initScale(0.25), 0.5); // 2·mean|x|
  assert.equal(getQuantizer(q), q);
  assert.throws(() => getQuantizer('sign'), (e: unknown) => e instanceof BitedgeError && e.code === 'quantizer_unknown' && /could not interpret quantizer identifier "?\{"name":"sign"\}/.test(e.message));
  assert.throws(() => getQuantizer({ name: 'lsq', bits: 3, signed: true } as never), (e: unknown) => e instanceof BitedgeError && e.code === 'quantizer_unknown');
});
