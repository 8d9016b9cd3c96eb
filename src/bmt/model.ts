/**
 * The BMT encoder (docs/forward.md is the contract): parameter layout, initialisation and the tfjs forward pass.
 * A model is a typed config + variant + a flat record of Float32Array parameters; the forward is a pure function.
 */
import type { Rng } from '../common/rng.ts';
import type { BmtConfig, ActBits } from './config.ts';
import { quantizeRows } from '../format/quantize.ts';
import { tf } from './engine.ts';
import { getQuantizer, type ActivationQuantizer, type WeightQuantizer, thresholdAttention, pow2Round, ALPHA_FLOOR } from './quantizers.ts';

type T = tf.Tensor;

/** What is quantized: weights float / ternary (TWN) / binary with 1 or 2 parts (after TWS); activations or not. */
export interface ModelVariant {
  weights: 'float' | 'ternary' | 'binary';
  parts: 1 | 2;
  /** Quantize activations per `config.bits` (false: W-only quantization, or the FP32 teacher). */
  acts: boolean;
  /** Learnable per-channel λ1, λ2 on the two parts (WTWS). */
  wtws: boolean;
}

export const FP32: ModelVariant = { weights: 'float', parts: 1, acts: false, wtws: false };

export type Params = Record<string, Float32Array>;
export interface ParamSpec { name: string; shape: number[] }

export const LINEARS = ['q', 'k', 'v', 'o', 'ffn1', 'ffn2'] as const;
export type LinearName = (typeof LINEARS)[number];

/** Activation sites of one layer: bits field in config, signedness, channel count. */
export const SITES = ['qkvIn', 'qOut', 'kOut', 'vOut', 'probs', 'ctxIn', 'ffnIn', 'ffn2In'] as const;
export type SiteName = (typeof SITES)[number];

export function siteBits(c: BmtConfig, site: SiteName): ActBits {
  return site === 'qOut' || site === 'kOut' || site === 'vOut' ? c.bits.qkvOut : c.bits[site];
}
export const siteSigned = (site: SiteName): boolean => site !== 'probs' && site !== 'ffn2In';
export function siteChannels(c: BmtConfig, site: SiteName): number {
  return site === 'probs' ? 1 : site === 'ffn2In' ? c.ffn : c.hidden;
}

export function linearShape(c: BmtConfig, name: LinearName): [number, number] {
  return name === 'ffn1' ? [c.ffn, c.hidden] : name === 'ffn2' ? [c.hidden, c.ffn] : [c.hidden, c.hidden];
}

/** The float matrices a .bmt file may store as k-bit codes: config key, format name, parameter name. */
export const STORED_MATRICES = [
  { key: 'tokenEmbedding', matrix: 'tokenEmbedding', param: 'emb.tok' },
  { key: 'positionEmbedding', matrix: 'positionEmbedding', param: 'emb.pos' },
  { key: 'pooler', matrix: 'pooler.weight', param: 'pool.w' },
  { key: 'classifier', matrix: 'classifier.weight', param: 'cls.w' },
] as const;

/**
 * The parameters as a quantized variant uses them: each float matrix at its `config.storageBits`, per row, by
 * the format's own quantizer, so training computes on exactly what the file will store. Gradients go to the
 * float copy unchanged (straight-through estimator, Bengio et al. 2013). The FP32 variant is returned as is.
 */
export function storedParams(c: BmtConfig, v: ModelVariant, params: Params): Params {
  if (v.weights === 'float') return params;
  let out = params;
  for (const { key, param } of STORED_MATRICES) {
    const bits = c.storageBits[key];
    if (bits === 32) continue;
    if (out === params) out = { ...params };
    out[param] = quantizeRows(params[param], params[param].length / c.hidden, c.hidden, bits).values;
  }
  return out;
}

