// The integer part of binarized softmax attention (softmax-binary / shift-softmax with a per-tensor β on
// the probs site): one kernel makes the scores' dots and, per row, the maximum and the histogram of dots
// over the unmasked keys; TypeScript then finds per row the smallest dot whose bit is 1 (exp stays in
// TypeScript: src/runtime/float.ts `SoftmaxBitRows`); a second kernel packs the bits. Twin: float.ts
// `softmaxBitsFromDots`, which does the same three steps on one row at a time.
import { countRow, ROW, ROW_COLS } from './core';

const NO_KEY: i32 = -(1 << 30); // below every dot; float.ts NO_KEY

// With every key present and a row's keys in one count block, the row's histogram is counted on the counts
// c = (K − dot)/2, even keys straight into the row's histogram (at dot K − 2c), odd keys into a second copy
// added in over the row's count range: consecutive keys with the same count then do not wait on each
// other's store.
const SUB_SPAN: i32 = 4097;
const SUB = memory.data(4 * SUB_SPAN, 64);

/** Histogram of the n counts in ROW (all keys present) into the row histogram h (indexed by dot); max and min dot. */
@inline function countHistogram(n: i32, K: i32, h: usize, maxes: usize, mins: usize, m: i32): void {
  const top = h + (<usize>K << 2); // dot K − 2c at top − 8c
  let vmx = i32x4.splat(0), vmn = i32x4.splat(K);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const r = ROW + (<usize>j << 2);
    const c = v128.load(r);
    vmx = i32x4.max_s(vmx, c); vmn = i32x4.min_s(vmn, c);
    const p0 = top - (<usize>load<i32>(r) << 3), p1 = SUB + (<usize>load<i32>(r, 4) << 2);
    const p2 = top - (<usize>load<i32>(r, 8) << 3), p3 = SUB + (<usize>load<i32>(r, 12) << 2);
    store<i32>(p0, load<i32>(p0) + 1); store<i32>(p1, load<i32>(p1) + 1);
    store<i32>(p2, load<i32>(p2) + 1); store<i32>(p3, load<i32>(p3) + 1);
  }
  let cmx = max(max(i32x4.extract_lane(vmx, 0), i32x4.extract_lane(vmx, 1)), max(i32x4.extract_lane(vmx, 2), i32x4.extract_lane(vmx, 3)));
  let cmn = min(min(i32x4.extract_lane(vmn, 0), i32x4.extract_lane(vmn, 1)), min(i32x4.extract_lane(vmn, 2), i32x4.extract_lane(vmn, 3)));
  for (; j < n; j++) {
    const c = load<i32>(ROW + (<usize>j << 2));
    const p = top - (<usize>c << 3);
    store<i32>(p, load<i32>(p) + 1);
    cmx = max(cmx, c); cmn = min(cmn, c);
  }
  for (let c = cmn; c <= cmx; c++) { // add the odd keys' copy and clear it
    const p = SUB + (<usize>c << 2), q = top - (<usize>c << 3);
    store<i32>(q, load<i32>(q) + load<i32>(p));
    store<i32>(p, 0);
  }
  store<i32>(maxes + (<usize>m << 2), K - 2 * cmn);
  store<i32>(mins + (<usize>m << 2), K - 2 * cmx);
}

/**
 * q: M rows, k: N rows of ±1 (`words` u32 each, K bits); dots: i32 M×N = K − 2·popcount(q XOR k);
 * mask: u8[N] (1 = key present); hist: i32 M×(2·bound + 1), hist[m, dot + bound] = keys with that dot;
 * maxes, mins: i32[M], the row's largest and smallest dot over present keys (NO_KEY, −NO_KEY if none).
 * Row by row: the counts of a row (core.ts `countRow`) become its dots and histogram while in cache.
 */
