// XNOR-popcount GEMM, binary × binary: out[m,n] = Σ_k a[m,k]·w[n,k] over ±1 codes = K − 2·popcount(a XOR w).
// Reference twin: src/runtime/reference/kernels.ts `xnorGemmRef`.
import { SINK_XNOR, xorPopTiles } from './core';

/** a: M rows, w: N rows, `words` u32 each (K bits, padding 0); out: i32 M×N row-major. */
export function xnorGemm(a: usize, w: usize, out: usize, M: i32, N: i32, words: i32, K: i32): void {
  xorPopTiles(SINK_XNOR, a, w, M, N, words, K, out, 0, 0);
}

/** Per-row popcount of a packed matrix (for the {0,1} · ±1 identity): out[r] = popcount(row r). */
export function rowPopcounts(a: usize, rows: i32, words: i32, out: usize): void {
  const stride = <usize>words << 2;
  for (let r = 0; r < rows; r++) {
    const row = a + <usize>r * stride;
    let s: i64 = 0;
    for (let i = 0; i < words; i += 2) s += popcnt(load<u64>(row + (<usize>i << 2)));
    store<i32>(out + (<usize>r << 2), <i32>s);
  }
}
