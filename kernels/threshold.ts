// Fused output transform: a binary linear whose output is binarized again emits the next layer's packed
// bits directly. bit[m,n] = dot ≥ θ[n] if sense[n] > 0, else dot ≤ θ[n] (FoldedThreshold in
// src/format/model.ts; derivation in docs/forward.md, "Integer form at deployment"). No M×N dot matrix
// is written: dots of four rows at a time stay in a small static block. Reference twin: src/runtime/reference/kernels.ts `thresholdGemmRef`.
import { SINK_BITS, SINK_XNOR, xorPopTiles } from './core';

// Four rows of dots for up to BLOCK weight rows at a time: the dot loop stays the plain (fast) one and
// only these 4·BLOCK i32 are written before they become bits.
const BLOCK: i32 = 4096;
const DOTS = memory.data(4 * BLOCK * 4, 64);

/**
 * Compare a block of dots (rows × n, columns n0 … n0 + n − 1, n0 a multiple of 32) with θ and write the
 * output words. Branch-free: on ⇔ s·dot ≥ s·θ with s = ±1 the sense, one word built in a register.
 */
@inline function pack(rows: i32, n0: i32, n: i32, m: i32, theta: usize, sense: usize, outBits: usize, outWords: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = outBits + ((<usize>(m + r) * outWords) << 2);
    const dots = DOTS + (<usize>(r * n) << 2);
    for (let j0 = 0; j0 < n; j0 += 32) {
      const end = min(32, n - j0);
      let word: u32 = 0;
      for (let j = 0; j < end; j++) {
        const c = n0 + j0 + j;
        const s = <i32>load<i8>(sense + <usize>c);
        const on = s * load<i32>(dots + (<usize>(j0 + j) << 2)) >= s * load<i32>(theta + (<usize>c << 2));
        word |= <u32>on << j;
      }
      store<u32>(row + (<usize>((n0 + j0) >>> 5) << 2), word);
    }
  }
}

/**
 * ±1 input: a (M rows), w (N rows), `words` u32 per row, K bits; θ i32[N], sense i8[N];
 * outBits: M rows × outWords u32, cleared here, bit n of row m set as above.
 */
export function xnorThreshold(
  a: usize, w: usize, theta: usize, sense: usize, outBits: usize, M: i32, N: i32, words: i32, K: i32, outWords: i32,
): void {
  memory.fill(outBits, 0, (<usize>M * outWords) << 2);
  const stride = <usize>words << 2;
  for (let m = 0; m < M; m += 4) {
    const rows = min(4, M - m);
    for (let n0 = 0; n0 < N; n0 += BLOCK) {
      const n = min(BLOCK, N - n0);
      xorPopTiles(SINK_XNOR, a + <usize>m * stride, w + <usize>n0 * stride, rows, n, words, K, DOTS, 0, 0);
      pack(rows, n0, n, m, theta, sense, outBits, outWords);
    }
  }
}

/** {0,1} input (dot = pw[n] − popcount(x XOR w)); otherwise as `xnorThreshold`. */
export function bitsThreshold(
  x: usize, w: usize, pw: usize, theta: usize, sense: usize, outBits: usize, M: i32, N: i32, words: i32, outWords: i32,
): void {
  memory.fill(outBits, 0, (<usize>M * outWords) << 2);
  const stride = <usize>words << 2;
  for (let m = 0; m < M; m += 4) {
    const rows = min(4, M - m);
    for (let n0 = 0; n0 < N; n0 += BLOCK) {
      const n = min(BLOCK, N - n0);
      xorPopTiles(SINK_BITS, x + <usize>m * stride, w + <usize>n0 * stride, rows, n, words, 0, DOTS, pw + (<usize>n0 << 2), 0);
      pack(rows, n0, n, m, theta, sense, outBits, outWords);
    }
  }
}