/** Parameter names and shapes of a variant (weights are out × in, row-major). */
export function paramSpecs(c: BmtConfig, v: ModelVariant, numLabels: number): ParamSpec[] {
  const H = c.hidden;
  const out: ParamSpec[] = [
    { name: 'emb.tok', shape: [c.vocabSize, H] },
    { name: 'emb.pos', shape: [c.seqLen, H] },
    { name: 'emb.ln.g', shape: [H] },
    { name: 'emb.ln.b', shape: [H] },
  ];
  for (let l = 0; l < c.layers; l++) {
    for (const lin of LINEARS) {
      const [o, i] = linearShape(c, lin);
      const p = `L${l}.${lin}`;
      if (v.weights === 'binary' && v.parts === 2) {
        out.push({ name: `${p}.w1`, shape: [o, i] }, { name: `${p}.w2`, shape: [o, i] });
        if (v.wtws) out.push({ name: `${p}.lam1`, shape: [o, 1] }, { name: `${p}.lam2`, shape: [o, 1] });
      } else out.push({ name: `${p}.w`, shape: [o, i] });
      out.push({ name: `${p}.b`, shape: [o] });
    }
    for (const ln of ['ln1', 'ln2']) out.push({ name: `L${l}.${ln}.g`, shape: [H] }, { name: `L${l}.${ln}.b`, shape: [H] });
    if (v.acts)
      for (const s of SITES) {
        const thresholdProbs = s === 'probs' && c.attention === 'threshold';
        if (siteBits(c, s) === 32 && !thresholdProbs) continue;
        out.push({ name: `L${l}.${s}.alpha`, shape: [1] });
        if (siteBits(c, s) === 1 && !thresholdProbs) out.push({ name: `L${l}.${s}.beta`, shape: [siteChannels(c, s)] });
      }
    if (v.acts && c.attention === 'threshold') out.push({ name: `L${l}.probs.tau`, shape: [1] });
  }
  out.push({ name: 'pool.w', shape: [H, H] }, { name: 'pool.b', shape: [H] });
  out.push({ name: 'cls.w', shape: [numLabels, H] }, { name: 'cls.b', shape: [numLabels] });
  return out;
}

export const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Fresh parameters: N(0, 0.02) weights (BERT), zero biases, unit LayerNorm gains, λ = 1, τ = 0. */
export function initParams(c: BmtConfig, v: ModelVariant, numLabels: number, rng: Rng): Params {
  const p: Params = {};
  for (const s of paramSpecs(c, v, numLabels)) {
    const a = new Float32Array(sizeOf(s.shape));
    const last = s.name.slice(s.name.lastIndexOf('.') + 1);
    if (last === 'g' || last === 'lam1' || last === 'lam2' || last === 'alpha') a.fill(1);
    else if (s.name.startsWith('emb.tok') || s.name.startsWith('emb.pos') || /^w[12]?$/.test(last))
      for (let i = 0; i < a.length; i++) a[i] = 0.02 * rng.normal();
    p[s.name] = a;
  }
  return p;
}

/** Input of one batch: token ids and mask (B × T), row-major. */
export interface Batch {
  ids: Int32Array;
  mask: Uint8Array;
  size: number;
}

/** Token embedding lookup in plain TS (the wasm backend has no gather gradient): (B, T, H). */
export function embedTokens(tok: Float32Array, hidden: number, ids: Int32Array): Float32Array {
  const out = new Float32Array(ids.length * hidden);
  for (let i = 0; i < ids.length; i++) out.set(tok.subarray(ids[i] * hidden, (ids[i] + 1) * hidden), i * hidden);
  return out;
}

/** Scatter-add the gradient of the embedded tokens back into the embedding table (exact gather gradient). */
export function scatterAddEmbeddingGrad(dEmb: Float32Array, ids: Int32Array, hidden: number, dTok: Float32Array): void {
  for (let i = 0; i < ids.length; i++) {
    const o = ids[i] * hidden, s = i * hidden;
    for (let j = 0; j < hidden; j++) dTok[o + j] += dEmb[s + j];
  }
}

export interface ForwardOut {
  logits: T;
  /** Embedding output then each layer's output, (B, T, H). */
  hiddens: T[];
}

