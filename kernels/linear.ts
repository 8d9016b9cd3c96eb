// A binary linear's float output from the integer dots of its one or two weight parts, bit for bit the values
// of the TypeScript twin src/runtime/float.ts `linearFromDots` (then `activateInPlace` ReLU, then the residual
// add of `layerNormRows`), in the twin's order and roundings (f64 operations rounded to f32 where it stores):
//   one part:   y = f32(f32(c0[n]·d0) + b[n])
//   two parts:  y = f32(f32(f32(c0[n]·d0) + c1[n]·d1) + b[n])      (d1 ≠ 0)
//   ReLU:       y = y > 0 ? y : 0                                  (relu ≠ 0)
//   residual:   out = f32(out + y), else out = y                   (residual ≠ 0)
// c_p = f32(scale_p·q_in), one per output channel; dots row-major M × N (i32), out M × N (f32).
// Vectorised four columns at a time without changing a rounding: a product or sum of two f32 rounded once to
// f32 equals the f64 one rounded to f32 (f64 has more than 2·24 + 2 bits), and |dot| < 2^24 converts exactly,
// so c0·d0, + b and the residual add are f32x4; f32(c0·d0) + c1·d1 is not such an operation (c1·d1 is not
// rounded to f32 first) and stays f64x2, as the twin computes it.

/** f32(t + c1·d1) per lane, in f64 (t: f32x4, c1: f32x4, d1: i32x4). */
@inline function addPart(t: v128, c1: v128, d1: v128): v128 {
  const lo = f64x2.add(f64x2.promote_low_f32x4(t), f64x2.mul(f64x2.promote_low_f32x4(c1), f64x2.convert_low_i32x4_s(d1)));
  const th = v128.shuffle<f32>(t, t, 2, 3, 0, 1), ch = v128.shuffle<f32>(c1, c1, 2, 3, 0, 1), dh = v128.shuffle<i32>(d1, d1, 2, 3, 0, 1);
  const hi = f64x2.add(f64x2.promote_low_f32x4(th), f64x2.mul(f64x2.promote_low_f32x4(ch), f64x2.convert_low_i32x4_s(dh)));
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

export function combineParts(d0: usize, c0: usize, d1: usize, c1: usize, bias: usize, M: i32, N: i32, relu: i32, out: usize, residual: i32): void {
  const N4 = N & ~3, zero = f32x4.splat(0);
  for (let m = 0; m < M; m++) {
    const o = <usize>m * N;
    let n = 0;
    for (; n < N4; n += 4) {
      const c = <usize>n << 2, j = (o + n) << 2;
      let y = f32x4.mul(v128.load(c0 + c), f32x4.convert_i32x4_s(v128.load(d0 + j)));
      if (d1 != 0) y = addPart(y, v128.load(c1 + c), v128.load(d1 + j));
      y = f32x4.add(y, v128.load(bias + c));
      if (relu != 0) y = v128.bitselect(y, zero, f32x4.gt(y, zero));
      if (residual != 0) y = f32x4.add(v128.load(out + j), y);
      v128.store(out + j, y);
    }
    for (; n < N; n++) {
      const c = <usize>n << 2, j = (o + n) << 2;
      let y = <f64><f32>(<f64>load<f32>(c0 + c) * <f64>load<i32>(d0 + j));
      if (d1 != 0) y = <f64><f32>(y + <f64>load<f32>(c1 + c) * <f64>load<i32>(d1 + j));
      y = <f64><f32>(y + <f64>load<f32>(bias + c));
      if (relu != 0 && !(y > 0)) y = 0;
      store<f32>(out + j, residual != 0 ? <f32>(<f64>load<f32>(out + j) + y) : <f32>y);
    }
  }
}
