/**
 * The FP32 teacher's forward pass in plain TypeScript (float64 arithmetic on float32 parameters): the
 * encoder of docs/forward.md with every quantizer removed. The reference the ONNX export is tested against.
 */
import { fail } from '../common/errors.ts';
import type { DenseParams, FloatModel, LayerNormParams } from './model.ts';
import { validateFloatModel } from './validate.ts';

/** erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7). */
export function erf(x: number): number {
  const s = Math.sign(x), a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/** GELU, erf form: x·Φ(x) = ½x(1 + erf(x/√2)) (Hendrycks & Gimpel 2016). */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/** y = W x + b for each of `rows` input vectors; W row-major (out × in). (rows, in) → (rows, out) */
function dense(p: DenseParams, x: Float64Array, rows: number): Float64Array {
  const { inFeatures: I, outFeatures: O, weight: W, bias: b } = p;
  const y = new Float64Array(rows * O);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < O; o++) {
      let acc = b[o];
      for (let i = 0; i < I; i++) acc += W[o * I + i] * x[r * I + i];
      y[r * O + o] = acc;
    }
  }
  return y;
}

/** LayerNorm over the last axis (Ba et al. 2016), biased variance as BERT. (rows, H) → (rows, H) */
function layerNorm(p: LayerNormParams, x: Float64Array, rows: number, H: number): Float64Array {
  const y = new Float64Array(rows * H);
  for (let r = 0; r < rows; r++) {
    let mean = 0, v = 0;
    for (let c = 0; c < H; c++) mean += x[r * H + c];
    mean /= H;
    for (let c = 0; c < H; c++) v += (x[r * H + c] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / H + p.eps);
    for (let c = 0; c < H; c++) y[r * H + c] = p.gamma[c] * (x[r * H + c] - mean) * inv + p.beta[c];
  }
  return y;
}

/**
 * Logits of `batch` sequences: `ids` and `mask` are batch × seqLen, row-major; returns batch × numLabels.
 * Masked keys are left out of the softmax; every row needs at least one unmasked position ([CLS]).
 */
export function floatReferenceForward(model: FloatModel, ids: ArrayLike<number>, mask: ArrayLike<number>, batch: number): Float64Array {
  validateFloatModel(model);
  const { vocabSize: V, seqLen: T, hidden: H, heads: A, numLabels: N } = model.shape;
  const d = H / A;
  if (ids.length !== batch * T || mask.length !== batch * T) fail('forward_input', `ids and mask must hold batch × seqLen = ${batch * T} values`, { received: `${ids.length}, ${mask.length}` });
  const logits = new Float64Array(batch * N);
  for (let b = 0; b < batch; b++) {
    const keep = Array.from({ length: T }, (_, t) => mask[b * T + t] !== 0);
    if (!keep.some(Boolean)) fail('forward_input', `sequence ${b} has no unmasked position`);
    // h = LN_emb(tok[ids] + pos)                                           (T, H)
    let h: Float64Array = new Float64Array(T * H);
    for (let t = 0; t < T; t++) {
      const id = ids[b * T + t];
      if (!Number.isInteger(id) || id < 0 || id >= V) fail('forward_input', `token id ${id} at position ${t} is outside [0, ${V})`);
      for (let c = 0; c < H; c++) h[t * H + c] = model.tokenEmbedding[id * H + c] + model.positionEmbedding[t * H + c];
    }
    h = layerNorm(model.lnEmb, h, T, H);
    for (const L of model.layers) {
      const q = dense(L.q, h, T), k = dense(L.k, h, T), v = dense(L.v, h, T); // (T, H) each
      const ctx = new Float64Array(T * H);
      for (let a = 0; a < A; a++) {
        for (let i = 0; i < T; i++) {
          // S[i, j] = q_a[i] · k_a[j] / √d over unmasked j, then softmax         (T,)
          const s = new Float64Array(T);
          let max = -Infinity;
          for (let j = 0; j < T; j++) {
            if (!keep[j]) continue;
            let acc = 0;
            for (let e = 0; e < d; e++) acc += q[i * H + a * d + e] * k[j * H + a * d + e];
            s[j] = acc / Math.sqrt(d);
            max = Math.max(max, s[j]);
          }
          let z = 0;
          for (let j = 0; j < T; j++) if (keep[j]) z += (s[j] = Math.exp(s[j] - max));
          for (let j = 0; j < T; j++) {
            if (!keep[j]) continue;
            const p = s[j] / z;
            for (let e = 0; e < d; e++) ctx[i * H + a * d + e] += p * v[j * H + a * d + e];
          }
        }
      }
      const o = dense(L.o, ctx, T);
      for (let i = 0; i < T * H; i++) o[i] += h[i];
      h = layerNorm(L.ln1, o, T, H);
      const f = dense(L.ffn1, h, T); // (T, F)
      for (let i = 0; i < f.length; i++) f[i] = L.activation === 'relu' ? Math.max(0, f[i]) : gelu(f[i]);
      const g = dense(L.ffn2, f, T);
      for (let i = 0; i < T * H; i++) g[i] += h[i];
      h = layerNorm(L.ln2, g, T, H);
    }
    // logits = W_cls · tanh(W_pool · h[0] + b_pool) + b_cls
    const pooled = dense(model.pooler, h.subarray(0, H), 1).map(Math.tanh);
    logits.set(dense(model.classifier, pooled, 1), b * N);
  }
  return logits;
}
