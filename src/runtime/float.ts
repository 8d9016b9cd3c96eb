/**
 * The float32 stages of deployed inference (docs/forward.md): embedding, LayerNorm, site quantizers,
 * dequantisation of integer dot products, softmax, residuals, pooler and classifier. The engine and
 * `referenceForward` call these SAME functions, so the two differ only in how integer products are done.
 * Values are computed in double and rounded to float32 where they are stored (Math.fround).
 */
import type { ActSite, DenseParams, DeployModel, LayerNormParams, PackedBits } from '../format/model.ts';

const f = Math.fround;

/** A site's shift for channel c: one entry per channel, or one for the whole tensor. */
export function betaAt(beta: Float32Array, c: number): number {
  return beta.length === 1 ? beta[0] : beta[c];
}

/** A site's β as one entry per channel (`cols` of them); a per-tensor β is expanded once and cached. */
const expandedBeta = new WeakMap<Float32Array, Float32Array>();
export function channelBeta(beta: Float32Array, cols: number): Float32Array {
  if (beta.length !== 1) return beta;
  let b = expandedBeta.get(beta);
  if (b?.length !== cols) { b = new Float32Array(cols).fill(beta[0]); expandedBeta.set(beta, b); }
  return b;
}

/**
 * Where a LayerNorm's output is binarized right away by a signed site (Q/K/V input, FFN input): the bits
 * `x ≥ β[c]` of the stored float32 outputs, written in the same pass (what `encodeSite` would compute).
 */
export interface SignTarget { bits: PackedBits; beta: Float32Array }

/**
 * One row of LayerNorm in place, x[o … o + n): mean and variance from Σx and Σx² in double, summed in four
 * interleaved partial sums (independent add chains; a fixed order, so every caller gets the same bits).
 * With `signs`, row `r` of its bits is filled from the stored outputs.
 */
function normalizeRow(x: Float32Array, o: number, n: number, gamma: Float32Array, beta: Float32Array, eps: number, signs?: SignTarget, r = 0): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
  let c = 0;
  for (; c + 3 < n; c += 4) {
    const a = x[o + c], b = x[o + c + 1], d = x[o + c + 2], e = x[o + c + 3];
    s0 += a; s1 += b; s2 += d; s3 += e;
    q0 += a * a; q1 += b * b; q2 += d * d; q3 += e * e;
  }
  for (; c < n; c++) { const a = x[o + c]; s0 += a; q0 += a * a; }
  const mean = (s0 + s1 + (s2 + s3)) / n;
  const inv = 1 / Math.sqrt(Math.max(0, (q0 + q1 + (q2 + q3)) / n - mean * mean) + eps);
  if (!signs) {
    for (let k = 0; k < n; k++) x[o + k] = gamma[k] * ((x[o + k] - mean) * inv) + beta[k];
    return;
  }
  const { data, wordsPerRow } = signs.bits, sb = signs.beta;
  for (let k0 = 0; k0 < n; k0 += 32) {
    let word = 0;
    const end = Math.min(32, n - k0);
    for (let b = 0; b < end; b++) {
      const k = k0 + b;
      const v = f(gamma[k] * ((x[o + k] - mean) * inv) + beta[k]);
      x[o + k] = v;
      word |= (signBit(v, sb[k]) ? 1 : 0) << b;
    }
    data[r * wordsPerRow + (k0 >>> 5)] = word;
  }
}

/**
 * LayerNorm over each row in place: y = γ ⊙ (x − mean) / √(var + eps) + β (Ba et al. 2016; biased var),
 * mean and var from Σx and Σx² in double (one pass; double keeps E[x²] − mean² accurate at these scales).
 * With `residual`, x = fround(h + residual) first (the residual add of the encoder), in the same pass.
 */
export function layerNormRows(x: Float32Array, rows: number, cols: number, ln: LayerNormParams, residual?: Float32Array, signs?: SignTarget): void {
  const { gamma, beta, eps } = ln;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    if (residual) for (let c = 0; c < cols; c++) x[o + c] = f(x[o + c] + residual[o + c]);
    normalizeRow(x, o, cols, gamma, beta, eps, signs, r);
  }
}

