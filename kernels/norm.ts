// Residual add + LayerNorm (+ the next signed site's bits) over rows in place, in f64 with f32 rounding at
// exactly the points of the TypeScript twin src/runtime/float.ts `addLinearAndNorm` / `normalizeRow`
// (every `Math.fround` there is an `f32` demotion here, same operations in the same order; wasm never
// fuses a multiply-add), so the stored floats and bits are equal bit for bit.
//   residual (dots ≠ 0):  h = f32(h + f32(f32(coef[n]·dot) + bias[n]))
//   LayerNorm:            mean, var from Σx, Σx² in four interleaved f64 partial sums,
//                         y = f32(γ·((x − mean)·inv) + β), inv = 1/√(max(0, E[x²] − mean²) + eps)
//   signs (signs ≠ 0):    bit = y ≥ sβ[c], 32 columns per u32 word, `signWords` words per row

@inline function f(x: f64): f64 {
  return <f64><f32>x;
}

@inline function ldf(p: usize, i: i32): f64 {
  return <f64>load<f32>(p + (<usize>i << 2));
}

export function residualNorm(
  h: usize, rows: i32, n: i32, dots: usize, coef: usize, bias: usize, gamma: usize, beta: usize, eps: f64,
  signBeta: usize, signs: usize, signWords: i32,
): void {
  for (let r = 0; r < rows; r++) {
    const o = h + ((<usize>r * n) << 2);
    if (dots != 0) {
      const d = dots + ((<usize>r * n) << 2);
      for (let c = 0; c < n; c++) {
        const lin = f(f(ldf(coef, c) * <f64>load<i32>(d + (<usize>c << 2))) + ldf(bias, c));
        store<f32>(o + (<usize>c << 2), <f32>(ldf(o, c) + lin));
      }
    }
    let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0, q0: f64 = 0, q1: f64 = 0, q2: f64 = 0, q3: f64 = 0;
    let c = 0;
    for (; c + 3 < n; c += 4) {
      const a = ldf(o, c), b = ldf(o, c + 1), x = ldf(o, c + 2), e = ldf(o, c + 3);
      s0 += a; s1 += b; s2 += x; s3 += e;
      q0 += a * a; q1 += b * b; q2 += x * x; q3 += e * e;
    }
    for (; c < n; c++) { const a = ldf(o, c); s0 += a; q0 += a * a; }
    const mean = (s0 + s1 + (s2 + s3)) / <f64>n;
    const inv = 1 / Math.sqrt(max<f64>(0, (q0 + q1 + (q2 + q3)) / <f64>n - mean * mean) + eps);
    if (signs == 0) {
      for (let k = 0; k < n; k++) store<f32>(o + (<usize>k << 2), <f32>(ldf(gamma, k) * ((ldf(o, k) - mean) * inv) + ldf(beta, k)));
      continue;
    }
    const row = signs + ((<usize>r * signWords) << 2);
    for (let w = 0; w < signWords; w++) {
      let word: u32 = 0;
      const k0 = w << 5;
      const end = min(32, n - k0);
      for (let b = 0; b < end; b++) {
        const k = k0 + b;
        const y = <f32>(ldf(gamma, k) * ((ldf(o, k) - mean) * inv) + ldf(beta, k));
        store<f32>(o + (<usize>k << 2), y);
        word |= <u32>(y >= load<f32>(signBeta + (<usize>k << 2))) << b;
      }
      store<u32>(row + (<usize>w << 2), word);
    }
  }
}
