// Binary weights × k-bit activations, bit-serial (as BETA's engine and FINN's MVAU do): the integer
// code x = Σ_b 2^b·x_b is split into k bit planes x_b ∈ {0,1} (two's complement: the top plane of a signed
// code weighs −2^(k−1)); out[m,n] = Σ_b weight_b · (Σ_k x_b[m,k]·w[n,k]), one {0,1} · ±1 pass per plane.
// Reference twin: src/runtime/reference/kernels.ts `bitSerialGemmRef`.
import { SINK_PLANE_ACC, SINK_PLANE_FIRST, xorPopTiles } from './core';

/**
 * planes: `bits` consecutive M-row packed matrices (plane 0 = least significant), w: N rows of signs (K bits),
 * pw[n] = popcount(w row n); out: i32 M×N.
 */
export function bitSerialGemm(
  planes: usize, w: usize, pw: usize, out: usize, M: i32, N: i32, words: i32, K: i32, bits: i32, signed: bool,
): void {
  const planeBytes = <usize>M * (<usize>words << 2);
  for (let b = 0; b < bits; b++) {
    const weight = signed && b == bits - 1 ? -(1 << b) : 1 << b;
    const x = planes + <usize>b * planeBytes;
    if (b == 0) xorPopTiles(SINK_PLANE_FIRST, x, w, M, N, words, K, out, pw, weight);
    else xorPopTiles(SINK_PLANE_ACC, x, w, M, N, words, K, out, pw, weight);
  }
}
