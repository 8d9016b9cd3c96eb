/**
 * Structural validation of a DeployModel: every tensor has the length the architecture implies, packed rows
 * have zero padding bits, scales and parameters are finite, sites are well-formed. The encoder refuses an
 * invalid model and the decoder runs the same checks on what it read, so a model that loads is one the
 * runtime and the simulator can index without further checks.
 */
import { BitedgeError, type Issue } from '../common/errors.ts';
import type {
  ActSite,
  BinaryLinear,
  DenseParams,
  DeployModel,
  EncoderShape,
  FloatModel,
  LayerNormParams,
  PackedBits,
} from './model.ts';
import { wordsPerRowFor, type StorableMatrix } from './model.ts';
import { codeRange, isStorageCode, STORABLE_MATRICES, STORAGE_BITS, storableMatrix } from './quantize.ts';

type Path = (string | number)[];

/** Largest accepted value of any shape field; keeps every product of two fields exact in a double. */
export const MAX_DIM = 0x7fffffff;

/** Channels of each activation site (the length of a per-channel β): see docs/format.md, "Sites". */
export function siteChannels(shape: EncoderShape): Record<string, number> {
  const { hidden: H, seqLen: T, ffn: F } = shape;
  return { qkvIn: H, qOut: H, kOut: H, vOut: H, probs: T, ctxIn: H, ffnIn: H, ffn2In: F };
}

class Collector {
  readonly issues: Issue[] = [];
  add(code: string, message: string, path: Path, expected?: string, received?: string): void {
    if (this.issues.length < 20) this.issues.push({ code, message, path, expected, received });
  }
}

function checkShape(c: Collector, s: EncoderShape): boolean {
  const before = c.issues.length;
  for (const k of ['vocabSize', 'seqLen', 'hidden', 'heads', 'ffn', 'layers', 'numLabels'] as const) {
    const v = s[k];
    if (!Number.isInteger(v) || v < 1 || v > MAX_DIM) c.add('bmt_shape', `${k} must be an integer in [1, ${MAX_DIM}]`, ['shape', k], undefined, String(v));
  }
  if (c.issues.length === before && s.hidden % s.heads !== 0) {
    c.add('bmt_shape', 'hidden must be a multiple of heads', ['shape', 'hidden'], `multiple of ${s.heads}`, String(s.hidden));
  }
  return c.issues.length === before;
}

function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

function checkF32(c: Collector, a: unknown, length: number, path: Path): void {
  if (!(a instanceof Float32Array)) return c.add('bmt_tensor', 'expected a Float32Array', path);
  if (a.length !== length) return c.add('bmt_tensor', 'wrong length', path, String(length), String(a.length));
  const bad = firstNonFinite(a);
  if (bad >= 0) c.add('bmt_tensor', `element ${bad} is not finite`, path, 'finite', String(a[bad]));
}

function checkScalar(c: Collector, v: unknown, path: Path, positive: boolean): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || (positive && !(v > 0))) {
    c.add('bmt_header', positive ? 'must be a finite number > 0' : 'must be a finite number', path, undefined, String(v));
  }
}

/** Index of the first row with a set padding bit (bits cols … 32·wordsPerRow − 1), or −1. */
export function firstRowWithPaddingBits(p: PackedBits): number {
  const full = p.cols >>> 5;
  const partialMask = p.cols & 31 ? ~((1 << (p.cols & 31)) - 1) >>> 0 : 0xffffffff;
  for (let r = 0; r < p.rows; r++) {
    const base = r * p.wordsPerRow;
    for (let w = full; w < p.wordsPerRow; w++) {
      const mask = w === full ? partialMask : 0xffffffff;
      if ((p.data[base + w] & mask) !== 0) return r;
    }
  }
  return -1;
}

