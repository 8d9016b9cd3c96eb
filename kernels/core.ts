// The one inner loop every kernel shares: c = popcount(a XOR w) over a 2×2 tile of (activation row,
// weight row) pairs, K in 256-bit steps. Each step does its first 128 bits with v128 (xor, i8x16.popcnt,
// byte adds) and its second 128 bits with two scalar i64.popcnt: the vector and the integer pipes work
// at the same time, which beats either alone (docs/runtime.md, "Kernels").
//
// Every product reduces to this count (docs/forward.md, "Integer form at deployment"):
//   ±1 · ±1       dot = K − 2·popcount(a XOR w)
//   {0,1} · ±1    dot = 2·popcount(a AND w) − popcount(a) = popcount(w) − popcount(a XOR w)
//                 (popcount(a AND w) = (popcount(a) + popcount(w) − popcount(a XOR w)) / 2)
// Rows are packed as in src/format/model.ts PackedBits: `words` u32 per row, a multiple of 4, padding 0.

/** What a tile does with its four counts (a compile-time constant at every call site). */
export const SINK_XNOR: i32 = 0; // out[m,n] = K − 2c
export const SINK_BITS: i32 = 1; // out[m,n] = pw[n] − c
export const SINK_PLANE_FIRST: i32 = 2; // out[m,n] = weight·(pw[n] − c)
export const SINK_PLANE_ACC: i32 = 3; // out[m,n] += weight·(pw[n] − c)

/** Horizontal sum of four i32 lanes. */
@inline function hsum(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}

/** Byte counts (≤ 31 steps of ≤ 8) → four i32 lane sums. */
@inline function widen(s: v128): v128 {
  return i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(s));
}

@inline function emit(sink: i32, c: i32, m: i32, n: i32, N: i32, K: i32, out: usize, pw: usize, weight: i32): void {
  const dot = sink == SINK_XNOR ? K - 2 * c : load<i32>(pw + (<usize>n << 2)) - c;
  const p = out + ((<usize>m * N + n) << 2);
  if (sink == SINK_PLANE_FIRST) store<i32>(p, weight * dot);
  else if (sink == SINK_PLANE_ACC) store<i32>(p, load<i32>(p) + weight * dot);
  else store<i32>(p, dot);
}

/**
 * The tiled count loop into i32 M×N `out`. `sink` must be a constant so that each caller is specialised.
 * Short rows (K ≤ 256 bits: Q/K/V/FFN-in at hidden 256, attention heads) take the scalar 4×2 tiles: with
 * one or two v128 steps per tile, widening and summing the byte counters would cost more than the counts.
 */
@inline export function xorPopTiles(
  sink: i32, a: usize, w: usize, M: i32, N: i32, words: i32, K: i32, out: usize, pw: usize, weight: i32,
): void {
  if (words <= 8) scalarTiles(sink, a, w, M, N, words, K, out, pw, weight);
  else mixedTiles(sink, a, w, M, N, words, K, out, pw, weight);
}

/** 4 activation rows × 2 weight rows, i64.popcnt only (no reduction step). */
@inline function scalarTiles(
  sink: i32, a: usize, w: usize, M: i32, N: i32, words: i32, K: i32, out: usize, pw: usize, weight: i32,
): void {
  const stride = <usize>words << 2;
  const q = (K + 63) >> 6; // u64 per row holding bits (the rest of the row is zero padding)
  if (q == 1) { // one word per row (attention heads of ≤ 64): a row of activations against every weight row
    for (let m = 0; m < M; m++) {
      const x = load<u64>(a + <usize>m * stride);
      for (let n = 0; n < N; n++) emit(sink, <i32>popcnt(x ^ load<u64>(w + <usize>n * stride)), m, n, N, K, out, pw, weight);
    }
    return;
  }
  for (let m = 0; m < M; m += 4) {
    const a0 = a + <usize>m * stride;
    const a1 = m + 1 < M ? a0 + stride : a0;
    const a2 = m + 2 < M ? a0 + 2 * stride : a0;
    const a3 = m + 3 < M ? a0 + 3 * stride : a0;
    for (let n = 0; n < N; n += 2) {
      const w0 = w + <usize>n * stride;
      const w1 = n + 1 < N ? w0 + stride : w0;
      let s00: i64 = 0, s01: i64 = 0, s10: i64 = 0, s11: i64 = 0, s20: i64 = 0, s21: i64 = 0, s30: i64 = 0, s31: i64 = 0;
      for (let c = 0; c < q; c++) {
        const off = <usize>c << 3;
        const y0 = load<u64>(w0 + off), y1 = load<u64>(w1 + off);
        const x0 = load<u64>(a0 + off), x1 = load<u64>(a1 + off), x2 = load<u64>(a2 + off), x3 = load<u64>(a3 + off);
        s00 += popcnt(x0 ^ y0); s01 += popcnt(x0 ^ y1);
        s10 += popcnt(x1 ^ y0); s11 += popcnt(x1 ^ y1);
        s20 += popcnt(x2 ^ y0); s21 += popcnt(x2 ^ y1);
        s30 += popcnt(x3 ^ y0); s31 += popcnt(x3 ^ y1);
      }
      const two = n + 1 < N;
      emit(sink, <i32>s00, m, n, N, K, out, pw, weight);
      if (two) emit(sink, <i32>s01, m, n + 1, N, K, out, pw, weight);
      if (m + 1 < M) { emit(sink, <i32>s10, m + 1, n, N, K, out, pw, weight); if (two) emit(sink, <i32>s11, m + 1, n + 1, N, K, out, pw, weight); }
      if (m + 2 < M) { emit(sink, <i32>s20, m + 2, n, N, K, out, pw, weight); if (two) emit(sink, <i32>s21, m + 2, n + 1, N, K, out, pw, weight); }
      if (m + 3 < M) { emit(sink, <i32>s30, m + 3, n, N, K, out, pw, weight); if (two) emit(sink, <i32>s31, m + 3, n + 1, N, K, out, pw, weight); }
    }
  }
}

