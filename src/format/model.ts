/**
 * The deployable model: what a trained BMT becomes for the runtime, the .bmt file and the BAT simulator.
 * The math it encodes is docs/forward.md; this file fixes the data layout.
 *
 * Owned by src/format (serialisation); produced by src/bmt (export), consumed by src/runtime and src/bat.
 */

/** Encoder shape. `vocabSize` includes the special tokens; `seqLen` is the padded length T. */
export interface EncoderShape {
  vocabSize: number;
  seqLen: number;
  hidden: number;
  heads: number;
  ffn: number;
  layers: number;
  numLabels: number;
}

/**
 * A binary matrix, bit-packed row-major: row r, column c is bit (c & 31) of
 * `data[r * wordsPerRow + (c >>> 5)]` (32-bit little-endian words); bit 1 means +1 (or 1 for {0,1} data),
 * bit 0 means −1 (or 0). Rows are padded to `wordsPerRow = 4·⌈cols/128⌉` words (128-bit aligned for SIMD);
 * padding bits are 0.
 */
export interface PackedBits {
  rows: number;
  cols: number;
  wordsPerRow: number;
  data: Uint32Array;
}

/** Words per packed row for `cols` bits (128-bit aligned). */
export function wordsPerRowFor(cols: number): number {
  return 4 * Math.ceil(cols / 128);
}

/** LayerNorm parameters: y = γ ⊙ (x − mean) / √(var + eps) + β (Ba et al. 2016). */
export interface LayerNormParams {
  gamma: Float32Array;
  beta: Float32Array;
  eps: number;
}

/**
 * How an activation site is quantized (docs/forward.md, notation):
 * - `binary-signed`: Bs(x; α, β) = α·sign(x − β) (BiT)
 * - `binary-unsigned`: Bu(x; α, β) = α·1{(x − β)/α > 0.5} (BiT)
 * - `kbit`: Qk(x; s) = s·clamp(round(x/s), lo, hi) (LSQ); signed or unsigned range
 * - `float`: left in float32
 * `beta` has one entry per channel of the site (length 1 for a per-tensor shift).
 */
export type ActSite =
  | { kind: 'binary-signed'; alpha: number; beta: Float32Array }
  | { kind: 'binary-unsigned'; alpha: number; beta: Float32Array }
  | { kind: 'kbit'; bits: 2 | 4 | 8; signed: boolean; step: number }
  | { kind: 'float' };

/**
 * Integer thresholds folded from (scale, bias, next site's α and β) for a one-part linear whose output is
 * binarized: output bit[n] = (sense[n] > 0) ? dot[n] ≥ theta[n] : dot[n] ≤ theta[n].
 * (docs/forward.md, "Integer form at deployment").
 */
export interface FoldedThreshold {
  theta: Int32Array;
  sense: Int8Array;
}

/**
 * A binary linear: y[n] = Σ_p scale_p[n] · q_in · dot_p[n] + bias[n], where dot_p is the product of the
 * p-th binary weight row with the input's integer codes and q_in the input site's scale (α or LSQ step).
 * One part for a plain binary model; two after ternary weight splitting (scale_p = λ_p·m_p).
 */
export interface BinaryLinear {
  inFeatures: number;
  outFeatures: number;
  parts: { weight: PackedBits; scale: Float32Array }[];
  bias: Float32Array;
  /** Present when the output feeds a binarization and the linear has one part. */
  threshold?: FoldedThreshold;
}

export type AttentionVariant = 'softmax-binary' | 'threshold' | 'shift-softmax';

export interface DeployLayer {
  /** Site shared by the Q, K, V inputs. */
  qkvIn: ActSite;
  q: BinaryLinear;
  k: BinaryLinear;
  v: BinaryLinear;
  /** Sites on the Q, K, V outputs (per channel over the hidden dimension). */
  qOut: ActSite;
  kOut: ActSite;
  vOut: ActSite;
  attention: { variant: AttentionVariant; probs: ActSite; tau?: number };
  /** Site on the concatenated heads (input of the attention-output linear). */
  ctxIn: ActSite;
  o: BinaryLinear;
  ln1: LayerNormParams;
  ffnIn: ActSite;
  ffn1: BinaryLinear;
  activation: 'relu' | 'gelu';
  /** Site on the FFN hidden activations (input of the FFN-out linear). */
  ffn2In: ActSite;
  ffn2: BinaryLinear;
  ln2: LayerNormParams;
}

/** A dense float layer, y = W x + b, W row-major (out × in). */
export interface DenseParams {
  inFeatures: number;
  outFeatures: number;
  weight: Float32Array;
  bias: Float32Array;
}

/**
 * Bits per stored value of a storable matrix: 8, 4 or 2 (symmetric per-row integer codes) or 1 (per-row
 * sign codes ±1 with the mean magnitude as scale, BWN). `quantizeRows` (src/format/quantize.ts) defines each.
 */
export type StorageBits = 8 | 4 | 2 | 1;

/**
 * A float matrix stored as k-bit integer codes with one scale per row, symmetric:
 * `value[r·cols + c] = fround(codes[r·cols + c] · scale[r])` exactly; codes in [−2^(bits−1), 2^(bits−1) − 1]
 * for bits ≥ 2, and ±1 (never 0) for bits = 1. The .bmt file then stores codes and scales instead of
 * float32; the decoder restores both, so consumers keep reading the float field.
 */
export interface KbitCodes {
  bits: StorageBits;
  scale: Float32Array;
  codes: Int8Array;
}

/** The float matrices a .bmt file may store as k-bit codes, named by their path in DeployModel. */
export type StorableMatrix = 'tokenEmbedding' | 'positionEmbedding' | 'pooler.weight' | 'classifier.weight';

export interface DeployModel {
  shape: EncoderShape;
  /** Token embedding, vocabSize × hidden, row-major. */
  tokenEmbedding: Float32Array;
  /**
   * Optional k-bit storage of the large float matrices (see `StorableMatrix`); absent entries are float32.
   * Made by `quantizeStorage` (src/format/quantize.ts); the float fields always hold the values.
   */
  storage?: Partial<Record<StorableMatrix, KbitCodes>>;
  /** Position embedding, seqLen × hidden, row-major. */
  positionEmbedding: Float32Array;
  lnEmb: LayerNormParams;
  layers: DeployLayer[];
  pooler: DenseParams;
  classifier: DenseParams;
  /** Class names, index = logit index. */
  labels: string[];
  /** The tokenizer as its JSON document (src/data), so a .bmt file is self-contained. */
  tokenizer: unknown;
  /** Free-form provenance: training config, recipe, metrics. Serialised as JSON. */
  meta: Record<string, unknown>;
}

/** The float (FP32) model of the same architecture: the teacher, and what the ONNX export writes. */
export interface FloatLayer {
  q: DenseParams;
  k: DenseParams;
  v: DenseParams;
  o: DenseParams;
  ln1: LayerNormParams;
  ffn1: DenseParams;
  ffn2: DenseParams;
  ln2: LayerNormParams;
  activation: 'relu' | 'gelu';
}

export interface FloatModel {
  shape: EncoderShape;
  tokenEmbedding: Float32Array;
  positionEmbedding: Float32Array;
  lnEmb: LayerNormParams;
  layers: FloatLayer[];
  pooler: DenseParams;
  classifier: DenseParams;
  labels: string[];
}