/** h = tok[ids] + pos[0..T), (T, H): the embedding before its LayerNorm. */
export function embeddingSum(model: DeployModel, ids: Int32Array, h: Float32Array = new Float32Array(ids.length * model.shape.hidden)): Float32Array {
  const { hidden: H } = model.shape;
  const T = ids.length;
  const tokens = model.tokenEmbedding, positions = model.positionEmbedding;
  for (let t = 0; t < T; t++) {
    const tok = ids[t] * H, pos = t * H, o = t * H;
    for (let c = 0; c < H; c++) h[o + c] = tokens[tok + c] + positions[pos + c];
  }
  return h;
}

/** h = LN_emb(tok[ids] + pos[0..T)), (T, H). */
export function embed(model: DeployModel, ids: Int32Array, h: Float32Array = new Float32Array(ids.length * model.shape.hidden), signs?: SignTarget): Float32Array {
  embeddingSum(model, ids, h);
  layerNormRows(h, ids.length, model.shape.hidden, model.lnEmb, undefined, signs);
  return h;
}

/**
 * Signed elastic binarization's bit: sign(x − β) = +1 ⇔ x − β ≥ 0 (BiT; sign(0) = +1). For float32 x, β
 * the float32 difference is 0 only when x = β (gradual underflow), so this is x ≥ β exactly.
 */
export function signBit(x: number, beta: number): boolean {
  return x >= beta;
}

/** Unsigned elastic binarization's bit: clamp(round((x − β)/α), 0, 1) = 1 ⇔ (x − β)/α > 0.5 (tie → 0). */
export function unsignedBit(x: number, alpha: number, beta: number): boolean {
  return f(f(x - beta) / alpha) > 0.5;
}

/**
 * The smallest float32 p in [0, 1] whose unsignedBit(p, α, β) is 1, or Infinity if none: for α > 0 the bit is
 * non-decreasing in p (fround, x − β, /α and > 0.5 are monotone), so for p in [0, 1] it is p ≥ this value.
 * Binary search over the bit patterns of +0 … 1 (ordered as integers for non-negative floats).
 */
export function unsignedBitMinimum(alpha: number, beta: number): number {
  const pattern = new Uint32Array(1), value = new Float32Array(pattern.buffer);
  const ONE = 0x3f800000;
  let lo = 0, hi = ONE + 1; // answer in [lo, hi]; ONE + 1 = none
  while (lo < hi) {
    pattern[0] = (lo + hi) >>> 1;
    if (unsignedBit(value[0], alpha, beta)) hi = pattern[0]; else lo = pattern[0] + 1;
  }
  if (lo > ONE) return Infinity;
  pattern[0] = lo;
  return value[0];
}

/** Round half to even (as torch.round). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** LSQ code: clamp(round(x/s), lo, hi), [lo, hi] = [−2^(k−1), 2^(k−1)−1] or [0, 2^k−1] (Esser et al. 2020). */
export function lsqCode(x: number, step: number, bits: number, signed: boolean): number {
  const lo = signed ? -(2 ** (bits - 1)) : 0;
  const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  return Math.min(hi, Math.max(lo, roundHalfEven(f(x / step))));
}

/** The site's scale: the real value of code 1 (α for binary sites, the LSQ step for k-bit ones). */
export function siteScale(site: ActSite): number {
  return site.kind === 'kbit' ? site.step : site.kind === 'float' ? 1 : site.alpha;
}

/**
 * A binary linear from its integer dot products (docs/forward.md, "Integer form at deployment"):
 * y[m,n] = Σ_p scale_p[n] · q_in · dot_p[m,n] + bias[n].
 */
