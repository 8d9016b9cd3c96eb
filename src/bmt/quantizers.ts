/**
 * Quantizers (docs/bmt.md §Quantizers; formulas from ../shared/spec/SYSTEM.md §1).
 * Each is one small function computing the forward value together with its pseudo-gradient (tf.customGrad),
 * registered by name and resolved by `getQuantizer()`. Plain float64 twins live in quantizers-ref.ts and the
 * tests compare the two on random inputs.
 */
import { z } from 'zod';
import { fail } from '../common/errors.ts';
import { tf } from './engine.ts';

type T = tf.Tensor;

/** tf.customGrad with typed positional inputs (tfjs types its callback as variadic). */
function customGrad<F extends (...args: T[]) => T>(fn: (...args: never[]) => { value: T; gradFunc: (dy: T, saved: T[]) => T | T[] }): F {
  return tf.customGrad(fn as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as F;
}

/** Floor of elastic scales (BiT): α never goes below this in the forward pass. */
export const ALPHA_FLOOR = 1e-5;

/** sign with sign(0) = +1 (Larq `math.sign`): 2·1{x ≥ 0} − 1. */
export function signPlus(x: T): T {
  return tf.tidy(() => tf.sub(tf.mul(tf.cast(tf.greaterEqual(x, 0), 'float32'), 2), 1));
}

/** Nearest power of two, 2^round(log2 m) (power-of-two scales: a shift in hardware). */
export function pow2Round(m: T): T {
  return tf.tidy(() => tf.pow(2, tf.round(tf.div(tf.log(m), Math.LN2))));
}

/** Sum `g` down to `shape` (the shape of a per-channel β: [C] over the last axis, or [1]). */
function sumToShape(g: T, shape: number[]): T {
  if (shape.length === 1 && shape[0] === 1) return tf.reshape(tf.sum(g), [1]);
  const axes = Array.from({ length: g.rank - 1 }, (_, i) => i);
  return tf.sum(g, axes);
}

// ---------------------------------------------------------------------------------------------- weights

/** Scale-group statistics: per tensor (scalar) or per output channel (rows of an out × in matrix). */
function groupMean(x: T, perChannel: boolean): T {
  return perChannel ? tf.mean(x, 1, true) : tf.mean(x);
}

/** BWN (Rastegari et al. 2016; BiT): Ŵ = m·sign(W − mean W), m = mean|W|; identity STE. */
export function bwnForward(w: T, perChannel: boolean, centered: boolean, pow2: boolean): T {
  return tf.tidy(() => {
    let m = groupMean(tf.abs(w), perChannel);
    if (pow2) m = pow2Round(m);
    const s = signPlus(centered ? tf.sub(w, groupMean(w, perChannel)) : w);
    return tf.mul(m, s);
  });
}

/** TWN (Li et al. 2016): Δ = 0.7·mean|W|, Ŵ = α·sign(W)·1{|W| > Δ}, α = mean of |W| over |W| > Δ. */
export function twnForward(w: T, perChannel: boolean, pow2: boolean): T {
  return tf.tidy(() => {
    const a = tf.abs(w);
    const delta = tf.mul(groupMean(a, perChannel), 0.7);
    const keep = tf.cast(tf.greater(a, delta), 'float32');
    const sumKeep = perChannel ? tf.sum(tf.mul(a, keep), 1, true) : tf.sum(tf.mul(a, keep));
    const cnt = perChannel ? tf.sum(keep, 1, true) : tf.sum(keep);
    let alpha = tf.div(sumKeep, tf.maximum(cnt, 1));
    if (pow2) alpha = pow2Round(tf.maximum(alpha, ALPHA_FLOOR));
    return tf.mul(tf.mul(alpha, tf.sign(w)), keep);
  });
}

/** Wrap a weight quantizer with the identity straight-through estimator: ∂Ŵ/∂W = 1. */
function withIdentitySte(fwd: (w: T) => T): (w: T) => T {
  return customGrad<(w: T) => T>((w: T) => ({ value: fwd(w), gradFunc: (dy: T) => dy }));
}

// ------------------------------------------------------------------------------------------ activations

/**
 * Signed elastic binarization (BiT, Liu et al. 2022): y = α·sign(x − β);
 * ∂y/∂x = 1{|x'/α| ≤ 1}; ∂L/∂α = Σ sign(x')·g / √N; ∂L/∂β = −Σ ∂L/∂x (over all but the channel axis).
 */
export function elasticSigned(pow2: boolean): (x: T, alpha: T, beta: T) => T {
  return customGrad<(x: T, alpha: T, beta: T) => T>((x: T, alpha: T, beta: T, save: tf.GradSaveFunc) => {
    const a = pow2 ? pow2Round(tf.maximum(alpha, ALPHA_FLOOR)) : tf.maximum(alpha, ALPHA_FLOOR);
    const xs = tf.sub(x, beta);
    const s = signPlus(xs);
    save([xs, a]);
    return {
      value: tf.mul(a, s),
      gradFunc: (dy: T, saved: T[]) => {
        const [xs_, a_] = saved;
        const inRange = tf.cast(tf.lessEqual(tf.abs(tf.div(xs_, a_)), 1), 'float32');
        const dx = tf.mul(dy, inRange);
        const dAlpha = tf.reshape(tf.div(tf.sum(tf.mul(signPlus(xs_), dy)), Math.sqrt(xs_.size)), alpha.shape);
        const dBeta = tf.neg(sumToShape(dx, beta.shape));
        return [dx, dAlpha, dBeta];
      },
    };
  });
}

/**
 * Unsigned elastic binarization (BiT): y = α·clamp(round(x'/α), 0, 1), x' = x − β (round half to even);
 * ∂y/∂x = 1{0 ≤ x'/α ≤ 1}; ∂L/∂α = Σ[1{x'/α > 1} + 1{0 ≤ x'/α ≤ 1}·(round(x'/α) − x'/α)]·g / √N.
 */
export function elasticUnsigned(pow2: boolean): (x: T, alpha: T, beta: T) => T {
  return customGrad<(x: T, alpha: T, beta: T) => T>((x: T, alpha: T, beta: T, save: tf.GradSaveFunc) => {
    const a = pow2 ? pow2Round(tf.maximum(alpha, ALPHA_FLOOR)) : tf.maximum(alpha, ALPHA_FLOOR);
    const xs = tf.sub(x, beta);
    const v = tf.div(xs, a);
    save([v]);
    return {
      value: tf.mul(a, tf.clipByValue(tf.round(v), 0, 1)),
      gradFunc: (dy: T, saved: T[]) => {
        const [v_] = saved;
        const inRange = tf.cast(tf.logicalAnd(tf.greaterEqual(v_, 0), tf.lessEqual(v_, 1)), 'float32');
        const above = tf.cast(tf.greater(v_, 1), 'float32');
        const dx = tf.mul(dy, inRange);
        const dv = tf.add(above, tf.mul(inRange, tf.sub(tf.round(v_), v_)));
        const dAlpha = tf.reshape(tf.div(tf.sum(tf.mul(dv, dy)), Math.sqrt(v_.size)), alpha.shape);
        const dBeta = tf.neg(sumToShape(dx, beta.shape));
        return [dx, dAlpha, dBeta];
      },
    };
  });
}

/** LSQ integer range: [−2^(k−1), 2^(k−1)−1] signed, [0, 2^k − 1] unsigned (Esser et al. 2020). */
export function lsqRange(bits: number, signed: boolean): [number, number] {
  return signed ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
}

/**
 * LSQ k-bit (Esser et al. 2020): y = s·clamp(round(x/s), lo, hi);
 * ∂y/∂x = 1{lo ≤ x/s ≤ hi}; ∂y/∂s = round(x/s) − x/s inside, lo below, hi above; ∂L/∂s scaled by 1/√(N·hi).
 */
export function lsq(bits: number, signed: boolean): (x: T, step: T) => T {
  const [lo, hi] = lsqRange(bits, signed);
  return customGrad<(x: T, step: T) => T>((x: T, step: T, save: tf.GradSaveFunc) => {
    const s = tf.maximum(step, ALPHA_FLOOR);
    const v = tf.div(x, s);
    save([v]);
    return {
      value: tf.mul(s, tf.clipByValue(tf.round(v), lo, hi)),
      gradFunc: (dy: T, saved: T[]) => {
        const [v_] = saved;
        const below = tf.cast(tf.less(v_, lo), 'float32');
        const above = tf.cast(tf.greater(v_, hi), 'float32');
        const inside = tf.sub(1, tf.add(below, above));
        const dx = tf.mul(dy, inside);
        const ds = tf.add(tf.add(tf.mul(below, lo), tf.mul(above, hi)), tf.mul(inside, tf.sub(tf.round(v_), v_)));
        const dStep = tf.reshape(tf.div(tf.sum(tf.mul(ds, dy)), Math.sqrt(v_.size * hi)), step.shape);
        return [dx, dStep];
      },
    };
  });
}

/**
 * Softmax-free thresholded attention (BiBERT-style Bi-Attention; gradient ours): y = α·1{S > τ};
 * ∂y/∂S = 1{|S − τ| ≤ 1}; ∂L/∂τ = −Σ ∂L/∂S; ∂L/∂α = Σ 1{S > τ}·g / √N.
 */
export function thresholdAttention(): (s: T, alpha: T, tau: T) => T {
  return customGrad<(s: T, alpha: T, tau: T) => T>((s: T, alpha: T, tau: T, save: tf.GradSaveFunc) => {
    const a = tf.maximum(alpha, ALPHA_FLOOR);
    const d = tf.sub(s, tau);
    const on = tf.cast(tf.greater(d, 0), 'float32');
    save([d, on]);
    return {
      value: tf.mul(a, on),
      gradFunc: (dy: T, saved: T[]) => {
        const [d_, on_] = saved;
        const dS = tf.mul(dy, tf.cast(tf.lessEqual(tf.abs(d_), 1), 'float32'));
        const dAlpha = tf.reshape(tf.div(tf.sum(tf.mul(on_, dy)), Math.sqrt(d_.size)), alpha.shape);
        const dTau = tf.reshape(tf.neg(tf.sum(dS)), tau.shape);
        return [dS, dAlpha, dTau];
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------- registry

export const QuantizerConfigSchema = z.discriminatedUnion('name', [
  z.object({ name: z.literal('bwn'), perChannel: z.boolean().default(false), centered: z.boolean().default(true), pow2: z.boolean().default(false) }),
  z.object({ name: z.literal('twn'), perChannel: z.boolean().default(false), pow2: z.boolean().default(false) }),
  z.object({ name: z.literal('elastic-signed'), pow2: z.boolean().default(false) }),
  z.object({ name: z.literal('elastic-unsigned'), pow2: z.boolean().default(false) }),
  z.object({ name: z.literal('lsq'), bits: z.union([z.literal(2), z.literal(4), z.literal(8)]), signed: z.boolean() }),
]);
export type QuantizerConfig = z.infer<typeof QuantizerConfigSchema>;

export interface WeightQuantizer {
  kind: 'weight';
  config: QuantizerConfig;
  /** Quantized weight with the identity STE. */
  apply(w: T): T;
}
export interface ActivationQuantizer {
  kind: 'activation';
  config: QuantizerConfig;
  /** Quantized activation; `params` are [α, β] for elastic sites, [step] for LSQ. */
  apply(x: T, ...params: T[]): T;
  /** Initial value of the scale from a first batch (β = 0): 2·mean|x| signed, 4·mean|x| unsigned, LSQ 2·mean|x|/√hi. */
  initScale(meanAbs: number): number;
}
export type Quantizer = WeightQuantizer | ActivationQuantizer;

const registry: Record<QuantizerConfig['name'], (c: QuantizerConfig) => Quantizer> = {
  bwn: (c) => {
    const { perChannel, centered, pow2 } = c as Extract<QuantizerConfig, { name: 'bwn' }>;
    return { kind: 'weight', config: c, apply: withIdentitySte((w) => bwnForward(w, perChannel, centered, pow2)) };
  },
  twn: (c) => {
    const { perChannel, pow2 } = c as Extract<QuantizerConfig, { name: 'twn' }>;
    return { kind: 'weight', config: c, apply: withIdentitySte((w) => twnForward(w, perChannel, pow2)) };
  },
  'elastic-signed': (c) => {
    const f = elasticSigned((c as { pow2: boolean }).pow2);
    return { kind: 'activation', config: c, apply: (x, a, b) => f(x, a, b), initScale: (m) => 2 * m };
  },
  'elastic-unsigned': (c) => {
    const f = elasticUnsigned((c as { pow2: boolean }).pow2);
    return { kind: 'activation', config: c, apply: (x, a, b) => f(x, a, b), initScale: (m) => 4 * m };
  },
  lsq: (c) => {
    const { bits, signed } = c as Extract<QuantizerConfig, { name: 'lsq' }>;
    const f = lsq(bits, signed);
    const hi = lsqRange(bits, signed)[1];
    return { kind: 'activation', config: c, apply: (x, s) => f(x, s), initScale: (m) => (2 * m) / Math.sqrt(hi) };
  },
};

/** Resolve a quantizer from a registered name, a config object, or a quantizer (returned as is). */
export function getQuantizer(id: string | QuantizerConfig | Quantizer): Quantizer {
  if (typeof id === 'object' && id !== null && 'kind' in id && typeof (id as Quantizer).apply === 'function') return id as Quantizer;
  const raw = typeof id === 'string' ? { name: id } : id;
  const parsed = QuantizerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const names = Object.keys(registry).join(', ');
    fail('quantizer_unknown', `could not interpret quantizer identifier ${JSON.stringify(raw)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
      expected: `one of ${names} (with its options)`,
      received: JSON.stringify(raw),
    });
  }
  return registry[parsed.data.name](parsed.data);
}
