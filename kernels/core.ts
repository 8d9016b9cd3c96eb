// The one count every product reduces to, c = popcount(a XOR w), one activation row against N weight rows
// at a time, and what each kernel makes of the counts (a "sink").
//
// Every product reduces to this count (docs/forward.md, "Integer form at deployment"):
//   ±1 · ±1       dot = K − 2·popcount(a XOR w)
//   {0,1} · ±1    dot = 2·popcount(a AND w) − popcount(a) = popcount(w) − popcount(a XOR w)
//                 (popcount(a AND w) = (popcount(a) + popcount(w) − popcount(a XOR w)) / 2)
// Rows are packed as in src/format/model.ts PackedBits: `words` u32 per row, a multiple of 4, padding 0.
//
// Why rows, not 2-D tiles (docs/runtime.md, "Kernels"): V8 lowers i64.popcnt to one popcnt and i8x16.popcnt to
// a pshufb sequence (~0.45 per cycle), so the count runs on the scalar integer units; what limits it is how
// many values V8 keeps in its ~12 free registers. A row's ≤ 256-bit chunk stays in ≤ 4 registers and every
// weight row is a fixed stride away, so each count is 4 loads, 4 xor, 4 popcnt and 3 adds with constant
// offsets, stored at once (the store keeps V8 from hoisting the next count's loads and spilling).

/** What a kernel does with the counts of a row (a compile-time constant at every call site). */
export const SINK_XNOR: i32 = 0; // out[m,n] = K − 2c
export const SINK_BITS: i32 = 1; // out[m,n] = pw[n] − c
export const SINK_PLANE_FIRST: i32 = 2; // out[m,n] = weight·(pw[n] − c)
export const SINK_PLANE_ACC: i32 = 3; // out[m,n] += weight·(pw[n] − c)
export const SINK_COUNT: i32 = 4; // out[m,n] = c

/** Counts of one row are made ROW_COLS weight rows at a time into ROW. */
export const ROW_COLS: i32 = 4096;
export const ROW = memory.data(4 * ROW_COLS, 64);

/**
 * c[n] = popcount(x0..x3 XOR 256-bit chunk of weight row n) (+= when `acc`), weight rows `stride` bytes
 * apart, two rows per step.
 */
@inline function chunk4(x0: u64, x1: u64, x2: u64, x3: u64, w: usize, stride: usize, N: i32, dst: usize, acc: bool): void {
  let o = dst, wr = w;
  for (const e = w + <usize>(N & ~1) * stride; wr < e; wr += 2 * stride) {
    const c0 = <i32>(popcnt(x0 ^ load<u64>(wr)) + popcnt(x1 ^ load<u64>(wr, 8)) + popcnt(x2 ^ load<u64>(wr, 16)) + popcnt(x3 ^ load<u64>(wr, 24)));
    store<i32>(o, acc ? load<i32>(o) + c0 : c0);
    const w1 = wr + stride;
    const c1 = <i32>(popcnt(x0 ^ load<u64>(w1)) + popcnt(x1 ^ load<u64>(w1, 8)) + popcnt(x2 ^ load<u64>(w1, 16)) + popcnt(x3 ^ load<u64>(w1, 24)));
    store<i32>(o, acc ? load<i32>(o, 4) + c1 : c1, 4);
    o += 8;
  }
  if (N & 1) {
    const c = <i32>(popcnt(x0 ^ load<u64>(wr)) + popcnt(x1 ^ load<u64>(wr, 8)) + popcnt(x2 ^ load<u64>(wr, 16)) + popcnt(x3 ^ load<u64>(wr, 24)));
    store<i32>(o, acc ? load<i32>(o) + c : c);
  }
}

/** As chunk4 for a 128-bit chunk. */
@inline function chunk2(x0: u64, x1: u64, w: usize, stride: usize, N: i32, dst: usize, acc: bool): void {
  let o = dst;
  for (let wr = w, e = w + <usize>N * stride; wr < e; wr += stride) {
    const c = <i32>(popcnt(x0 ^ load<u64>(wr)) + popcnt(x1 ^ load<u64>(wr, 8)));
    store<i32>(o, acc ? load<i32>(o) + c : c);
    o += 4;
  }
}

/**
 * dst[n] = popcount(row a XOR weight row n) for n < N (N ≤ ROW_COLS), rows of `words` u32 (K bits).
 * Specialised by row length: one 64-bit word (attention heads of d ≤ 64), one 128-bit chunk, one 256-bit
 * chunk (hidden 256), else 256-bit chunks accumulated in dst (FFN-out's 1024 bits) and a 128-bit tail.
 */