function checkPacked(c: Collector, p: PackedBits, rows: number, cols: number, path: Path): void {
  const wpr = wordsPerRowFor(cols);
  if (p.rows !== rows || p.cols !== cols) return c.add('bmt_tensor', 'packed matrix has the wrong size', path, `${rows}×${cols}`, `${p.rows}×${p.cols}`);
  if (p.wordsPerRow !== wpr) return c.add('bmt_tensor', 'wordsPerRow does not match cols', path, String(wpr), String(p.wordsPerRow));
  if (!(p.data instanceof Uint32Array)) return c.add('bmt_tensor', 'expected a Uint32Array', [...path, 'data']);
  if (p.data.length !== rows * wpr) return c.add('bmt_tensor', 'wrong length', [...path, 'data'], String(rows * wpr), String(p.data.length));
  const r = firstRowWithPaddingBits(p);
  if (r >= 0) c.add('bmt_tensor', `row ${r} has non-zero padding bits`, [...path, 'data']);
}

function checkLinear(c: Collector, l: BinaryLinear, inF: number, outF: number, path: Path): void {
  if (l.inFeatures !== inF || l.outFeatures !== outF) {
    return c.add('bmt_tensor', 'linear has the wrong size', path, `${inF}→${outF}`, `${l.inFeatures}→${l.outFeatures}`);
  }
  if (!Array.isArray(l.parts) || l.parts.length < 1 || l.parts.length > 2) {
    return c.add('bmt_header', 'a binary linear has 1 or 2 weight parts', [...path, 'parts'], '1 or 2', String(l.parts?.length));
  }
  l.parts.forEach((part, p) => {
    checkPacked(c, part.weight, outF, inF, [...path, 'parts', p, 'weight']);
    checkF32(c, part.scale, outF, [...path, 'parts', p, 'scale']);
  });
  checkF32(c, l.bias, outF, [...path, 'bias']);
  if (l.threshold) {
    if (l.parts.length !== 1) c.add('bmt_header', 'folded thresholds need a one-part linear', [...path, 'threshold']);
    const { theta, sense } = l.threshold;
    if (!(theta instanceof Int32Array) || theta.length !== outF) c.add('bmt_tensor', 'theta must be an Int32Array of outFeatures', [...path, 'threshold', 'theta']);
    if (!(sense instanceof Int8Array) || sense.length !== outF) c.add('bmt_tensor', 'sense must be an Int8Array of outFeatures', [...path, 'threshold', 'sense']);
    else {
      const bad = sense.findIndex((s) => s !== 1 && s !== -1);
      if (bad >= 0) c.add('bmt_tensor', `sense element ${bad} must be +1 or −1`, [...path, 'threshold', 'sense'], '±1', String(sense[bad]));
    }
  }
}

function checkSite(c: Collector, s: ActSite, channels: number, path: Path): void {
  switch (s?.kind) {
    case 'binary-signed':
    case 'binary-unsigned':
      checkScalar(c, s.alpha, [...path, 'alpha'], true);
      if (!(s.beta instanceof Float32Array) || (s.beta.length !== 1 && s.beta.length !== channels)) {
        c.add('bmt_tensor', 'beta must be a Float32Array of 1 or one per channel', [...path, 'beta'], `1 or ${channels}`, String((s.beta as { length?: number })?.length));
      } else checkF32(c, s.beta, s.beta.length, [...path, 'beta']);
      return;
    case 'kbit':
      if (s.bits !== 2 && s.bits !== 4 && s.bits !== 8) c.add('bmt_header', 'bits must be 2, 4 or 8', [...path, 'bits'], undefined, String(s.bits));
      if (typeof s.signed !== 'boolean') c.add('bmt_header', 'signed must be a boolean', [...path, 'signed']);
      checkScalar(c, s.step, [...path, 'step'], true);
      return;
    case 'float':
      return;
    default:
      c.add('bmt_header', 'unknown site kind', [...path, 'kind'], 'binary-signed, binary-unsigned, kbit or float', String((s as { kind?: unknown })?.kind));
  }
}

function checkLn(c: Collector, ln: LayerNormParams, H: number, path: Path): void {
  checkF32(c, ln.gamma, H, [...path, 'gamma']);
  checkF32(c, ln.beta, H, [...path, 'beta']);
  checkScalar(c, ln.eps, [...path, 'eps'], true);
}