export function scoreHistograms(
  q: usize, k: usize, dots: usize, M: i32, N: i32, words: i32, K: i32, mask: usize, bound: i32, hist: usize, maxes: usize, mins: usize,
): void {
  const span = 2 * bound + 1;
  memory.fill(hist, 0, (<usize>M * span) << 2);
  let present = 0;
  for (let j = 0; j < N; j++) present += <i32>load<u8>(mask + <usize>j);
  const fast = present == N && N > 0 && N <= ROW_COLS && K < SUB_SPAN && bound >= K;
  const stride = <usize>words << 2;
  const kv = i32x4.splat(K);
  for (let m = 0; m < M; m++) {
    const row = dots + ((<usize>m * N) << 2);
    const h = hist + ((<usize>(m * span + bound)) << 2);
    for (let n0 = 0; n0 < N; n0 += ROW_COLS) { // dots = K − 2c, four at a time
      const n = min(ROW_COLS, N - n0);
      countRow(q + <usize>m * stride, k + <usize>n0 * stride, n, words, K, ROW);
      const o = row + (<usize>n0 << 2);
      let j = 0;
      for (; j + 4 <= n; j += 4) v128.store(o + (<usize>j << 2), i32x4.sub(kv, i32x4.shl(v128.load(ROW + (<usize>j << 2)), 1)));
      for (; j < n; j++) store<i32>(o + (<usize>j << 2), K - 2 * load<i32>(ROW + (<usize>j << 2)));
    }
    if (fast) {
      countHistogram(N, K, h, maxes, mins, m);
      continue;
    }
    let mx = NO_KEY, mn = -NO_KEY;
    for (let j = 0; j < N; j++) {
      const on = <i32>load<u8>(mask + <usize>j);
      const d = load<i32>(row + (<usize>j << 2));
      const p = h + (<usize>d << 2);
      store<i32>(p, load<i32>(p) + on);
      mx = select(max(mx, d), mx, on != 0);
      mn = select(min(mn, d), mn, on != 0);
    }
    store<i32>(maxes + (<usize>m << 2), mx);
    store<i32>(mins + (<usize>m << 2), mn);
  }
}

/**
 * bits[m, j] = (dot[m, j] ≥ thr[m]) for present keys, zeroBits[j] (the bit of P = 0) for masked ones;
 * M rows of `outWords` u32, padding 0.
 */
export function packAtLeast(dots: usize, M: i32, N: i32, thr: usize, mask: usize, zeroBits: usize, out: usize, outWords: i32): void {
  let present = 0;
  for (let j = 0; j < N; j++) present += <i32>load<u8>(mask + <usize>j);
  if (present == N && (N & 31) == 0) { // every key present, whole words: four comparisons at a time
    for (let m = 0; m < M; m++) {
      const row = dots + ((<usize>m * N) << 2);
      const t = i32x4.splat(load<i32>(thr + (<usize>m << 2)));
      const o = out + ((<usize>m * outWords) << 2);
      for (let w = 0; w < outWords; w++) {
        let word: u32 = 0;
        if ((w << 5) < N) {
          for (let b = 0; b < 32; b += 4) word |= <u32>i32x4.bitmask(i32x4.ge_s(v128.load(row + (<usize>((w << 5) + b) << 2)), t)) << b;
        }
        store<u32>(o + (<usize>w << 2), word);
      }
    }
    return;
  }
  for (let m = 0; m < M; m++) {
    const row = dots + ((<usize>m * N) << 2);
    const t = load<i32>(thr + (<usize>m << 2));
    const o = out + ((<usize>m * outWords) << 2);
    for (let w = 0; w < outWords; w++) {
      const j0 = w << 5;
      const end = min(32, N - j0);
      let word: u32 = 0;
      for (let b = 0; b < end; b++) {
        const j = j0 + b;
        const on = <u32>load<u8>(mask + <usize>j);
        const bit = (on & <u32>(load<i32>(row + (<usize>j << 2)) >= t)) | ((on ^ 1) & <u32>load<u8>(zeroBits + <usize>j));
        word |= bit << b;
      }
      store<u32>(o + (<usize>w << 2), word);
    }
  }
}

/**
 * Per-key β on the probs site: bits[m, j] = p ≥ pmin[j] with p = probs[m, maxes[m] − dot[m, j]] (the row's
 * fround(e/z) by key, from TypeScript) and pmin[j] the smallest p whose unsignedBit(p, α, β[j]) is 1
 * (float.ts `unsignedBitMinimum`), for present keys; zeroBits[j] for masked ones.
 */
export function packProbBits(
  dots: usize, M: i32, N: i32, maxes: usize, probs: usize, span: i32, mask: usize, zeroBits: usize, pmin: usize, out: usize, outWords: i32,
): void {
  let present = 0;
  for (let j = 0; j < N; j++) present += <i32>load<u8>(mask + <usize>j);
  if (present == N) { // every key present: its key maxes[m] − dot lies in [0, span) and no mask is read
    for (let m = 0; m < M; m++) {
      const row = dots + ((<usize>m * N) << 2);
      const pr = probs + ((<usize>(m * span + load<i32>(maxes + (<usize>m << 2)))) << 2); // p of dot at pr − 4·dot
      const o = out + ((<usize>m * outWords) << 2);
      for (let w = 0; w < outWords; w++) {
        const j0 = w << 5;
        const end = min(32, N - j0);
        let word: u32 = 0;
        for (let b = 0; b < end; b++) {
          const j = <usize>(j0 + b) << 2;
          word |= <u32>(load<f32>(pr - (<usize>load<i32>(row + j) << 2)) >= load<f32>(pmin + j)) << b;
        }
        store<u32>(o + (<usize>w << 2), word);
      }
    }
    return;
  }
  for (let m = 0; m < M; m++) {
    const row = dots + ((<usize>m * N) << 2);
    const mx = load<i32>(maxes + (<usize>m << 2));
    const pr = probs + ((<usize>m * span) << 2);
    const o = out + ((<usize>m * outWords) << 2);
    for (let w = 0; w < outWords; w++) {
      const j0 = w << 5;
      const end = min(32, N - j0);
      let word: u32 = 0;
      for (let b = 0; b < end; b++) {
        const j = j0 + b;
        const on = <u32>load<u8>(mask + <usize>j);
        const key = min(max(mx - load<i32>(row + (<usize>j << 2)), 0), span - 1); // clamped for masked keys
        const bit = (on & <u32>(load<f32>(pr + (<usize>key << 2)) >= load<f32>(pmin + (<usize>j << 2)))) | ((on ^ 1) & <u32>load<u8>(zeroBits + <usize>j));
        word |= bit << b;
      }
      store<u32>(o + (<usize>w << 2), word);
    }
  }
}

