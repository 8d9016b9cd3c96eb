/**
 * The plain TypeScript twins of the wasm kernels (kernels/*.ts): unpack every bit, multiply, add.
 * Slow and obvious on purpose: the kernels are tested bit-exact against these (test/runtime/kernels.test.ts),
 * and `referenceForward` runs on them.
 */
import type { FoldedThreshold, PackedBits } from '../../format/model.ts';
import { emptyBits, getBit, setBit } from '../bits.ts';
import type { IntegerOps } from '../forward.ts';

const sign = (p: PackedBits, r: number, c: number): number => (getBit(p, r, c) ? 1 : -1);

/** ±1 × ±1: out[m,n] = Σ_k a[m,k]·w[n,k] (twin of kernels/xnor.ts `xnorGemm`). */
export function xnorGemmRef(a: PackedBits, w: PackedBits): Int32Array {
  const out = new Int32Array(a.rows * w.rows);
  for (let m = 0; m < a.rows; m++) {
    for (let n = 0; n < w.rows; n++) {
      let s = 0;
      for (let k = 0; k < a.cols; k++) s += sign(a, m, k) * sign(w, n, k);
      out[m * w.rows + n] = s;
    }
  }
  return out;
}

/** {0,1} × ±1: out[m,n] = Σ_k x[m,k]·w[n,k] (twin of kernels/attention.ts `bitsGemm`). */
export function bitsGemmRef(x: PackedBits, w: PackedBits): Int32Array {
  const out = new Int32Array(x.rows * w.rows);
  for (let m = 0; m < x.rows; m++) {
    for (let n = 0; n < w.rows; n++) {
      let s = 0;
      for (let k = 0; k < x.cols; k++) s += getBit(x, m, k) * sign(w, n, k);
      out[m * w.rows + n] = s;
    }
  }
  return out;
}

/** The integer code of (m, k) from its bit planes (two's complement when signed). */
function codeOf(planes: PackedBits[], signed: boolean, m: number, k: number): number {
  let code = 0;
  for (let b = 0; b < planes.length; b++) {
    if (getBit(planes[b], m, k)) code += signed && b === planes.length - 1 ? -(2 ** b) : 2 ** b;
  }
  return code;
}

/** k-bit codes × ±1: out[m,n] = Σ_k code[m,k]·w[n,k] (twin of kernels/bitserial.ts `bitSerialGemm`). */
export function bitSerialGemmRef(planes: PackedBits[], signed: boolean, w: PackedBits): Int32Array {
  const x = planes[0];
  const out = new Int32Array(x.rows * w.rows);
  for (let m = 0; m < x.rows; m++) {
    for (let n = 0; n < w.rows; n++) {
      let s = 0;
      for (let k = 0; k < x.cols; k++) s += codeOf(planes, signed, m, k) * sign(w, n, k);
      out[m * w.rows + n] = s;
    }
  }
  return out;
}

/** Output bits from dots and a folded threshold: dot ≥ θ[n] (sense > 0) or dot ≤ θ[n]. */
export function thresholdFromDots(dots: Int32Array, rows: number, t: FoldedThreshold): PackedBits {
  const N = t.theta.length;
  const out = emptyBits(rows, N);
  for (let m = 0; m < rows; m++) {
    for (let n = 0; n < N; n++) {
      const d = dots[m * N + n];
      if (t.sense[n] > 0 ? d >= t.theta[n] : d <= t.theta[n]) setBit(out, m, n);
    }
  }
  return out;
}

/** Fused threshold output (twin of kernels/threshold.ts `xnorThreshold` / `bitsThreshold`). */
export function thresholdGemmRef(input: 'signs' | 'bits', a: PackedBits, w: PackedBits, t: FoldedThreshold): PackedBits {
  const dots = input === 'signs' ? xnorGemmRef(a, w) : bitsGemmRef(a, w);
  return thresholdFromDots(dots, a.rows, t);
}

/** The obvious integer products, for `referenceForward`. */
export const referenceOps: IntegerOps = {
  xnorGemm: xnorGemmRef,
  bitsGemm: bitsGemmRef,
  bitSerialGemm: bitSerialGemmRef,
  thresholdGemm: thresholdGemmRef,
};
