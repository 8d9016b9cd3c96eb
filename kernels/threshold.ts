// Fused output transform: a binary linear whose output is binarized again emits the next layer's packed
// bits directly. bit[m,n] = dot ≥ θ[n] if sense[n] > 0, else dot ≤ θ[n] (FoldedThreshold in
// src/format/model.ts; derivation in docs/forward.md, "Integer form at deployment"). No M×N dot matrix
// is written: the counts of one row (kernels/core.ts `countRow`) go straight to bits.
// Reference twin: src/runtime/reference/kernels.ts `thresholdGemmRef`.
import { countRow, LONG_WORDS, ROW, ROW_COLS, SINK_COUNT, xorPopTiles } from './core';

// The comparison is on the count, not the dot: with dot = base[n] − k·c (±1: base = K, k = 2; {0,1}:
// base = pw[n], k = 1) the bit is a range of counts, dot ≥ θ ⇔ c ≤ ⌊(base − θ)/k⌋ (sense +1) and
// dot ≤ θ ⇔ c ≥ ⌈(base − θ)/k⌉ (sense −1); with c in [0, K] both are lo ≤ c ≤ hi, kept as the open
// bounds LO1 = lo − 1 and HI1 = hi + 1 so that four columns are two signed i32x4 comparisons.
const LO1 = memory.data(4 * ROW_COLS, 64);
const HI1 = memory.data(4 * ROW_COLS, 64);

/** LO1[j], HI1[j] for columns n0 … n0 + n − 1 (see above). */
@inline function ranges(bits01: bool, pw: usize, theta: usize, sense: usize, n0: i32, n: i32, K: i32): void {
  for (let j = 0; j < n; j++) {
    const col = n0 + j;
    const base = bits01 ? load<i32>(pw + (<usize>col << 2)) : K;
    const x = base - load<i32>(theta + (<usize>col << 2)); // k·c compared with x
    let lo: i32, hi: i32;
    if (load<i8>(sense + <usize>col) > 0) { // c ≤ ⌊x/k⌋
      lo = 0; hi = min(bits01 ? x : x >> 1, K);
    } else { // c ≥ ⌈x/k⌉
      lo = max(0, bits01 ? x : -((-x) >> 1)); hi = K;
    }
    store<i32>(LO1 + (<usize>j << 2), lo - 1);
    store<i32>(HI1 + (<usize>j << 2), max(hi, lo - 1) + 1); // an empty range stays empty
  }
}

/** Output bit of count c for range column j. */
@inline function inRange(c: i32, j: i32): u32 {
  const off = <usize>j << 2;
  return <u32>(c > load<i32>(LO1 + off)) & <u32>(c < load<i32>(HI1 + off));
}

/** The bits of n counts (at `counts`) for range columns 0 … n − 1 into the words of `out` from column word n0/32. */
@inline function packRow(counts: usize, n: i32, out: usize): void {
  for (let j0 = 0; j0 < n; j0 += 32) {
    let word: u32 = 0;
    if (j0 + 32 <= n) { // four columns per comparison
      for (let b = 0; b < 32; b += 4) {
        const off = <usize>(j0 + b) << 2;
        const c = v128.load(counts + off);
        const on = v128.and(i32x4.gt_s(c, v128.load(LO1 + off)), i32x4.lt_s(c, v128.load(HI1 + off)));
        word |= <u32>i32x4.bitmask(on) << b;
      }
    } else {
      for (let j = j0; j < n; j++) word |= inRange(load<i32>(counts + (<usize>j << 2)), j) << (j - j0);
    }
    store<u32>(out + (<usize>(j0 >>> 5) << 2), word);
  }
}

// Rows longer than LONG_WORDS words are counted by the mixed tiles (core.ts), four rows at a time into BLOCK.
const BLOCK = memory.data(4 * 4 * ROW_COLS, 64);

/** Counts row by row (four rows of long ones), bits by count range; columns in chunks of ROW_COLS (a multiple of 32). */
@inline function thresholdRows(
  bits01: bool, a: usize, w: usize, pw: usize, theta: usize, sense: usize, outBits: usize, M: i32, N: i32, words: i32, K: i32, outWords: i32,
): void {
  memory.fill(outBits, 0, (<usize>M * outWords) << 2);
  const stride = <usize>words << 2;
  for (let n0 = 0; n0 < N; n0 += ROW_COLS) {
    const n = min(ROW_COLS, N - n0);
    ranges(bits01, pw, theta, sense, n0, n, K);
    const col = <usize>(n0 >>> 5) << 2;
    if (words > LONG_WORDS) {
      for (let m = 0; m < M; m += 4) {
        const rows = min(4, M - m);
        xorPopTiles(SINK_COUNT, a + <usize>m * stride, w + <usize>n0 * stride, rows, n, words, K, BLOCK, 0, 0);
        for (let r = 0; r < rows; r++) packRow(BLOCK + ((<usize>r * n) << 2), n, outBits + ((<usize>(m + r) * outWords) << 2) + col);
      }
      continue;
    }
    for (let m = 0; m < M; m++) {
      countRow(a + <usize>m * stride, w + <usize>n0 * stride, n, words, K, ROW);
      packRow(ROW, n, outBits + ((<usize>m * outWords) << 2) + col);
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
  thresholdRows(false, a, w, 0, theta, sense, outBits, M, N, words, K, outWords);
}

/** {0,1} input (dot = pw[n] − popcount(x XOR w)), K bits per row; otherwise as `xnorThreshold`. */
export function bitsThreshold(
  x: usize, w: usize, pw: usize, theta: usize, sense: usize, outBits: usize, M: i32, N: i32, words: i32, K: i32, outWords: i32,
): void {
  thresholdRows(true, x, w, pw, theta, sense, outBits, M, N, words, K, outWords);
}