/**
 * One head's context into the T × H float matrix `ctx` at columns off … off + N − 1:
 * ctx[m, off + n] = f32(scale · dot[m, n]) (float.ts `scoreValues`, f64 product rounded once).
 */
export function scaleInto(dots: usize, M: i32, N: i32, scale: f64, ctx: usize, H: i32, off: i32): void {
  const s = f64x2.splat(scale);
  for (let m = 0; m < M; m++) {
    const d = dots + ((<usize>m * N) << 2);
    const o = ctx + ((<usize>(m * H + off)) << 2);
    let n = 0;
    for (; n + 4 <= N; n += 4) { // per lane the same f64 product rounded once to f32
      const x = v128.load(d + (<usize>n << 2));
      const lo = f32x4.demote_f64x2_zero(f64x2.mul(s, f64x2.convert_low_i32x4_s(x)));
      const hi = f32x4.demote_f64x2_zero(f64x2.mul(s, f64x2.convert_low_i32x4_s(v128.shuffle<i32>(x, x, 2, 3, 0, 1))));
      v128.store(o + (<usize>n << 2), v128.shuffle<f32>(lo, hi, 0, 1, 4, 5));
    }
    for (; n < N; n++) store<f32>(o + (<usize>n << 2), <f32>(scale * <f64>load<i32>(d + (<usize>n << 2))));
  }
}

/**
 * A binary site's bits of a float matrix x (rows × cols), 32 columns per word, `outWords` per row: signed
 * x ≥ β[c], unsigned f32(f32(x − β[c]) / α) > 0.5 (float.ts `signBit`, `unsignedBit`).
 */