export function linearFromDots(dots: Int32Array[], scales: Float32Array[], qIn: number, bias: Float32Array, rows: number, y: Float32Array = new Float32Array(rows * bias.length)): Float32Array {
  const N = bias.length;
  const P = dots.length;
  for (let p = 0; p < P; p++) {
    const coef = scales[p].map((v) => v * qIn); // float32 per-channel constants
    const dot = dots[p];
    const last = p === P - 1;
    // parts accumulate in float32, then the bias is added, in this order
    for (let m = 0; m < rows; m++) {
      const o = m * N;
      if (p === 0 && last) for (let n = 0; n < N; n++) y[o + n] = f(coef[n] * dot[o + n]) + bias[n];
      else if (p === 0) for (let n = 0; n < N; n++) y[o + n] = coef[n] * dot[o + n];
      else if (last) for (let n = 0; n < N; n++) y[o + n] = f(y[o + n] + coef[n] * dot[o + n]) + bias[n];
      else for (let n = 0; n < N; n++) y[o + n] += coef[n] * dot[o + n];
    }
  }
  return y;
}

/** A binary-weight linear on a float input (a `float` site): y[m,n] = Σ_p scale_p[n]·Σ_k ±1·x[m,k] + bias[n]. */
export function linearFromFloat(signRows: Float32Array[], scales: Float32Array[], x: Float32Array, rows: number, K: number, bias: Float32Array): Float32Array {
  const N = bias.length;
  const y = new Float32Array(rows * N);
  for (let m = 0; m < rows; m++) {
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let p = 0; p < signRows.length; p++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += signRows[p][n * K + k] * x[m * K + k];
        acc += scales[p][n] * s;
      }
      y[m * N + n] = acc + bias[n];
    }
  }
  return y;
}

/** y = Wx + b for one vector (pooler, classifier). */
export function dense(p: DenseParams, x: Float32Array): Float32Array {
  const { outFeatures: N, inFeatures: K, weight, bias } = p;
  const y = new Float32Array(N);
  let n = 0;
  for (; n + 4 <= N; n += 4) { // four independent sums at a time, each in the same order as one alone
    const r0 = n * K, r1 = r0 + K, r2 = r1 + K, r3 = r2 + K;
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (let k = 0; k < K; k++) {
      const xk = x[k];
      a0 += weight[r0 + k] * xk; a1 += weight[r1 + k] * xk; a2 += weight[r2 + k] * xk; a3 += weight[r3 + k] * xk;
    }
    y[n] = a0 + bias[n]; y[n + 1] = a1 + bias[n + 1]; y[n + 2] = a2 + bias[n + 2]; y[n + 3] = a3 + bias[n + 3];
  }
  for (; n < N; n++) {
    let acc = 0;
    for (let k = 0; k < K; k++) acc += weight[n * K + k] * x[k];
    y[n] = acc + bias[n];
  }
  return y;
}

/** logits = W_cls · tanh(W_pool · h[0] + b_pool) + b_cls (BERT's pooler on [CLS]). */
export function poolAndClassify(model: DeployModel, h: Float32Array): Float32Array {
  const pooled = dense(model.pooler, h.subarray(0, model.shape.hidden));
  for (let i = 0; i < pooled.length; i++) pooled[i] = Math.tanh(pooled[i]);
  return dense(model.classifier, pooled);
}

/**
 * The FFN activation in place: ReLU (BiT), or GELU in its tanh form as training computes it,
 * 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (Hendrycks & Gimpel 2016).
 */
export function activateInPlace(y: Float32Array, activation: 'relu' | 'gelu'): void {
  if (activation === 'relu') for (let i = 0; i < y.length; i++) y[i] = y[i] > 0 ? y[i] : 0;
  else {
    const k = Math.sqrt(2 / Math.PI);
    for (let i = 0; i < y.length; i++) { const x = y[i]; y[i] = 0.5 * x * (1 + Math.tanh(k * (x + 0.044715 * x * x * x))); }
  }
}

/**
 * h = LN(h + Lin(x)) for a one-part linear given by its dots, without materialising Lin(x): the residual pass
 * adds fround(fround(c[n]·dot) + b[n]) (the same value `linearFromDots` stores), c = fround(scale·q_in).
 */
