/**
 * Exporters (transforms checkpoint → deployable model, FINN-style: no analysis here):
 * - `toDeployModel`: a binary-weight checkpoint (W1A1, W1Ak or W1A32; one part or two after TWS) to the DeployModel
 *   of src/format/model.ts: sign bits packed per PackedBits, per-channel scales λ_p·m_p, activation sites with their
 *   effective α (floor, power of two), and integer thresholds folded for one-part linears whose output is binarized.
 * - `toFloatModel`: an FP32 checkpoint to the FloatModel (the teacher, for the ONNX export).
 * The math is docs/forward.md; the runtime reproduces `forward` of model.ts on the result.
 */
import { fail } from '../common/errors.ts';
import { wordsPerRowFor, type ActSite, type BinaryLinear, type DeployLayer, type DeployModel, type DenseParams, type EncoderShape, type FloatModel, type FoldedThreshold, type LayerNormParams, type PackedBits, type StorableMatrix } from '../format/model.ts';
import { quantizeStorage } from '../format/quantize.ts';
import type { StageState } from './checkpoint.ts';
import type { BmtConfig, StoredBits } from './config.ts';
import { linearShape, siteBits, siteSigned, STORED_MATRICES, type LinearName, type Params, type SiteName } from './model.ts';
import { pow2RoundRef, signRef } from './quantizers-ref.ts';

const LN_EPS = 1e-5;

function shapeOf(s: StageState): EncoderShape {
  const c = s.config;
  return { vocabSize: c.vocabSize, seqLen: c.seqLen, hidden: c.hidden, heads: c.heads, ffn: c.ffn, layers: c.layers, numLabels: s.labels.length };
}

const ln = (p: Params, prefix: string): LayerNormParams => ({ gamma: Float32Array.from(p[`${prefix}.g`]), beta: Float32Array.from(p[`${prefix}.b`]), eps: LN_EPS });

function dense(p: Params, prefix: string, out: number, inF: number): DenseParams {
  return { inFeatures: inF, outFeatures: out, weight: Float32Array.from(p[`${prefix}.w`]), bias: Float32Array.from(p[`${prefix}.b`]) };
}

/** Pack a ±1 matrix given by its sign test into PackedBits (bit 1 = +1; rows padded to 128 bits with 0). */
export function packSigns(rows: number, cols: number, positive: (r: number, c: number) => boolean): PackedBits {
  const wordsPerRow = wordsPerRowFor(cols);
  const data = new Uint32Array(rows * wordsPerRow);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) if (positive(r, c)) data[r * wordsPerRow + (c >>> 5)] |= 1 << (c & 31);
  return { rows, cols, wordsPerRow, data };
}

/** Per-row (mean, m = mean|w|) of a weight group as training's BWN uses it: per tensor (all rows equal) or per channel. */
function groupStats(w: Float32Array, rows: number, cols: number, perChannel: boolean, centered: boolean, pow2: boolean): { mean: Float64Array; m: Float64Array } {
  const mean = new Float64Array(rows), m = new Float64Array(rows);
  const stat = (s: number, e: number): [number, number] => {
    let sum = 0, abs = 0;
    for (let i = s; i < e; i++) { sum += w[i]; abs += Math.abs(w[i]); }
    const mm = abs / (e - s);
    return [centered ? sum / (e - s) : 0, pow2 ? pow2RoundRef(mm) : mm];
  };
  if (perChannel) for (let r = 0; r < rows; r++) [mean[r], m[r]] = stat(r * cols, (r + 1) * cols);
  else { const [a, b] = stat(0, rows * cols); mean.fill(a); m.fill(b); }
  return { mean, m };
}

/** The forward-pass value of an elastic scale (floor 1e-5, optional power of two), as quantizers.ts computes it. */
function effAlpha(alpha: number, pow2: boolean): number {
  const a = Math.fround(Math.max(alpha, 1e-5));
  return pow2 ? pow2RoundRef(a) : a;
}

