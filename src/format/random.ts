/**
 * Seeded random models for tests and benchmarks of every stage (format, runtime, BAT): valid by
 * construction (they pass validateDeployModel), with non-trivial values everywhere (no zeros).
 */
import { createRng, type Rng } from '../common/rng.ts';
import type {
  ActSite,
  AttentionVariant,
  BinaryLinear,
  DenseParams,
  DeployLayer,
  DeployModel,
  EncoderShape,
  FloatLayer,
  FloatModel,
  FoldedThreshold,
  LayerNormParams,
  PackedBits,
} from './model.ts';
import { wordsPerRowFor } from './model.ts';
import { quantizeStorage, type StoragePlan } from './quantize.ts';
import { siteChannels } from './validate.ts';

export interface RandomDeployOptions {
  /** `binary`: every site binarized as in BiT's assignment (docs/forward.md); `mixed`: each site binary, k-bit or float. Default `mixed`. */
  sites?: 'binary' | 'mixed';
  /** Weight parts per linear: 1, 2, or `mixed` (each linear picks). Default `mixed`. */
  parts?: 1 | 2 | 'mixed';
  /** Attention variants to draw from, per layer. Default all three. */
  variants?: AttentionVariant[];
  /** Store folded thresholds on one-part Q/K/V linears that feed a binary-signed site. Default true. */
  thresholds?: boolean;
  /** FFN activation; default `relu`. */
  activation?: 'relu' | 'gelu';
  /** k-bit storage of float matrices (quantizeStorage); default none (all float32). */
  storage?: StoragePlan;
}

/** Small shape for tests: a head size of 8, K not a multiple of 32 in the FFN. */
export const TINY_SHAPE: EncoderShape = { vocabSize: 61, seqLen: 12, hidden: 24, heads: 3, ffn: 40, layers: 2, numLabels: 2 };

function f32(rng: Rng, n: number, mean: number, std: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = mean + std * rng.normal();
  return a;
}

/** Uniform random ±1 matrix, bit-packed, padding bits 0. */
export function randomPackedBits(rng: Rng, rows: number, cols: number): PackedBits {
  const wordsPerRow = wordsPerRowFor(cols);
  const data = new Uint32Array(rows * wordsPerRow);
  for (let r = 0; r < rows; r++) {
    for (let w = 0; w * 32 < cols; w++) {
      const valid = Math.min(32, cols - w * 32);
      const mask = valid === 32 ? 0xffffffff : (1 << valid) - 1;
      data[r * wordsPerRow + w] = (rng.nextU32() & mask) >>> 0;
    }
  }
  return { rows, cols, wordsPerRow, data };
}

function randomSite(rng: Rng, signed: boolean, channels: number, mixed: boolean): ActSite {
  const pick = mixed ? rng.int(4) : 0;
  const alpha = 0.5 + rng.next();
  const beta = f32(rng, rng.int(2) === 0 ? 1 : channels, 0, 0.1);
  if (pick <= 1) return signed ? { kind: 'binary-signed', alpha, beta } : { kind: 'binary-unsigned', alpha, beta };
  if (pick === 2) return { kind: 'kbit', bits: ([2, 4, 8] as const)[rng.int(3)], signed, step: 0.05 + 0.2 * rng.next() };
  return { kind: 'float' };
}

/** The scale of a site's integer codes: α for binary sites, the step for k-bit ones (docs/forward.md). */
function codeScale(s: ActSite): number {
  return s.kind === 'kbit' ? s.step : s.kind === 'float' ? 1 : s.alpha;
}

/**
 * Folded thresholds of a one-part linear feeding Bs(·; α, β): sign(c·dot + b − β) = +1 ⇔ dot ≥ ⌈(β − b)/c⌉
 * for c > 0, ⇔ dot ≤ ⌊(β − b)/c⌋ for c < 0 (docs/forward.md, "Integer form at deployment").
 */
function foldSignThreshold(c: Float32Array, bias: Float32Array, beta: Float32Array): FoldedThreshold {
  const n = c.length;
  const theta = new Int32Array(n);
  const sense = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const t = (beta[beta.length === 1 ? 0 : i] - bias[i]) / c[i];
    sense[i] = c[i] > 0 ? 1 : -1;
    theta[i] = c[i] > 0 ? Math.ceil(t) : Math.floor(t);
  }
  return { theta, sense };
}

function randomLinear(rng: Rng, inF: number, outF: number, parts: 1 | 2): BinaryLinear {
  return {
    inFeatures: inF,
    outFeatures: outF,
    parts: Array.from({ length: parts }, () => ({
      weight: randomPackedBits(rng, outF, inF),
      // Mostly positive per-channel scales around 1/√K; one in ten negative (a learned λ may change sign).
      scale: Float32Array.from({ length: outF }, () => (rng.int(10) === 0 ? -1 : 1) * (0.5 + rng.next()) / Math.sqrt(inF)),
    })),
    bias: f32(rng, outF, 0, 0.1),
  };
}