/** Hook used once per stage: given a site's mean|x| on the first batch, returns the initial scale. */
export type Calibrate = (param: string, meanAbs: number, q: ActivationQuantizer) => number;

export interface ForwardCtx {
  config: BmtConfig;
  variant: ModelVariant;
  /** Parameter tensors by name; `emb.tok` is not used (the embedded batch `emb` is given instead). */
  p: Record<string, T>;
  calibrate?: Calibrate;
  /** Soft errors for the robustness evaluation: random bit flips in binary weights and binary activations. */
  noise?: BitFlipNoise;
  /** Training only: inverted dropout at this rate, masks drawn from `rng`. */
  dropout?: { rate: number; rng: Rng };
}

/**
 * Bit flips at deployment (SYSTEM.md §1 robustness): each stored weight sign flips with probability `weightRate`
 * (drawn once per linear and kept, as a corrupted memory would), each binary activation with `actRate` (fresh
 * per value). Seeded.
 */
export interface BitFlipNoise {
  weightRate: number;
  actRate: number;
  rng: Rng;
  /** Flip masks already drawn for weights, by parameter name. */
  weightMasks: Map<string, Float32Array>;
}

/** Inverted dropout (Srivastava et al. 2014): 0 with probability `rate`, else 1 / (1 − rate). */
export function dropoutMask(n: number, rate: number, rng: Rng): Float32Array {
  const m = new Float32Array(n), keep = 1 / (1 - rate);
  for (let i = 0; i < n; i++) m[i] = rng.next() < rate ? 0 : keep;
  return m;
}

/** ±1 mask with P(−1) = rate. */
function flipMask(n: number, rate: number, rng: Rng): Float32Array {
  const m = new Float32Array(n).fill(1);
  if (rate > 0) for (let i = 0; i < n; i++) if (rng.next() < rate) m[i] = -1;
  return m;
}

function flipWeight(ctx: ForwardCtx, name: string, b: T): T {
  const nz = ctx.noise;
  if (!nz || nz.weightRate === 0) return b;
  let m = nz.weightMasks.get(name);
  if (!m) nz.weightMasks.set(name, (m = flipMask(b.size, nz.weightRate, nz.rng)));
  return tf.mul(b, tf.tensor(m, b.shape));
}

function layerNorm(x: T, g: T, b: T): T {
  // LayerNorm (Ba et al. 2016), eps 1e-5, over the last axis
  const mean = tf.mean(x, -1, true);
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.square(xc), -1, true);
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, 1e-5))), g), b);
}

/** Weight quantizers of a variant, built once per (config, variant). */
export interface Quantizers {
  weight: WeightQuantizer | null;
  part: WeightQuantizer | null;
  act: Partial<Record<SiteName, ActivationQuantizer>>;
}

export function buildQuantizers(c: BmtConfig, v: ModelVariant): Quantizers {
  const perChannel = c.weightScale === 'per-channel', pow2 = c.pow2Scales;
  const w = v.weights === 'ternary' ? getQuantizer({ name: 'twn', perChannel, pow2 })
    : v.weights === 'binary' && v.parts === 1 ? getQuantizer({ name: 'bwn', perChannel, centered: true, pow2 })
    : null;
  // Split parts use the uncentered BWN of BinaryBERT, so that bin(w1) + bin(w2) = ternary(w) exactly [ours, docs/bmt.md].
  const part = v.weights === 'binary' && v.parts === 2 ? getQuantizer({ name: 'bwn', perChannel, centered: false, pow2 }) : null;
  const act: Quantizers['act'] = {};
  if (v.acts)
    for (const s of SITES) {
      const bits = siteBits(c, s);
      if (bits === 32 || (s === 'probs' && c.attention === 'threshold')) continue;
      act[s] = getQuantizer(bits === 1 ? { name: siteSigned(s) ? 'elastic-signed' : 'elastic-unsigned', pow2 } : { name: 'lsq', bits, signed: siteSigned(s) }) as ActivationQuantizer;
    }
  return { weight: w as WeightQuantizer | null, part: part as WeightQuantizer | null, act };
}

