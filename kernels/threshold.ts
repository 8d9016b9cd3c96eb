// Fused output transform: a binary linear whose output is binarized again emits the next layer's packed
// bits directly. bit[m,n] = dot ≥ θ[n] if sense[n] > 0, else dot ≤ θ[n] (FoldedThreshold in
// src/format/model.ts; derivation in docs/forward.md, "Integer form at deployment"). No M×N dot matrix
// is written: dots of four rows at a time stay in a small static block. Reference twin: src/runtime/reference/kernels.ts `thresholdGemmRef`.
import { SINK_BITS, SINK_XNOR, xorPopTiles } from './core';

// Rows of at most SHORT u32 words (256 bits) take the fully fused path below; longer rows the block path.
const SHORT: i32 = 8;

// Longer rows: four rows of dots for up to BLOCK weight rows at a time, so the dot loop stays the plain
// (fast) one and only these 4·BLOCK i32 are written before they become bits.
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

// Short rows compare counts, not dots: with dot = base[n] − k·c (±1: base = K, k = 2; {0,1}: base = pw[n],
// k = 1) the bit is a range of counts, dot ≥ θ ⇔ c ≤ ⌊(base − θ)/k⌋ (sense +1) and dot ≤ θ ⇔
// c ≥ ⌈(base − θ)/k⌉ (sense −1); with c in [0, K] both are one unsigned test (c − lo) <u cnt.
const RANGE_COLS: i32 = 4096;
const LO = memory.data(4 * RANGE_COLS, 64);
const CNT = memory.data(4 * RANGE_COLS, 64);

/** lo[n], cnt[n] for columns n0 … n0 + n − 1 (see above). */
@inline function ranges(bits01: bool, pw: usize, theta: usize, sense: usize, n0: i32, n: i32, K: i32): void {
  for (let j = 0; j < n; j++) {
    const col = n0 + j;
    const base = bits01 ? load<i32>(pw + (<usize>col << 2)) : K;
    const x = base - load<i32>(theta + (<usize>col << 2)); // k·c compared with x
    let lo: i32, cnt: i32;
    if (load<i8>(sense + <usize>col) > 0) { // c ≤ ⌊x/k⌋
      const hi = bits01 ? x : x >> 1;
      lo = 0; cnt = max(0, min(hi, K) + 1);
    } else { // c ≥ ⌈x/k⌉
      lo = max(0, bits01 ? x : -((-x) >> 1));
      cnt = max(0, K + 1 - lo);
    }
    store<i32>(LO + (<usize>j << 2), lo);
    store<i32>(CNT + (<usize>j << 2), cnt);
  }
}

/** Output bit of count c for range column j. */
@inline function inRange(c: i64, j: i32): u32 {
  return <u32>(<u32>(<i32>c - load<i32>(LO + (<usize>j << 2))) < <u32>load<i32>(CNT + (<usize>j << 2)));
}

/**
 * Short rows, fully fused: 4 activation rows × 2 weight rows of scalar i64.popcnt counts (the loop unrolled
 * for K = 256), compared as count ranges, the bits collected in four registers and stored one word (32
 * columns) at a time. Columns in chunks of RANGE_COLS.
 */