/** 2 × 2 tiles, each 256-bit step half v128 and half scalar (see the top of this file). */
@inline function mixedTiles(
  sink: i32, a: usize, w: usize, M: i32, N: i32, words: i32, K: i32, out: usize, pw: usize, weight: i32,
): void {
  const stride = <usize>words << 2;
  const steps = words >> 3; // 256-bit steps
  const tail = (words & 7) != 0; // one 128-bit chunk left over
  for (let m = 0; m < M; m += 2) {
    const a0 = a + <usize>m * stride;
    const a1 = m + 1 < M ? a0 + stride : a0;
    for (let n = 0; n < N; n += 2) {
      const w0 = w + <usize>n * stride;
      const w1 = n + 1 < N ? w0 + stride : w0;
      let t00 = i32x4.splat(0), t01 = i32x4.splat(0), t10 = i32x4.splat(0), t11 = i32x4.splat(0);
      let r00: i64 = 0, r01: i64 = 0, r10: i64 = 0, r11: i64 = 0;
      let c = 0;
      while (c < steps) {
        const end = min(steps, c + 31); // byte lanes hold ≤ 31 popcounts of ≤ 8
        let s00 = i8x16.splat(0), s01 = i8x16.splat(0), s10 = i8x16.splat(0), s11 = i8x16.splat(0);
        for (; c < end; c++) {
          const off = <usize>c << 5;
          const x0 = v128.load(a0 + off), x1 = v128.load(a1 + off);
          const y0 = v128.load(w0 + off), y1 = v128.load(w1 + off);
          s00 = i8x16.add(s00, i8x16.popcnt(v128.xor(x0, y0)));
          s01 = i8x16.add(s01, i8x16.popcnt(v128.xor(x0, y1)));
          s10 = i8x16.add(s10, i8x16.popcnt(v128.xor(x1, y0)));
          s11 = i8x16.add(s11, i8x16.popcnt(v128.xor(x1, y1)));
          const p0 = load<u64>(a0 + off, 16), p1 = load<u64>(a0 + off, 24);
          const q0 = load<u64>(a1 + off, 16), q1 = load<u64>(a1 + off, 24);
          const u0 = load<u64>(w0 + off, 16), u1 = load<u64>(w0 + off, 24);
          const v0 = load<u64>(w1 + off, 16), v1 = load<u64>(w1 + off, 24);
          r00 += popcnt(p0 ^ u0) + popcnt(p1 ^ u1);
          r01 += popcnt(p0 ^ v0) + popcnt(p1 ^ v1);
          r10 += popcnt(q0 ^ u0) + popcnt(q1 ^ u1);
          r11 += popcnt(q0 ^ v0) + popcnt(q1 ^ v1);
        }
        t00 = i32x4.add(t00, widen(s00));
        t01 = i32x4.add(t01, widen(s01));
        t10 = i32x4.add(t10, widen(s10));
        t11 = i32x4.add(t11, widen(s11));
      }
      if (tail) {
        const off = <usize>steps << 5;
        const x0 = v128.load(a0 + off), x1 = v128.load(a1 + off);
        const y0 = v128.load(w0 + off), y1 = v128.load(w1 + off);
        t00 = i32x4.add(t00, widen(i8x16.popcnt(v128.xor(x0, y0))));
        t01 = i32x4.add(t01, widen(i8x16.popcnt(v128.xor(x0, y1))));
        t10 = i32x4.add(t10, widen(i8x16.popcnt(v128.xor(x1, y0))));
        t11 = i32x4.add(t11, widen(i8x16.popcnt(v128.xor(x1, y1))));
      }
      emit(sink, hsum(t00) + <i32>r00, m, n, N, K, out, pw, weight);
      if (n + 1 < N) emit(sink, hsum(t01) + <i32>r01, m, n + 1, N, K, out, pw, weight);
      if (m + 1 < M) {
        emit(sink, hsum(t10) + <i32>r10, m + 1, n, N, K, out, pw, weight);
        if (n + 1 < N) emit(sink, hsum(t11) + <i32>r11, m + 1, n + 1, N, K, out, pw, weight);
      }
    }
  }
}