function checkDense(c: Collector, d: DenseParams, inF: number, outF: number, path: Path): void {
  if (d.inFeatures !== inF || d.outFeatures !== outF) return c.add('bmt_tensor', 'dense layer has the wrong size', path, `${inF}→${outF}`, `${d.inFeatures}→${d.outFeatures}`);
  checkF32(c, d.weight, inF * outF, [...path, 'weight']);
  checkF32(c, d.bias, outF, [...path, 'bias']);
}

/** k-bit storage of the float matrices: codes in range, scales finite and ≥ 0, values exactly code × scale. */
function checkStorage(c: Collector, model: DeployModel): void {
  if (typeof model.storage !== 'object' || model.storage === null) return c.add('bmt_header', 'storage must be an object', ['storage']);
  for (const key of Object.keys(model.storage)) {
    const path = ['storage', key];
    if (!(STORABLE_MATRICES as readonly string[]).includes(key)) {
      c.add('bmt_header', 'not a storable matrix', path, STORABLE_MATRICES.join(', '), key);
      continue;
    }
    const q = model.storage[key as StorableMatrix]!;
    const { values, rows, cols } = storableMatrix(model, key as StorableMatrix);
    if (!STORAGE_BITS.includes(q.bits)) {
      c.add('bmt_header', `bits must be ${STORAGE_BITS.join(', ')}`, [...path, 'bits'], undefined, String(q.bits));
      continue;
    }
    checkF32(c, q.scale, rows, [...path, 'scale']);
    if (!(q.codes instanceof Int8Array) || q.codes.length !== rows * cols) {
      c.add('bmt_tensor', `codes must be an Int8Array of ${rows} × ${cols}`, [...path, 'codes']);
      continue;
    }
    if (!(q.scale instanceof Float32Array) || q.scale.length !== rows || !(values instanceof Float32Array) || values.length !== rows * cols) continue;
    const [lo, hi] = codeRange(q.bits);
    const range = q.bits === 1 ? '±1' : `[${lo}, ${hi}]`;
    const badScale = q.scale.findIndex((x) => !(x >= 0));
    if (badScale >= 0) {
      c.add('bmt_tensor', `scale of row ${badScale} must be ≥ 0`, [...path, 'scale'], '≥ 0', String(q.scale[badScale]));
      continue;
    }
    for (let i = 0; i < rows * cols; i++) {
      if (!isStorageCode(q.codes[i], q.bits)) {
        c.add('bmt_tensor', `code ${i} is not a ${q.bits}-bit code`, [...path, 'codes'], range, String(q.codes[i]));
        break;
      }
      if (values[i] !== Math.fround(q.codes[i] * q.scale[Math.floor(i / cols)])) {
        c.add('bmt_tensor', `${key}[${i}] is not code × scale of its row`, key.split('.'));
        break;
      }
    }
  }
}