export function addLinearAndNorm(h: Float32Array, dots: Int32Array, scale: Float32Array, qIn: number, bias: Float32Array, rows: number, ln: LayerNormParams, signs?: SignTarget): void {
  const N = bias.length;
  const coef = scale.map((v) => v * qIn);
  const { gamma, beta, eps } = ln;
  for (let r = 0; r < rows; r++) {
    const o = r * N;
    for (let n = 0; n < N; n++) h[o + n] = f(h[o + n] + f(f(coef[n] * dots[o + n]) + bias[n]));
    normalizeRow(h, o, N, gamma, beta, eps, signs, r);
  }
}

/** Residual add then LayerNorm in place on h: h = LN(h + y). */
export function addAndNorm(h: Float32Array, y: Float32Array, rows: number, cols: number, ln: LayerNormParams, signs?: SignTarget): void {
  layerNormRows(h, rows, cols, ln, y, signs);
}

/**
 * Scores (T×T attention scores, or a head's context), row-major: float `values`, or integer `dots` with a
 * `scale` > 0 standing for values fround(scale·dot), |dot| ≤ `bound`.
 */
export type Scores = { values: Float32Array } | { dots: Int32Array; scale: number; bound: number };

/** The float values of scores (fround(scale·dot) for integer ones). */
export function scoreValues(S: Scores, v: Float32Array = new Float32Array('values' in S ? 0 : S.dots.length)): Float32Array {
  if ('values' in S) return S.values;
  for (let i = 0; i < v.length; i++) v[i] = S.scale * S.dots[i];
  return v;
}

/**
 * Row-wise attention probabilities P (rows × T) from scores S, masked keys excluded (P = 0 there):
 * softmax e/z with e = fround(exp(fround(S − max S))), or the shift variant with 2^(·) (docs/forward.md).
 * z is summed in double and rounded once: for integer scores (all elements with one dot share one e) as
 * Σ over distinct dots, from the largest down, of count·e — an order-free sum that `softmaxBitsFromDots`
 * evaluates from a histogram; for float scores in key order.
 */
export function softmaxRows(S: Scores, T: number, mask: Uint8Array, base2: boolean, rows = T): Float32Array {
  return softmaxOfRows(scoreValues(S), 'dots' in S ? S.dots : undefined, rows, T, mask, base2);
}

/** `softmaxRows` on `rows` query rows of T keys (values and, for integer scores, their dots): the BAT SFU's block. */
export function softmaxOfRows(values: Float32Array, dots: Int32Array | undefined, rows: number, T: number, mask: Uint8Array, base2: boolean): Float32Array {
  const P = new Float32Array(rows * T);
  const e = new Float64Array(T);
  for (let i = 0; i < rows; i++) {
    const o = i * T;
    let max = -Infinity, maxDot = -Infinity, minDot = Infinity;
    for (let j = 0; j < T; j++) {
      if (!mask[j]) continue;
      if (values[o + j] > max) max = values[o + j];
      if (dots) { maxDot = Math.max(maxDot, dots[o + j]); minDot = Math.min(minDot, dots[o + j]); }
    }
    if (max === -Infinity) continue; // no key: all probabilities 0
    for (let j = 0; j < T; j++) {
      const x = f(values[o + j] - max);
      e[j] = mask[j] ? f(base2 ? Math.pow(2, x) : Math.exp(x)) : 0;
    }
    let z = 0;
    if (dots) {
      const count = new Int32Array(maxDot - minDot + 1), eOf = new Float64Array(maxDot - minDot + 1);
      for (let j = 0; j < T; j++) if (mask[j]) { const key = maxDot - dots[o + j]; count[key]++; eOf[key] = e[j]; }
      for (let key = 0; key < count.length; key++) if (count[key] > 0) z += count[key] * eOf[key];
    } else for (let j = 0; j < T; j++) z += e[j];
    const zf = f(z);
    for (let j = 0; j < T; j++) P[o + j] = f(e[j] / zf);
  }
  return P;
}

/** Below every dot (a small integer, so row maxima stay on V8's integer paths). */
export const NO_KEY = -(2 ** 30);