export function packSiteBits(x: usize, rows: i32, cols: i32, signed: i32, alpha: f64, beta: usize, out: usize, outWords: i32): void {
  if ((cols & 31) == 0) { // four columns at a time: x ≥ β, or f32(x − β) in f32x4 (rounded once, as in f64) / α in f64x2
    const a = f64x2.splat(alpha), half = f32x4.splat(0.5);
    for (let r = 0; r < rows; r++) {
      const row = x + ((<usize>r * cols) << 2);
      const o = out + ((<usize>r * outWords) << 2);
      for (let w = 0; w < outWords; w++) {
        let word: u32 = 0;
        if ((w << 5) < cols) {
          for (let b = 0; b < 32; b += 4) {
            const off = <usize>((w << 5) + b) << 2;
            const v = v128.load(row + off), be = v128.load(beta + off);
            if (signed != 0) word |= <u32>i32x4.bitmask(f32x4.ge(v, be)) << b;
            else {
              const d = f32x4.sub(v, be), dh = v128.shuffle<f32>(d, d, 2, 3, 0, 1);
              const q = v128.shuffle<f32>(f32x4.demote_f64x2_zero(f64x2.div(f64x2.promote_low_f32x4(d), a)), f32x4.demote_f64x2_zero(f64x2.div(f64x2.promote_low_f32x4(dh), a)), 0, 1, 4, 5);
              word |= <u32>i32x4.bitmask(f32x4.gt(q, half)) << b;
            }
          }
        }
        store<u32>(o + (<usize>w << 2), word);
      }
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    const row = x + ((<usize>r * cols) << 2);
    const o = out + ((<usize>r * outWords) << 2);
    for (let w = 0; w < outWords; w++) {
      const c0 = w << 5;
      const end = min(32, cols - c0);
      let word: u32 = 0;
      for (let b = 0; b < end; b++) {
        const c = c0 + b;
        const v = load<f32>(row + (<usize>c << 2)), be = load<f32>(beta + (<usize>c << 2));
        const bit = signed ? v >= be : <f64><f32>(<f64><f32>(<f64>v - <f64>be) / alpha) > 0.5;
        word |= <u32>bit << b;
      }
      store<u32>(o + (<usize>w << 2), word);
    }
  }
}

/**
 * Columns start … start + cols − 1 of packed rows (`srcWords` u32 each) as rows of their own (`dstWords` u32,
 * padding 0): one head's slice of Q, K or V. Twin: src/runtime/bits.ts `sliceColumns`.
 */
export function sliceBits(src: usize, rows: i32, srcWords: i32, start: i32, cols: i32, dst: usize, dstWords: i32): void {
  const shift = <u32>(start & 31);
  const w0 = start >>> 5;
  const words = (cols + 31) >>> 5;
  const rem = cols & 31;
  for (let r = 0; r < rows; r++) {
    const s = src + ((<usize>(r * srcWords + w0)) << 2);
    const d = dst + ((<usize>r * dstWords) << 2);
    for (let i = 0; i < dstWords; i++) {
      let word: u32 = 0;
      if (i < words) {
        word = load<u32>(s + (<usize>i << 2)) >>> shift;
        if (shift != 0 && w0 + i + 1 < srcWords) word |= load<u32>(s + (<usize>(i + 1) << 2)) << (32 - shift);
        if (rem != 0 && i == words - 1) word &= (<u32>1 << rem) - 1;
      }
      store<u32>(d + (<usize>i << 2), word);
    }
  }
}

/** The transpose of packed rows (rows × cols, `srcWords` u32 per row) into cols rows of `dstWords` u32. Twin: bits.ts `transposeBits`. */
export function transposeBits(src: usize, rows: i32, cols: i32, srcWords: i32, dst: usize, dstWords: i32): void {
  memory.fill(dst, 0, (<usize>cols * dstWords) << 2);
  for (let r = 0; r < rows; r++) {
    const s = src + ((<usize>r * srcWords) << 2);
    const bit: u32 = <u32>1 << (r & 31);
    const col = <usize>(r >>> 5) << 2;
    for (let i = 0; i < srcWords; i++) {
      let w = load<u32>(s + (<usize>i << 2));
      while (w != 0) { // visit set bits only
        const c = (i << 5) + <i32>ctz(w);
        const p = dst + ((<usize>c * dstWords) << 2) + col;
        store<u32>(p, load<u32>(p) | bit);
        w &= w - 1;
      }
    }
  }
}

/**
 * The per-row search of float.ts `SoftmaxBitRows` with every exp precomputed (`table`: f64, row
 * (maxDot + bound)·span + key = e of dot maxDot − key, from TypeScript): z = f32(Σ count·e) over the row's dots
 * from the largest down, then the smallest dot whose bit is 1 into thr[m] (per-tensor β: binary search on
 * f32(f32(f32(e/z) − β)/α) > 0.5) or f32(e/z) by key into probs (per-key β). Rows without keys are skipped.
 */
export function rowSearch(
  hist: usize, maxes: usize, mins: usize, M: i32, bound: i32, table: usize, perTensor: i32, alpha: f64, beta0: f64, thr: usize, probs: usize,
): void {
  const span = 2 * bound + 1;
  for (let m = 0; m < M; m++) {
    const maxDot = load<i32>(maxes + (<usize>m << 2));
    if (maxDot == NO_KEY) { if (perTensor) store<i32>(thr + (<usize>m << 2), 0); continue; }
    const width = maxDot - load<i32>(mins + (<usize>m << 2)); // keys 0 … width
    const h = hist + ((<usize>(m * span + maxDot + bound)) << 2); // count of key = load(h − 4·key)
    const tb = table + ((<usize>(maxDot + bound) * span) << 3);
    let zd: f64 = 0;
    for (let key = 0; key <= width; key++) {
      const c = load<i32>(h - (<usize>key << 2));
      if (c != 0) zd += <f64>c * load<f64>(tb + (<usize>key << 3));
    }
    const z = <f64><f32>zd;
    if (perTensor) {
      let lo = 0, hi = width + 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const p = <f64><f32>(load<f64>(tb + (<usize>mid << 3)) / z);
        if (<f64><f32>(<f64><f32>(p - beta0) / alpha) > 0.5) lo = mid + 1; else hi = mid;
      }
      store<i32>(thr + (<usize>m << 2), maxDot - lo + 1);
    } else {
      const pr = probs + ((<usize>m * span) << 2);
      for (let key = 0; key <= width; key++) {
        if (load<i32>(h - (<usize>key << 2)) > 0) store<f32>(pr + (<usize>key << 2), <f32>(load<f64>(tb + (<usize>key << 3)) / z));
      }
    }
  }
}