/** All structural issues of `model` (at most 20), empty when it is valid. */
export function deployModelIssues(model: DeployModel): Issue[] {
  const c = new Collector();
  if (!checkShape(c, model.shape)) return c.issues;
  const s = model.shape;
  const { hidden: H, ffn: F } = s;
  const ch = siteChannels(s);
  checkF32(c, model.tokenEmbedding, s.vocabSize * H, ['tokenEmbedding']);
  checkF32(c, model.positionEmbedding, s.seqLen * H, ['positionEmbedding']);
  checkLn(c, model.lnEmb, H, ['lnEmb']);
  if (!Array.isArray(model.layers) || model.layers.length !== s.layers) {
    c.add('bmt_header', 'layer count does not match shape.layers', ['layers'], String(s.layers), String(model.layers?.length));
    return c.issues;
  }
  model.layers.forEach((L, i) => {
    const p = ['layers', i];
    for (const site of ['qkvIn', 'qOut', 'kOut', 'vOut', 'ctxIn', 'ffnIn', 'ffn2In'] as const) checkSite(c, L[site], ch[site], [...p, site]);
    checkSite(c, L.attention.probs, ch.probs, [...p, 'attention', 'probs']);
    if (!['softmax-binary', 'threshold', 'shift-softmax'].includes(L.attention.variant)) {
      c.add('bmt_header', 'unknown attention variant', [...p, 'attention', 'variant'], undefined, String(L.attention.variant));
    }
    if (L.attention.tau !== undefined) checkScalar(c, L.attention.tau, [...p, 'attention', 'tau'], false);
    checkLinear(c, L.q, H, H, [...p, 'q']);
    checkLinear(c, L.k, H, H, [...p, 'k']);
    checkLinear(c, L.v, H, H, [...p, 'v']);
    checkLinear(c, L.o, H, H, [...p, 'o']);
    checkLinear(c, L.ffn1, H, F, [...p, 'ffn1']);
    checkLinear(c, L.ffn2, F, H, [...p, 'ffn2']);
    checkLn(c, L.ln1, H, [...p, 'ln1']);
    checkLn(c, L.ln2, H, [...p, 'ln2']);
    if (L.activation !== 'relu' && L.activation !== 'gelu') c.add('bmt_header', 'activation must be relu or gelu', [...p, 'activation'], undefined, String(L.activation));
  });
  checkDense(c, model.pooler, H, H, ['pooler']);
  checkDense(c, model.classifier, H, s.numLabels, ['classifier']);
  if (model.storage !== undefined && c.issues.length === 0) checkStorage(c, model);
  if (!Array.isArray(model.labels) || model.labels.length !== s.numLabels || !model.labels.every((l) => typeof l === 'string')) {
    c.add('bmt_header', 'labels must be numLabels strings', ['labels'], String(s.numLabels), String(model.labels?.length));
  }
  if (typeof model.meta !== 'object' || model.meta === null || Array.isArray(model.meta)) c.add('bmt_header', 'meta must be an object', ['meta']);
  return c.issues;
}

/** All structural issues of a FloatModel (at most 20): lengths from the shape, finite values, activations. */
export function floatModelIssues(model: FloatModel): Issue[] {
  const c = new Collector();
  if (!checkShape(c, model.shape)) return c.issues;
  const s = model.shape;
  const { hidden: H, ffn: F } = s;
  checkF32(c, model.tokenEmbedding, s.vocabSize * H, ['tokenEmbedding']);
  checkF32(c, model.positionEmbedding, s.seqLen * H, ['positionEmbedding']);
  checkLn(c, model.lnEmb, H, ['lnEmb']);
  if (!Array.isArray(model.layers) || model.layers.length !== s.layers) {
    c.add('float_model', 'layer count does not match shape.layers', ['layers'], String(s.layers), String(model.layers?.length));
    return c.issues;
  }
  model.layers.forEach((L, i) => {
    for (const name of ['q', 'k', 'v', 'o'] as const) checkDense(c, L[name], H, H, ['layers', i, name]);
    checkDense(c, L.ffn1, H, F, ['layers', i, 'ffn1']);
    checkDense(c, L.ffn2, F, H, ['layers', i, 'ffn2']);
    checkLn(c, L.ln1, H, ['layers', i, 'ln1']);
    checkLn(c, L.ln2, H, ['layers', i, 'ln2']);
    if (L.activation !== 'relu' && L.activation !== 'gelu') c.add('float_model', 'activation must be relu or gelu', ['layers', i, 'activation'], undefined, String(L.activation));
  });
  checkDense(c, model.pooler, H, H, ['pooler']);
  checkDense(c, model.classifier, H, s.numLabels, ['classifier']);
  return c.issues;
}

/** Throws a BitedgeError listing every issue when `model` is not a valid FloatModel. */
export function validateFloatModel(model: FloatModel): void {
  const issues = floatModelIssues(model);
  if (issues.length) throw new BitedgeError(issues.map((i) => ({ ...i, code: i.code.startsWith('bmt_') ? 'float_model' : i.code })));
}

/** Throws a BitedgeError listing every issue when `model` is not a valid DeployModel. */
export function validateDeployModel(model: DeployModel, file?: string): void {
  const issues = deployModelIssues(model);
  if (issues.length) throw new BitedgeError(issues.map((i) => ({ ...i, file })));
}
