// Fused output transform: a binary linear whose output is binarized again emits the next layer's packed
// bits directly. bit[m,n] = dot ≥ θ[n] if sense[n] > 0, else dot ≤ θ[n] (FoldedThreshold in
// src/format/model.ts; derivation in docs/forward.md, "Integer form at deployment"). No i32 dot matrix
// is written. Reference twin: src/runtime/reference/kernels.ts `thresholdGemmRef`.
import { SINK_THRESHOLD_BITS, SINK_THRESHOLD_XNOR, xorPopTiles } from './core';

/**
 * ±1 input: a (M rows), w (N rows), `words` u32 per row, K bits; θ i32[N], sense i8[N];
 * outBits: M rows × outWords u32, cleared here, bit n of row m set as above.
 */
export function xnorThreshold(
  a: usize, w: usize, theta: usize, sense: usize, outBits: usize, M: i32, N: i32, words: i32, K: i32, outWords: i32,
): void {
  memory.fill(outBits, 0, (<usize>M * outWords) << 2);
  xorPopTiles(SINK_THRESHOLD_XNOR, a, w, M, N, words, K, outBits, 0, 0, theta, sense, outWords);
}

/** {0,1} input (dot = pw[n] − popcount(x XOR w)); otherwise as `xnorThreshold`. */
export function bitsThreshold(
  x: usize, w: usize, pw: usize, theta: usize, sense: usize, outBits: usize, M: i32, N: i32, words: i32, outWords: i32,
): void {
  memory.fill(outBits, 0, (<usize>M * outWords) << 2);
  xorPopTiles(SINK_THRESHOLD_BITS, x, w, M, N, words, 0, outBits, pw, 0, theta, sense, outWords);
}