/** e = fround(exp(fround(fround(k·dot) − max))) (or 2^…) for dot = maxDot − key: softmaxRows's numerator. */
function expOfKey(key: number, maxDot: number, k: number, max: number, base2: boolean): number {
  const x = f(f(k * (maxDot - key)) - max);
  return f(base2 ? Math.pow(2, x) : Math.exp(x));
}

/**
 * The per-row part of `softmaxBitsFromDots` shared with the wasm engine (which builds the histograms and
 * packs the bits in kernels/softmax.ts): for one head, e = fround(exp(fround(S) − max)) by key
 * = maxDot − dot from a table per distinct row maximum, z = fround(Σ_dot count(dot)·e(dot)) in double from the
 * largest dot down (as softmaxRows), and for a per-tensor β the smallest dot whose bit is 1.
 */
export class SoftmaxBitRows {
  private readonly tables = new Map<number, Float64Array>(); // per row maximum: e by key, −1 = not computed yet
  private readonly span: number;
  /** Scores S = fround(k·dot), k > 0, |dot| ≤ bound; the probs site's α and β. */
  constructor(private readonly k: number, private readonly base2: boolean, private readonly alpha: number, private readonly beta: Float32Array, private readonly bound: number) {
    this.span = 2 * bound + 1; // dots lie in [−bound, bound]; keys maxDot − dot in [0, span)
  }

  /** The e table of rows whose maximum is `maxDot`. */
  table(maxDot: number): Float64Array {
    let table = this.tables.get(maxDot);
    if (!table) { table = new Float64Array(this.span).fill(-1); this.tables.set(maxDot, table); }
    return table;
  }

  /**
   * Every e at once for the wasm row search (kernels/softmax.ts `rowSearch`): entry (maxDot + bound)·span + key
   * is e of dot maxDot − key, the values `table(maxDot)[key]` holds, for every row maximum in [−bound, bound].
   */
  allTables(): Float64Array {
    const { k, base2, bound, span } = this;
    const all = new Float64Array(span * span);
    for (let maxDot = -bound; maxDot <= bound; maxDot++) {
      const table = this.table(maxDot), max = f(k * maxDot);
      for (let key = 0; key < span; key++) {
        if (table[key] < 0) table[key] = expOfKey(key, maxDot, k, max, base2);
        all[(maxDot + bound) * span + key] = table[key];
      }
    }
    return all;
  }

  /**
   * z of a row from its histogram (`count[o + dot + bound]` keys with that dot) and maximum; also the row's
   * smallest dot with keys, in `minDot`. `lowDot` ≤ that smallest dot bounds the scan (no count below it).
   */
  z(count: Int32Array, o: number, maxDot: number, table: Float64Array, lowDot = -this.bound): number {
    const { k, base2, bound } = this;
    const max = f(k * maxDot);
    let zd = 0, minDot = maxDot;
    for (let key = 0; key <= maxDot - lowDot; key++) {
      const c = count[o + maxDot - key + bound];
      if (c === 0) continue;
      if (table[key] < 0) table[key] = expOfKey(key, maxDot, k, max, base2);
      zd += c * table[key];
      minDot = maxDot - key;
    }
    this.minDot = minDot;
    return f(zd);
  }
  /** Set by `z`: the smallest dot of the row. */
  minDot = 0;

  /** fround(e/z) of a row by key into `p[o + key]`, for the keys of dots present in the row (per-key β). */
  probsByKey(count: Int32Array, o: number, maxDot: number, p: Float32Array, po: number, lowDot = -this.bound): void {
    const table = this.table(maxDot);
    const z = this.z(count, o, maxDot, table, lowDot);
    for (let key = 0; key <= maxDot - this.minDot; key++) if (count[o + maxDot - key + this.bound] > 0) p[po + key] = f(table[key] / z);
  }

