/**
 * Plain float64 reference of every quantizer in quantizers.ts: forward value and pseudo-gradients given an
 * upstream gradient `g`. Slow and obvious on purpose; the tfjs versions are tested against these.
 * Layout: activations are flat arrays whose last axis has `channels` entries; weights are rows × cols.
 */

/** sign(0) = +1. */
export const signRef = (x: number): number => (x >= 0 ? 1 : -1);

/** Round half to even (as tf.round and the deployed comparison `> 0.5` do). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const pow2RoundRef = (m: number): number => 2 ** Math.round(Math.log2(m));

function groups(rows: number, cols: number, perChannel: boolean): [number, number][] {
  return perChannel ? Array.from({ length: rows }, (_, r) => [r * cols, (r + 1) * cols]) : [[0, rows * cols]];
}

/** BWN: Ŵ = m·sign(W − mean W), m = mean|W| per group. */
export function bwnRef(w: ArrayLike<number>, rows: number, cols: number, perChannel: boolean, centered: boolean, pow2 = false): Float64Array {
  const y = new Float64Array(rows * cols);
  for (const [s, e] of groups(rows, cols, perChannel)) {
    let sum = 0, sumAbs = 0;
    for (let i = s; i < e; i++) { sum += w[i]; sumAbs += Math.abs(w[i]); }
    const mean = centered ? sum / (e - s) : 0;
    let m = sumAbs / (e - s);
    if (pow2) m = pow2RoundRef(m);
    for (let i = s; i < e; i++) y[i] = m * signRef(w[i] - mean);
  }
  return y;
}

/** TWN: Δ = 0.7·mean|W|, Ŵ = α·sign(W)·1{|W| > Δ}, α = mean|W| over |W| > Δ, per group. Returns Ŵ and α per group. */
export function twnRef(w: ArrayLike<number>, rows: number, cols: number, perChannel: boolean): { y: Float64Array; alpha: number[] } {
  const y = new Float64Array(rows * cols);
  const alphas: number[] = [];
  for (const [s, e] of groups(rows, cols, perChannel)) {
    let sumAbs = 0;
    for (let i = s; i < e; i++) sumAbs += Math.abs(w[i]);
    const delta = (0.7 * sumAbs) / (e - s);
    let kept = 0, n = 0;
    for (let i = s; i < e; i++) if (Math.abs(w[i]) > delta) { kept += Math.abs(w[i]); n++; }
    const alpha = kept / Math.max(n, 1);
    alphas.push(alpha);
    for (let i = s; i < e; i++) y[i] = Math.abs(w[i]) > delta ? alpha * Math.sign(w[i]) : 0;
  }
  return { y, alpha: alphas };
}

export interface ActGradRef {
  y: Float64Array;
  dx: Float64Array;
  dAlpha: number;
  /** Per channel (length `channels`), or length 1 for a per-tensor shift. */
  dBeta: Float64Array;
}

/** Signed elastic binarization (BiT) with its gradients. */
export function elasticSignedRef(x: ArrayLike<number>, alpha: number, beta: ArrayLike<number>, g: ArrayLike<number>): ActGradRef {
  const n = x.length, c = beta.length;
  const a = Math.max(alpha, 1e-5);
  const y = new Float64Array(n), dx = new Float64Array(n), dBeta = new Float64Array(c);
  let dAlpha = 0;
  for (let i = 0; i < n; i++) {
    const xs = x[i] - beta[i % c];
    y[i] = a * signRef(xs);
    dx[i] = Math.abs(xs / a) <= 1 ? g[i] : 0;
    dAlpha += signRef(xs) * g[i];
    dBeta[i % c] -= dx[i];
  }
  return { y, dx, dAlpha: dAlpha / Math.sqrt(n), dBeta };
}

/** Unsigned elastic binarization (BiT) with its gradients. */
export function elasticUnsignedRef(x: ArrayLike<number>, alpha: number, beta: ArrayLike<number>, g: ArrayLike<number>): ActGradRef {
  const n = x.length, c = beta.length;
  const a = Math.max(alpha, 1e-5);
  const y = new Float64Array(n), dx = new Float64Array(n), dBeta = new Float64Array(c);
  let dAlpha = 0;
  for (let i = 0; i < n; i++) {
    const v = (x[i] - beta[i % c]) / a;
    y[i] = a * Math.min(1, Math.max(0, roundHalfEven(v)));
    const inside = v >= 0 && v <= 1;
    dx[i] = inside ? g[i] : 0;
    dAlpha += ((v > 1 ? 1 : 0) + (inside ? roundHalfEven(v) - v : 0)) * g[i];
    dBeta[i % c] -= dx[i];
  }
  return { y, dx, dAlpha: dAlpha / Math.sqrt(n), dBeta };
}

/** LSQ k-bit with its gradients (dAlpha is ∂L/∂step). */
export function lsqRef(x: ArrayLike<number>, step: number, lo: number, hi: number, g: ArrayLike<number>): Omit<ActGradRef, 'dBeta'> {
  const n = x.length;
  const s = Math.max(step, 1e-5);
  const y = new Float64Array(n), dx = new Float64Array(n);
  let dS = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i] / s;
    y[i] = s * Math.min(hi, Math.max(lo, roundHalfEven(v)));
    if (v < lo) dS += lo * g[i];
    else if (v > hi) dS += hi * g[i];
    else { dS += (roundHalfEven(v) - v) * g[i]; dx[i] = g[i]; }
  }
  return { y, dx, dAlpha: dS / Math.sqrt(n * hi) };
}