const cache = new WeakMap<BmtConfig, Map<string, Quantizers>>();
function quantizersFor(c: BmtConfig, v: ModelVariant): Quantizers {
  let m = cache.get(c);
  if (!m) cache.set(c, (m = new Map()));
  const key = JSON.stringify(v);
  let q = m.get(key);
  if (!q) m.set(key, (q = buildQuantizers(c, v)));
  return q;
}

const thresholdAttn = thresholdAttention();

/** The effective (quantized) weight of a linear, out × in. */
export function effectiveWeight(ctx: ForwardCtx, prefix: string): T {
  const { p } = ctx;
  const q = quantizersFor(ctx.config, ctx.variant);
  if (ctx.variant.weights === 'binary' && ctx.variant.parts === 2) {
    const b1 = flipWeight(ctx, `${prefix}.w1`, q.part!.apply(p[`${prefix}.w1`])), b2 = flipWeight(ctx, `${prefix}.w2`, q.part!.apply(p[`${prefix}.w2`]));
    // WTWS [ours]: λ1·bin(w1) + λ2·bin(w2), λ per output channel
    return ctx.variant.wtws ? tf.add(tf.mul(p[`${prefix}.lam1`], b1), tf.mul(p[`${prefix}.lam2`], b2)) : tf.add(b1, b2);
  }
  if (ctx.variant.weights === 'binary') return flipWeight(ctx, `${prefix}.w`, q.weight!.apply(p[`${prefix}.w`]));
  return q.weight ? q.weight.apply(p[`${prefix}.w`]) : p[`${prefix}.w`];
}

/**
 * x · w for 2-D x (N, K) and w (K, M), with the gradient written as plain matMuls on explicit transposes:
 * tfjs-wasm's transposed-operand matMul path is 5–10× slower than its plain one (measured, docs/bmt.md).
 */
