/**
 * Ternary weight splitting (BinaryBERT, Bai et al. ACL 2021), per scale group, in float64.
 * Given latent weights w whose ternary form is α_t·sign(w)·1{|w| > Δ} (TWN), return w1, w2 with w1 + w2 = w and
 * bin(w1) + bin(w2) = ternary(w), bin(x) = mean|x|·sign(x) over the same group (SYSTEM.md §1).
 */
import type { BmtConfig } from './config.ts';
import { LINEARS, linearShape, type ModelVariant, type Params } from './model.ts';
import { twnRef } from './quantizers-ref.ts';

export interface SplitWeights {
  w1: Float32Array;
  w2: Float32Array;
}

/** Split one group (a whole tensor or one output row) in place into w1/w2 at [s, e). */
function splitGroup(w: ArrayLike<number>, tern: Float64Array, alphaT: number, s: number, e: number, w1: Float32Array, w2: Float32Array): void {
  const n = e - s;
  let sumAbs = 0, sumI = 0, sumJ = 0, sumK = 0, countJK = 0;
  for (let i = s; i < e; i++) {
    const a = Math.abs(w[i]);
    sumAbs += a;
    if (tern[i] !== 0) sumI += a;
    else if (w[i] > 0) { sumJ += a; countJK++; }
    else { sumK += a; countJK++; }
  }
  // b = (n·α_t − Σ|w|) / (2·(|J|+|K|)),  a = (Σ_I|w| + Σ_K|w| − Σ_J|w|) / (2·Σ_I|w|)   (BinaryBERT, TWS)
  const b = countJK > 0 ? (n * alphaT - sumAbs) / (2 * countJK) : 0;
  const a = sumI > 0 ? (sumI + sumK - sumJ) / (2 * sumI) : 0.5;
  for (let i = s; i < e; i++) {
    const x = w[i];
    if (tern[i] !== 0) { w1[i] = a * x; w2[i] = (1 - a) * x; }
    else if (x > 0) { w1[i] = x + b; w2[i] = -b; }
    else { w1[i] = b; w2[i] = x - b; }
  }
}

/** TWS of a rows × cols weight; per output channel when `perChannel` (then each row is its own group). */
export function ternaryWeightSplit(w: Float32Array, rows: number, cols: number, perChannel: boolean): SplitWeights {
  const { y: tern, alpha } = twnRef(w, rows, cols, perChannel);
  const w1 = new Float32Array(rows * cols), w2 = new Float32Array(rows * cols);
  if (perChannel) for (let r = 0; r < rows; r++) splitGroup(w, tern, alpha[r], r * cols, (r + 1) * cols, w1, w2);
  else splitGroup(w, tern, alpha[0], 0, rows * cols, w1, w2);
  return { w1, w2 };
}

/**
 * Split a ternary model into the two-part binary model (TWS): every encoder linear's latent weight w becomes
 * w1, w2; biases, LayerNorms, embeddings, activation scales and the head are copied (our linear has one bias,
 * so nothing is halved). With WTWS the per-channel λ1 = λ2 = 1 start the fine-tuning from the exact split.
 */
export function splitModel(c: BmtConfig, ternary: Params, wtws: boolean): { variant: ModelVariant; params: Params } {
  const variant: ModelVariant = { weights: 'binary', parts: 2, acts: true, wtws };
  const params: Params = {};
  for (const [name, a] of Object.entries(ternary)) if (!/^L\d+\..+\.w$/.test(name)) params[name] = Float32Array.from(a);
  for (let l = 0; l < c.layers; l++)
    for (const lin of LINEARS) {
      const [rows, cols] = linearShape(c, lin);
      const p = `L${l}.${lin}`;
      const { w1, w2 } = ternaryWeightSplit(ternary[`${p}.w`], rows, cols, c.weightScale === 'per-channel');
      params[`${p}.w1`] = w1;
      params[`${p}.w2`] = w2;
      if (wtws) { params[`${p}.lam1`] = new Float32Array(rows).fill(1); params[`${p}.lam2`] = new Float32Array(rows).fill(1); }
    }
  return { variant, params };
}
