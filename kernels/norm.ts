// Residual add + LayerNorm (+ the next signed site's bits) over rows in place, bit for bit the values of the
// TypeScript twins src/runtime/float.ts `addLinearAndNorm` / `layerNormRows` (`normalizeRow`):
//   residual (dots ≠ 0):  h = f32(h + f32(f32(coef[n]·dot) + bias[n]))
//   LayerNorm:            mean, var from Σx, Σx² in four interleaved f64 partial sums (s0 … s3 by column
//                         mod 4, the tail into s0), y = f32(γ·((x − mean)·inv) + β) in f64,
//                         inv = 1/√(max(0, E[x²] − mean²) + eps)
//   signs (signs ≠ 0):    bit = y ≥ sβ[c], 32 columns per u32 word, `signWords` words per row
// Vectorised without changing a rounding: the residual is f32x4 (a product or sum of two f32 rounded once to
// f32 equals the f64 one rounded to f32: f64 has more than 2·24 + 2 bits; |dot| < 2^24 converts exactly);
// the sums and the normalisation are f64x2 in the twin's order (wasm never fuses a multiply-add).

@inline function ldf(p: usize, i: i32): f64 {
  return <f64>load<f32>(p + (<usize>i << 2));
}

/** y = f32(γ·((x − mean)·inv) + β) for columns c … c + 3. */
@inline function normalize4(o: usize, gamma: usize, beta: usize, c: i32, mean: v128, inv: v128): v128 {
  const off = <usize>c << 2;
  const x = v128.load(o + off), g = v128.load(gamma + off), b = v128.load(beta + off);
  const lo = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(g), f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(x), mean), inv)), f64x2.promote_low_f32x4(b));
  const xh = v128.shuffle<f32>(x, x, 2, 3, 0, 1), gh = v128.shuffle<f32>(g, g, 2, 3, 0, 1), bh = v128.shuffle<f32>(b, b, 2, 3, 0, 1);
  const hi = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(gh), f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(xh), mean), inv)), f64x2.promote_low_f32x4(bh));
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

export function residualNorm(
  h: usize, rows: i32, n: i32, dots: usize, coef: usize, bias: usize, gamma: usize, beta: usize, eps: f64,
  signBeta: usize, signs: usize, signWords: i32,
): void {
  if (signs != 0) memory.fill(signs, 0, (<usize>rows * signWords) << 2);
  const n4 = n & ~3;
  for (let r = 0; r < rows; r++) {
    const o = h + ((<usize>r * n) << 2);
    if (dots != 0) {
      const d = dots + ((<usize>r * n) << 2);
      let c = 0;
      for (; c < n4; c += 4) {
        const off = <usize>c << 2;
        const lin = f32x4.add(f32x4.mul(v128.load(coef + off), f32x4.convert_i32x4_s(v128.load(d + off))), v128.load(bias + off));
        v128.store(o + off, f32x4.add(v128.load(o + off), lin));
      }
      for (; c < n; c++) {
        const lin = <f64><f32>(<f64><f32>(ldf(coef, c) * <f64>load<i32>(d + (<usize>c << 2))) + ldf(bias, c));
        store<f32>(o + (<usize>c << 2), <f32>(ldf(o, c) + lin));
      }
    }
    let s01 = f64x2.splat(0), s23 = f64x2.splat(0), q01 = f64x2.splat(0), q23 = f64x2.splat(0);
    let c = 0;
    for (; c < n4; c += 4) {
      const x = v128.load(o + (<usize>c << 2));
      const lo = f64x2.promote_low_f32x4(x), hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
      s01 = f64x2.add(s01, lo); s23 = f64x2.add(s23, hi);
      q01 = f64x2.add(q01, f64x2.mul(lo, lo)); q23 = f64x2.add(q23, f64x2.mul(hi, hi));
    }
    let s0 = f64x2.extract_lane(s01, 0), q0 = f64x2.extract_lane(q01, 0);
    for (; c < n; c++) { const a = ldf(o, c); s0 += a; q0 += a * a; }
    const mean = (s0 + f64x2.extract_lane(s01, 1) + (f64x2.extract_lane(s23, 0) + f64x2.extract_lane(s23, 1))) / <f64>n;
    const sq = q0 + f64x2.extract_lane(q01, 1) + (f64x2.extract_lane(q23, 0) + f64x2.extract_lane(q23, 1));
    const inv = 1 / Math.sqrt(max<f64>(0, sq / <f64>n - mean * mean) + eps);
    const meanV = f64x2.splat(mean), invV = f64x2.splat(inv);
    const row = signs + ((<usize>r * signWords) << 2);
    for (c = 0; c < n4; c += 4) {
      const y = normalize4(o, gamma, beta, c, meanV, invV);
      v128.store(o + (<usize>c << 2), y);
      if (signs != 0) {
        const bits = <u32>i32x4.bitmask(f32x4.ge(y, v128.load(signBeta + (<usize>c << 2))));
        const p = row + (<usize>(c >>> 5) << 2);
        store<u32>(p, load<u32>(p) | (bits << (c & 31)));
      }
    }
    for (; c < n; c++) {
      const y = <f32>(ldf(gamma, c) * ((ldf(o, c) - mean) * inv) + ldf(beta, c));
      store<f32>(o + (<usize>c << 2), y);
      if (signs != 0 && y >= load<f32>(signBeta + (<usize>c << 2))) {
        const p = row + (<usize>(c >>> 5) << 2);
        store<u32>(p, load<u32>(p) | (<u32>1 << (c & 31)));
      }
    }
  }
}

/** h[t, c] = f32(tok[ids[t], c] + pos[t, c]) for t < T (float.ts `embeddingSum`), four columns at a time. */
export function embedSum(tok: usize, pos: usize, ids: usize, T: i32, H: i32, h: usize): void {
  const H4 = H & ~3;
  for (let t = 0; t < T; t++) {
    const src = tok + ((<usize>load<i32>(ids + (<usize>t << 2)) * H) << 2);
    const p = pos + ((<usize>t * H) << 2), o = h + ((<usize>t * H) << 2);
    let c = 0;
    for (; c < H4; c += 4) v128.store(o + (<usize>c << 2), f32x4.add(v128.load(src + (<usize>c << 2)), v128.load(p + (<usize>c << 2))));
    for (; c < H; c++) store<f32>(o + (<usize>c << 2), load<f32>(src + (<usize>c << 2)) + load<f32>(p + (<usize>c << 2)));
  }
}