  /**
   * Per-tensor β: the bit is non-increasing in key (e falls as dot falls), so a binary search finds the first
   * key whose bit is 0; returns the smallest dot whose bit is 1 (bit 1 ⇔ dot ≥ it).
   */
  minOnDot(count: Int32Array, o: number, maxDot: number, lowDot = -this.bound): number {
    const { k, base2, alpha } = this;
    const table = this.table(maxDot);
    const z = this.z(count, o, maxDot, table, lowDot);
    const max = f(k * maxDot);
    let lo = 0, hi = maxDot - this.minDot + 1; // keys in [0, hi); answer in [0, hi]
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (table[mid] < 0) table[mid] = expOfKey(mid, maxDot, k, max, base2);
      if (unsignedBit(f(table[mid] / z), alpha, this.beta[0])) lo = mid + 1; else hi = mid;
    }
    return maxDot - lo + 1;
  }
}

/**
 * Attention probabilities (rows × T) straight to {0,1} bits, for integer scores S = fround(k·dot) (k > 0) and a
 * binary-unsigned probs site: the same bits as `softmaxRows` then the site's `unsignedBit`, element for
 * element. Per row, e depends only on maxDot − dot (`SoftmaxBitRows`); with a per-tensor β the bit is
 * monotone in e, hence in dot: a binary search finds the smallest dot whose bit is 1, and each element is
 * one integer comparison.
 */
export function softmaxBitsFromDots(dots: Int32Array, k: number, rows: number, T: number, mask: Uint8Array, base2: boolean, alpha: number, beta: Float32Array, out: Uint32Array, wordsPerRow: number, bound: number): void {
  const perTensor = beta.length === 1;
  const zeroBits = zeroProbBits(T, alpha, beta);
  let allKeys = true;
  for (let j = 0; j < T; j++) if (!mask[j]) allKeys = false;
  const rowsOf = new SoftmaxBitRows(k, base2, alpha, beta, bound);
  const e = new Float64Array(T);
  const count = new Int32Array(2 * bound + 1); // per dot + bound
  for (let i = 0; i < rows; i++) {
    const o = i * T, wo = i * wordsPerRow;
    // one pass: the row maximum and the histogram of dots
    count.fill(0);
    let maxDot = NO_KEY;
    for (let j = 0; j < T; j++) {
      if (!allKeys && !mask[j]) continue;
      const d = dots[o + j];
      count[d + bound]++;
      if (d > maxDot) maxDot = d;
    }
    if (maxDot === NO_KEY) { // no key: every probability is 0
      for (let j = 0; j < T; j++) if (zeroBits[j]) out[wo + (j >>> 5)] |= 1 << (j & 31);
      continue;
    }
    if (perTensor) {
      const minOnDot = rowsOf.minOnDot(count, 0, maxDot); // bit 1 ⇔ dot ≥ minOnDot
      for (let j0 = 0; j0 < T; j0 += 32) {
        let word = 0;
        const end = Math.min(32, T - j0);
        for (let b = 0; b < end; b++) {
          const j = j0 + b;
          const bit = allKeys || mask[j] ? (dots[o + j] >= minOnDot ? 1 : 0) : zeroBits[j];
          word |= bit << b;
        }
        out[wo + (j0 >>> 5)] = word;
      }
    } else {
      const table = rowsOf.table(maxDot);
      const z = rowsOf.z(count, 0, maxDot, table);
      for (let j = 0; j < T; j++) e[j] = mask[j] ? table[maxDot - dots[o + j]] : 0;
      for (let j0 = 0; j0 < T; j0 += 32) {
        let word = 0;
        const end = Math.min(32, T - j0);
        for (let b = 0; b < end; b++) {
          const j = j0 + b;
          const bit = mask[j] ? (unsignedBit(f(e[j] / z), alpha, beta[j]) ? 1 : 0) : zeroBits[j];
          word |= bit << b;
        }
        out[wo + (j0 >>> 5)] = word;
      }
    }
  }
}

/** The bit of P = 0 (masked keys, or rows without keys) per key j: unsignedBit(0, α, β[j]). */
export function zeroProbBits(T: number, alpha: number, beta: Float32Array): Uint8Array {
  const zeroBits = new Uint8Array(T);
  for (let j = 0; j < T; j++) zeroBits[j] = unsignedBit(0, alpha, betaAt(beta, j)) ? 1 : 0;
  return zeroBits;
}