function actSite(c: BmtConfig, p: Params, acts: boolean, layer: number, site: SiteName): ActSite {
  const bits = siteBits(c, site);
  if (!acts || bits === 32) return { kind: 'float' };
  const name = `L${layer}.${site}`;
  if (bits === 1)
    return { kind: siteSigned(site) ? 'binary-signed' : 'binary-unsigned', alpha: effAlpha(p[`${name}.alpha`][0], c.pow2Scales), beta: Float32Array.from(p[`${name}.beta`]) };
  return { kind: 'kbit', bits, signed: siteSigned(site), step: Math.fround(Math.max(p[`${name}.alpha`][0], 1e-5)) };
}

/** Scale of a site's integer codes (q_in in docs/forward.md): α for binary sites, the LSQ step for k-bit, 1 for float. */
function siteScaleOf(s: ActSite): number {
  return s.kind === 'kbit' ? s.step : s.kind === 'float' ? 1 : s.alpha;
}

/**
 * Fold Lin's scale, bias and the next binary site into integer thresholds (docs/forward.md):
 * c·dot + b − β ≥ 0 with c = q_in·scale[n]: c > 0 ⇒ dot ≥ ⌈(β − b)/c⌉; c < 0 ⇒ dot ≤ ⌊(β − b)/c⌋; c = 0 ⇒ constant.
 */
export function foldThreshold(scale: Float32Array, qIn: number, bias: Float32Array, beta: Float32Array, inFeatures: number): FoldedThreshold {
  const n = scale.length;
  const theta = new Int32Array(n), sense = new Int8Array(n);
  const big = inFeatures + 1;
  for (let i = 0; i < n; i++) {
    const c = qIn * scale[i], t = beta[beta.length === 1 ? 0 : i] - bias[i];
    if (c > 0) { sense[i] = 1; theta[i] = Math.max(-big, Math.min(big, Math.ceil(t / c))); }
    else if (c < 0) { sense[i] = -1; theta[i] = Math.max(-big, Math.min(big, Math.floor(t / c))); }
    else { sense[i] = 1; theta[i] = t <= 0 ? -big : big; } // sign(b − β): always +1, or never
  }
  return { theta, sense };
}

function binaryLinear(s: StageState, layer: number, lin: LinearName, inSite: ActSite, outSite: ActSite | null): BinaryLinear {
  const c = s.config, p = s.params;
  const [rows, cols] = linearShape(c, lin);
  const prefix = `L${layer}.${lin}`;
  const perChannel = c.weightScale === 'per-channel';
  const parts: BinaryLinear['parts'] = [];
  if (s.variant.parts === 1) {
    const w = p[`${prefix}.w`];
    const { mean, m } = groupStats(w, rows, cols, perChannel, true, c.pow2Scales);
    parts.push({ weight: packSigns(rows, cols, (r, k) => signRef(w[r * cols + k] - mean[r]) > 0), scale: Float32Array.from(m) });
  } else {
    for (const k of [1, 2]) {
      const w = p[`${prefix}.w${k}`];
      const { m } = groupStats(w, rows, cols, perChannel, false, c.pow2Scales);
      const lam = s.variant.wtws ? p[`${prefix}.lam${k}`] : null;
      parts.push({ weight: packSigns(rows, cols, (r, j) => signRef(w[r * cols + j]) > 0), scale: Float32Array.from(m, (x, r) => (lam ? lam[r] : 1) * x) });
    }
  }
  const bias = Float32Array.from(p[`${prefix}.b`]);
  const out: BinaryLinear = { inFeatures: cols, outFeatures: rows, parts, bias };
  if (parts.length === 1 && outSite?.kind === 'binary-signed' && inSite.kind !== 'float')
    out.threshold = foldThreshold(parts[0].scale, siteScaleOf(inSite), bias, outSite.beta, cols);
  return out;
}