@inline function shortRows(
  bits01: bool, a: usize, w: usize, pw: usize, theta: usize, sense: usize, outBits: usize, M: i32, N: i32, words: i32, K: i32, outWords: i32,
): void {
  const stride = <usize>words << 2;
  const q = (K + 63) >> 6; // u64 per row holding bits (the rest is zero padding)
  for (let c0 = 0; c0 < N; c0 += RANGE_COLS) {
    const cEnd = min(N, c0 + RANGE_COLS);
    ranges(bits01, pw, theta, sense, c0, cEnd - c0, K);
    for (let m = 0; m < M; m += 4) {
      const a0 = a + <usize>m * stride;
      const a1 = m + 1 < M ? a0 + stride : a0;
      const a2 = m + 2 < M ? a0 + 2 * stride : a0;
      const a3 = m + 3 < M ? a0 + 3 * stride : a0;
      for (let n0 = c0; n0 < cEnd; n0 += 32) {
        const nEnd = min(cEnd, n0 + 32);
        let o0: u32 = 0, o1: u32 = 0, o2: u32 = 0, o3: u32 = 0;
        for (let n = n0; n < nEnd; n += 2) {
          const two = n + 1 < cEnd;
          const w0 = w + <usize>n * stride;
          const w1 = two ? w0 + stride : w0;
          let s00: i64 = 0, s01: i64 = 0, s10: i64 = 0, s11: i64 = 0, s20: i64 = 0, s21: i64 = 0, s30: i64 = 0, s31: i64 = 0;
          if (q == 4) {
            let y0 = load<u64>(w0), y1 = load<u64>(w1);
            let x0 = load<u64>(a0), x1 = load<u64>(a1), x2 = load<u64>(a2), x3 = load<u64>(a3);
            s00 = popcnt(x0 ^ y0); s01 = popcnt(x0 ^ y1); s10 = popcnt(x1 ^ y0); s11 = popcnt(x1 ^ y1);
            s20 = popcnt(x2 ^ y0); s21 = popcnt(x2 ^ y1); s30 = popcnt(x3 ^ y0); s31 = popcnt(x3 ^ y1);
            y0 = load<u64>(w0, 8); y1 = load<u64>(w1, 8);
            x0 = load<u64>(a0, 8); x1 = load<u64>(a1, 8); x2 = load<u64>(a2, 8); x3 = load<u64>(a3, 8);
            s00 += popcnt(x0 ^ y0); s01 += popcnt(x0 ^ y1); s10 += popcnt(x1 ^ y0); s11 += popcnt(x1 ^ y1);
            s20 += popcnt(x2 ^ y0); s21 += popcnt(x2 ^ y1); s30 += popcnt(x3 ^ y0); s31 += popcnt(x3 ^ y1);
            y0 = load<u64>(w0, 16); y1 = load<u64>(w1, 16);
            x0 = load<u64>(a0, 16); x1 = load<u64>(a1, 16); x2 = load<u64>(a2, 16); x3 = load<u64>(a3, 16);
            s00 += popcnt(x0 ^ y0); s01 += popcnt(x0 ^ y1); s10 += popcnt(x1 ^ y0); s11 += popcnt(x1 ^ y1);
            s20 += popcnt(x2 ^ y0); s21 += popcnt(x2 ^ y1); s30 += popcnt(x3 ^ y0); s31 += popcnt(x3 ^ y1);
            y0 = load<u64>(w0, 24); y1 = load<u64>(w1, 24);
            x0 = load<u64>(a0, 24); x1 = load<u64>(a1, 24); x2 = load<u64>(a2, 24); x3 = load<u64>(a3, 24);
            s00 += popcnt(x0 ^ y0); s01 += popcnt(x0 ^ y1); s10 += popcnt(x1 ^ y0); s11 += popcnt(x1 ^ y1);
            s20 += popcnt(x2 ^ y0); s21 += popcnt(x2 ^ y1); s30 += popcnt(x3 ^ y0); s31 += popcnt(x3 ^ y1);
          } else {
            for (let c = 0; c < q; c++) {
              const off = <usize>c << 3;
              const y0 = load<u64>(w0 + off), y1 = load<u64>(w1 + off);
              const x0 = load<u64>(a0 + off), x1 = load<u64>(a1 + off), x2 = load<u64>(a2 + off), x3 = load<u64>(a3 + off);
              s00 += popcnt(x0 ^ y0); s01 += popcnt(x0 ^ y1);
              s10 += popcnt(x1 ^ y0); s11 += popcnt(x1 ^ y1);
              s20 += popcnt(x2 ^ y0); s21 += popcnt(x2 ^ y1);
              s30 += popcnt(x3 ^ y0); s31 += popcnt(x3 ^ y1);
            }
          }
          const j0 = n - c0, b0 = n - n0, b1 = b0 + 1;
          const j1 = two ? j0 + 1 : j0;
          const v1: u32 = two ? 1 : 0; // a missing last column sets no bit (padding stays 0)
          o0 |= (inRange(s00, j0) << b0) | ((inRange(s01, j1) & v1) << b1);
          o1 |= (inRange(s10, j0) << b0) | ((inRange(s11, j1) & v1) << b1);
          o2 |= (inRange(s20, j0) << b0) | ((inRange(s21, j1) & v1) << b1);
          o3 |= (inRange(s30, j0) << b0) | ((inRange(s31, j1) & v1) << b1);
        }
        const col = <usize>(n0 >>> 5) << 2;
        store<u32>(outBits + ((<usize>m * outWords) << 2) + col, o0);
        if (m + 1 < M) store<u32>(outBits + ((<usize>(m + 1) * outWords) << 2) + col, o1);
        if (m + 2 < M) store<u32>(outBits + ((<usize>(m + 2) * outWords) << 2) + col, o2);
        if (m + 3 < M) store<u32>(outBits + ((<usize>(m + 3) * outWords) << 2) + col, o3);
      }
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
  if (words <= SHORT) {
    shortRows(false, a, w, 0, theta, sense, outBits, M, N, words, K, outWords);
    return;
  }
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

/** {0,1} input (dot = pw[n] − popcount(x XOR w)), K bits per row; otherwise as `xnorThreshold`. */
export function bitsThreshold(
  x: usize, w: usize, pw: usize, theta: usize, sense: usize, outBits: usize, M: i32, N: i32, words: i32, K: i32, outWords: i32,
): void {
  memory.fill(outBits, 0, (<usize>M * outWords) << 2);
  if (words <= SHORT) {
    shortRows(true, x, w, pw, theta, sense, outBits, M, N, words, K, outWords);
    return;
  }
  const stride = <usize>words << 2;
  for (let m = 0; m < M; m += 4) {
    const rows = min(4, M - m);
    for (let n0 = 0; n0 < N; n0 += BLOCK) {
      const n = min(BLOCK, N - n0);
      xorPopTiles(SINK_BITS, x + <usize>m * stride, w + <usize>n0 * stride, rows, n, words, K, DOTS, pw + (<usize>n0 << 2), 0);
      pack(rows, n0, n, m, theta, sense, outBits, outWords);
    }
  }
}