export function countRow(a: usize, w: usize, N: i32, words: i32, K: i32, dst: usize): void {
  if (words == 4) {
    if (K <= 64) {
      const x = load<u64>(a);
      let o = dst;
      for (let wr = w, e = w + (<usize>N << 4); wr < e; wr += 16) { store<i32>(o, <i32>popcnt(x ^ load<u64>(wr))); o += 4; }
    } else chunk2(load<u64>(a), load<u64>(a, 8), w, 16, N, dst, false);
    return;
  }
  if (words == 8) {
    chunk4(load<u64>(a), load<u64>(a, 8), load<u64>(a, 16), load<u64>(a, 24), w, 32, N, dst, false);
    return;
  }
  const stride = <usize>words << 2;
  let c = 0;
  for (; c + 8 <= words; c += 8) {
    const off = <usize>c << 2;
    chunk4(load<u64>(a + off), load<u64>(a + off, 8), load<u64>(a + off, 16), load<u64>(a + off, 24), w + off, stride, N, dst, c > 0);
  }
  if (c < words) {
    const off = <usize>c << 2;
    chunk2(load<u64>(a + off), load<u64>(a + off, 8), w + off, stride, N, dst, c > 0);
  }
}

/** out[n] from the counts c[n] of one row (see the SINK_ constants), four columns at a time. */
@inline function sinkRow(sink: i32, c: usize, N: i32, K: i32, out: usize, pw: usize, weight: i32): void {
  const n4 = N & ~3;
  const k = i32x4.splat(K), wt = i32x4.splat(weight);
  for (let n = 0; n < n4; n += 4) {
    const off = <usize>n << 2;
    const cv = v128.load(c + off);
    if (sink == SINK_COUNT) v128.store(out + off, cv);
    else if (sink == SINK_XNOR) v128.store(out + off, i32x4.sub(k, i32x4.shl(cv, 1)));
    else {
      const dot = i32x4.sub(v128.load(pw + off), cv);
      if (sink == SINK_BITS) v128.store(out + off, dot);
      else if (sink == SINK_PLANE_FIRST) v128.store(out + off, i32x4.mul(wt, dot));
      else v128.store(out + off, i32x4.add(v128.load(out + off), i32x4.mul(wt, dot)));
    }
  }
  for (let n = n4; n < N; n++) {
    const off = <usize>n << 2;
    const cn = load<i32>(c + off);
    if (sink == SINK_COUNT) store<i32>(out + off, cn);
    else if (sink == SINK_XNOR) store<i32>(out + off, K - 2 * cn);
    else {
      const dot = load<i32>(pw + off) - cn;
      if (sink == SINK_BITS) store<i32>(out + off, dot);
      else if (sink == SINK_PLANE_FIRST) store<i32>(out + off, weight * dot);
      else store<i32>(out + off, load<i32>(out + off) + weight * dot);
    }
  }
}

/** Horizontal sum of four i32 lanes. */
@inline function hsum(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}

/** Byte counts (≤ 31 steps of ≤ 8) → four i32 lane sums. */
@inline function widen(s: v128): v128 {
  return i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(s));
}

@inline function emit(sink: i32, c: i32, m: i32, n: i32, N: i32, K: i32, out: usize, pw: usize, weight: i32): void {
  const dot = sink == SINK_COUNT ? c : sink == SINK_XNOR ? K - 2 * c : load<i32>(pw + (<usize>n << 2)) - c;
  const p = out + ((<usize>m * N + n) << 2);
  if (sink == SINK_PLANE_FIRST) store<i32>(p, weight * dot);
  else if (sink == SINK_PLANE_ACC) store<i32>(p, load<i32>(p) + weight * dot);
  else store<i32>(p, dot);
}

/**
 * Long rows (K > LONG_WORDS·32 bits): 2 × 2 tiles, each 256-bit step half on the vector unit (v128.xor,
 * i8x16.popcnt, byte adds widened every ≤ 31 steps) and half on scalar i64.popcnt, so that both units count;
 * over long rows the widening and horizontal sums are amortised and this beats the row loop.
 */
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

/** Rows longer than this many u32 words take the mixed 2 × 2 tiles. */
export const LONG_WORDS: i32 = 32;

/** The products into i32 M×N `out`, row by row; `sink` must be a constant so that each caller is specialised. */
@inline export function xorPopTiles(
  sink: i32, a: usize, w: usize, M: i32, N: i32, words: i32, K: i32, out: usize, pw: usize, weight: i32,
): void {
  if (words > LONG_WORDS) {
    mixedTiles(sink, a, w, M, N, words, K, out, pw, weight);
    return;
  }
  const stride = <usize>words << 2;
  for (let m = 0; m < M; m++) {
    const ar = a + <usize>m * stride, orow = out + ((<usize>m * N) << 2);
    for (let n0 = 0; n0 < N; n0 += ROW_COLS) {
      const n = min(ROW_COLS, N - n0);
      countRow(ar, w + <usize>n0 * stride, n, words, K, ROW);
      sinkRow(sink, ROW, n, K, orow + (<usize>n0 << 2), pw + (<usize>n0 << 2), weight);
    }
  }
}