const matMulPlain = tf.customGrad(((a: T, b: T, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: T, saved: T[]) => [tf.matMul(dy, tf.transpose(saved[1])), tf.matMul(tf.transpose(saved[0]), dy)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: T, b: T) => T;

function linear(ctx: ForwardCtx, x: T, prefix: string): T {
  const [B, Tn, I] = x.shape;
  const w = effectiveWeight(ctx, prefix); // (out, in)
  const y = matMulPlain(tf.reshape(x, [B * Tn, I]), tf.transpose(w)); // (B·T, out)
  return tf.reshape(tf.add(y, ctx.p[`${prefix}.b`]), [B, Tn, w.shape[0]]);
}

/** Apply a site's quantizer (identity when the site is full precision or the variant keeps float activations). */
function site(ctx: ForwardCtx, x: T, layer: number, s: SiteName): T {
  const q = quantizersFor(ctx.config, ctx.variant).act[s];
  if (!q) return x;
  const name = `L${layer}.${s}`;
  let alpha = ctx.p[`${name}.alpha`];
  if (ctx.calibrate) {
    const m = tf.tidy(() => tf.mean(tf.abs(x)).dataSync()[0]);
    alpha = tf.scalar(ctx.calibrate(`${name}.alpha`, m, q)).reshape([1]);
  }
  if (q.config.name === 'lsq') return q.apply(x, alpha);
  const y = q.apply(x, alpha, ctx.p[`${name}.beta`]);
  const nz = ctx.noise;
  if (!nz || nz.actRate === 0) return y;
  const flip = tf.tensor(flipMask(y.size, nz.actRate, nz.rng), y.shape);
  // signed {−α, +α}: negate; unsigned {0, α}: α − y
  if (q.config.name === 'elastic-signed') return tf.mul(y, flip);
  const a = tf.maximum(alpha, ALPHA_FLOOR);
  return tf.where(tf.less(flip, 0), tf.sub(ctx.config.pow2Scales ? pow2Round(a) : a, y), y);
}

/** Forward pass (docs/forward.md). `emb` = tok[ids], (B, T, H); `mask` (B, T) of 0/1 floats. */
export function forward(ctx: ForwardCtx, emb: T, mask: T): ForwardOut {
  const c = ctx.config, p = ctx.p;
  const [B, Tn, H] = emb.shape;
  const A = c.heads, d = H / A;
  // Dropout at BERT's hidden sites (not its attention probabilities: T² masks per head cost more than they are worth here)
  const drop = (x: T): T => (ctx.dropout && ctx.dropout.rate > 0 ? tf.mul(x, tf.tensor(dropoutMask(x.size, ctx.dropout.rate, ctx.dropout.rng), x.shape)) : x);
  let h = drop(layerNorm(tf.add(emb, p['emb.pos']), p['emb.ln.g'], p['emb.ln.b'])); // (B, T, H)
  const hiddens = [h];
  const keyMask = tf.reshape(mask, [B, 1, 1, Tn]);
  const maskBias = tf.mul(tf.sub(1, keyMask), -1e9); // (B, 1, 1, T)
  const heads = (x: T) => tf.transpose(tf.reshape(x, [B, Tn, A, d]), [0, 2, 1, 3]); // (B, A, T, d)
  for (let l = 0; l < c.layers; l++) {
    const L = `L${l}`;
    const u = site(ctx, h, l, 'qkvIn');
    const q = site(ctx, linear(ctx, u, `${L}.q`), l, 'qOut');
    const k = site(ctx, linear(ctx, u, `${L}.k`), l, 'kOut');
    const v = site(ctx, linear(ctx, u, `${L}.v`), l, 'vOut');
    const S = tf.div(tf.matMul(heads(q), heads(k), false, true), Math.sqrt(d)); // (B, A, T, T)
    let P: T;
    if (c.attention === 'threshold' && ctx.variant.acts) {
      // Softmax-free (BiBERT-style): α_p·1{S > τ}, masked keys 0
      P = tf.mul(thresholdAttn(S, p[`${L}.probs.alpha`], p[`${L}.probs.tau`]), keyMask);
    } else {
      const logits = c.attention === 'shift-softmax' ? tf.mul(S, Math.LN2) : S; // 2^S / Σ 2^S = softmax(S·ln 2)
      P = site(ctx, tf.softmax(tf.add(logits, maskBias)), l, 'probs');
    }
    const C = tf.reshape(tf.transpose(tf.matMul(P, heads(v)), [0, 2, 1, 3]), [B, Tn, H]); // (B, T, H)
    h = layerNorm(tf.add(h, drop(linear(ctx, site(ctx, C, l, 'ctxIn'), `${L}.o`))), p[`${L}.ln1.g`], p[`${L}.ln1.b`]);
    const f = linear(ctx, site(ctx, h, l, 'ffnIn'), `${L}.ffn1`);
    const r = c.activation === 'relu' ? tf.relu(f) : gelu(f);
    h = layerNorm(tf.add(h, drop(linear(ctx, site(ctx, r, l, 'ffn2In'), `${L}.ffn2`))), p[`${L}.ln2.g`], p[`${L}.ln2.b`]);
    hiddens.push(h);
  }
  const cls = tf.reshape(tf.slice(h, [0, 0, 0], [B, 1, H]), [B, H]);
  const pooled = tf.tanh(tf.add(matMulPlain(cls, tf.transpose(p['pool.w'])), p['pool.b']));
  const logits = tf.add(matMulPlain(drop(pooled), tf.transpose(p['cls.w'])), p['cls.b']);
  return { logits, hiddens };
}

/** GELU, tanh approximation (Hendrycks & Gimpel 2016). */
function gelu(x: T): T {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}

/** The forward-pass value of an elastic scale as the model uses it (floor, optional power of two). */
export function effectiveAlpha(alpha: number, pow2: boolean): number {
  const a = Math.max(alpha, ALPHA_FLOOR);
  return pow2 ? tf.tidy(() => pow2Round(tf.scalar(a)).dataSync()[0]) : a;
}