function randomLn(rng: Rng, n: number): LayerNormParams {
  return { gamma: f32(rng, n, 1, 0.1), beta: f32(rng, n, 0, 0.1), eps: rng.int(2) ? 1e-12 : 1e-5 };
}

function randomDense(rng: Rng, inF: number, outF: number): DenseParams {
  return { inFeatures: inF, outFeatures: outF, weight: f32(rng, inF * outF, 0, 1 / Math.sqrt(inF)), bias: f32(rng, outF, 0, 0.1) };
}

/** A random valid DeployModel of `shape`, reproducible from `seed`. */
export function randomDeployModel(shape: EncoderShape, seed: number | string, options: RandomDeployOptions = {}): DeployModel {
  const rng = createRng(seed);
  const mixed = (options.sites ?? 'mixed') === 'mixed';
  const variants = options.variants ?? ['softmax-binary', 'threshold', 'shift-softmax'];
  const partsOf = (): 1 | 2 => (options.parts === 1 || options.parts === 2 ? options.parts : rng.int(2) === 0 ? 1 : 2);
  const { vocabSize: V, seqLen: T, hidden: H, ffn: F } = shape;
  const ch = siteChannels(shape);
  const layers: DeployLayer[] = Array.from({ length: shape.layers }, () => {
    const qkvIn = randomSite(rng, true, ch.qkvIn, mixed);
    const [q, k, v] = [0, 1, 2].map(() => randomLinear(rng, H, H, partsOf()));
    const [qOut, kOut, vOut] = [ch.qOut, ch.kOut, ch.vOut].map((c) => randomSite(rng, true, c, mixed));
    if (options.thresholds ?? true) {
      for (const [lin, out] of [[q, qOut], [k, kOut], [v, vOut]] as const) {
        if (lin.parts.length === 1 && out.kind === 'binary-signed') {
          const c = lin.parts[0].scale.map((s) => s * codeScale(qkvIn));
          lin.threshold = foldSignThreshold(c, lin.bias, out.beta);
        }
      }
    }
    const variant = variants[rng.int(variants.length)];
    const attention: DeployLayer['attention'] = { variant, probs: randomSite(rng, false, ch.probs, mixed) };
    if (variant === 'threshold') attention.tau = rng.normal() * 0.5;
    return {
      qkvIn,
      q,
      k,
      v,
      qOut,
      kOut,
      vOut,
      attention,
      ctxIn: randomSite(rng, true, ch.ctxIn, mixed),
      o: randomLinear(rng, H, H, partsOf()),
      ln1: randomLn(rng, H),
      ffnIn: randomSite(rng, true, ch.ffnIn, mixed),
      ffn1: randomLinear(rng, H, F, partsOf()),
      activation: options.activation ?? 'relu',
      ffn2In: randomSite(rng, false, ch.ffn2In, mixed),
      ffn2: randomLinear(rng, F, H, partsOf()),
      ln2: randomLn(rng, H),
    };
  });
  const model: DeployModel = {
    shape: { ...shape },
    tokenEmbedding: f32(rng, V * H, 0, 1),
    positionEmbedding: f32(rng, T * H, 0, 0.5),
    lnEmb: randomLn(rng, H),
    layers,
    pooler: randomDense(rng, H, H),
    classifier: randomDense(rng, H, shape.numLabels),
    labels: Array.from({ length: shape.numLabels }, (_, i) => `label${i}`),
    tokenizer: { kind: 'random', vocabSize: V },
    meta: { seed: String(seed), source: 'randomDeployModel' },
  };
  return options.storage ? quantizeStorage(model, options.storage) : model;
}

/** A random FP32 model of `shape` (for the ONNX export and the speed comparison), reproducible from `seed`. */
export function randomFloatModel(shape: EncoderShape, seed: number | string, activation: 'relu' | 'gelu' = 'gelu'): FloatModel {
  const rng = createRng(seed);
  const { vocabSize: V, seqLen: T, hidden: H, ffn: F } = shape;
  const layers: FloatLayer[] = Array.from({ length: shape.layers }, () => ({
    q: randomDense(rng, H, H),
    k: randomDense(rng, H, H),
    v: randomDense(rng, H, H),
    o: randomDense(rng, H, H),
    ln1: randomLn(rng, H),
    ffn1: randomDense(rng, H, F),
    ffn2: randomDense(rng, F, H),
    ln2: randomLn(rng, H),
    activation,
  }));
  return {
    shape: { ...shape },
    tokenEmbedding: f32(rng, V * H, 0, 1),
    positionEmbedding: f32(rng, T * H, 0, 0.5),
    lnEmb: randomLn(rng, H),
    layers,
    pooler: randomDense(rng, H, H),
    classifier: randomDense(rng, H, shape.numLabels),
    labels: Array.from({ length: shape.numLabels }, (_, i) => `label${i}`),
  };
}
