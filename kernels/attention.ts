// {0,1} × {−1,+1} products: attention probabilities (bits) times Vᵀ (signs), and the FFN-out input
// (post-ReLU bits) times its binary weights. out[m,n] = Σ_k x[m,k]·w[n,k], x ∈ {0,1}, w ∈ ±1,
// = 2·popcount(x AND w) − popcount(x) = popcount(w) − popcount(x XOR w).
// Reference twin: src/runtime/reference/kernels.ts `bitsGemmRef`.
import { SINK_BITS, xorPopTiles } from './core';

/** x: M rows of {0,1} bits, w: N rows of sign bits (K bits in `words` u32), `pw[n]` = popcount(w row n); out: i32 M×N. */
export function bitsGemm(x: usize, w: usize, pw: usize, out: usize, M: i32, N: i32, words: i32, K: i32): void {
  xorPopTiles(SINK_BITS, x, w, M, N, words, K, out, pw, 0);
}