/** A finished binary-weight stage → DeployModel. `tokenizer` is the tokenizer's JSON document. */
export function toDeployModel(s: StageState, tokenizer: unknown, meta: Record<string, unknown> = {}): DeployModel {
  if (s.variant.weights !== 'binary')
    fail('export_not_binary', `stage '${s.stage}' has ${s.variant.weights} weights; export a binary stage (binary, direct, w1a32) or use toFloatModel for fp32`);
  const c = s.config, p = s.params, acts = s.variant.acts;
  const layers: DeployLayer[] = [];
  for (let l = 0; l < c.layers; l++) {
    const site = (x: SiteName) => actSite(c, p, acts, l, x);
    const qkvIn = site('qkvIn'), qOut = site('qOut'), kOut = site('kOut'), vOut = site('vOut'), ctxIn = site('ctxIn'), ffnIn = site('ffnIn'), ffn2In = site('ffn2In');
    const threshold = acts && c.attention === 'threshold';
    const probs: ActSite = threshold
      ? { kind: 'binary-unsigned', alpha: Math.fround(Math.max(p[`L${l}.probs.alpha`][0], 1e-5)), beta: new Float32Array(1) }
      : site('probs');
    const L: DeployLayer = {
      qkvIn,
      q: binaryLinear(s, l, 'q', qkvIn, qOut), k: binaryLinear(s, l, 'k', qkvIn, kOut), v: binaryLinear(s, l, 'v', qkvIn, vOut),
      qOut, kOut, vOut,
      attention: { variant: acts ? c.attention : c.attention === 'threshold' ? 'softmax-binary' : c.attention, probs, ...(threshold ? { tau: p[`L${l}.probs.tau`][0] } : {}) },
      ctxIn,
      o: binaryLinear(s, l, 'o', ctxIn, null),
      ln1: ln(p, `L${l}.ln1`),
      ffnIn,
      ffn1: binaryLinear(s, l, 'ffn1', ffnIn, null),
      activation: c.activation,
      ffn2In,
      ffn2: binaryLinear(s, l, 'ffn2', ffn2In, null),
      ln2: ln(p, `L${l}.ln2`),
    };
    layers.push(L);
  }
  return storeAsTrained(c, {
    shape: shapeOf(s),
    tokenEmbedding: Float32Array.from(p['emb.tok']),
    positionEmbedding: Float32Array.from(p['emb.pos']),
    lnEmb: ln(p, 'emb.ln'),
    layers,
    pooler: dense(p, 'pool', c.hidden, c.hidden),
    classifier: dense(p, 'cls', s.labels.length, c.hidden),
    labels: [...s.labels],
    tokenizer,
    meta: { stage: s.stage, variant: s.variant, config: c, metrics: s.metrics ?? null, ...meta },
  });
}

/** The float matrices stored at the bits they were trained with (`storedParams` computes on the same values). */
function storeAsTrained(c: BmtConfig, model: DeployModel): DeployModel {
  const plan: Partial<Record<StorableMatrix, StoredBits>> = {};
  for (const { key, matrix } of STORED_MATRICES) {
    const bits = c.storageBits[key];
    if (bits !== 32) plan[matrix] = bits;
  }
  return Object.keys(plan).length ? quantizeStorage(model, plan) : model;
}

/** A finished FP32 stage → FloatModel (for the ONNX export). */
export function toFloatModel(s: StageState): FloatModel {
  if (s.variant.weights !== 'float' || s.variant.acts) fail('export_not_float', `stage '${s.stage}' is not the FP32 model; export fp32.ckpt`);
  const c = s.config, p = s.params;
  const d = (l: number, lin: LinearName) => { const [o, i] = linearShape(c, lin); return dense(p, `L${l}.${lin}`, o, i); };
  return {
    shape: shapeOf(s),
    tokenEmbedding: Float32Array.from(p['emb.tok']),
    positionEmbedding: Float32Array.from(p['emb.pos']),
    lnEmb: ln(p, 'emb.ln'),
    layers: Array.from({ length: c.layers }, (_, l) => ({
      q: d(l, 'q'), k: d(l, 'k'), v: d(l, 'v'), o: d(l, 'o'), ln1: ln(p, `L${l}.ln1`), ffn1: d(l, 'ffn1'), ffn2: d(l, 'ffn2'), ln2: ln(p, `L${l}.ln2`), activation: c.activation,
    })),
    pooler: dense(p, 'pool', c.hidden, c.hidden),
    classifier: dense(p, 'cls', s.labels.length, c.hidden),
    labels: [...s.labels],
  };
}

