/** Transforms model → model for smaller files: k-bit per-row storage of the large float matrices. */
import { fail } from '../common/errors.ts';
import type { DeployModel, KbitCodes, StorableMatrix, StorageBits } from './model.ts';

/** The bit widths a storable matrix may be stored at. */
export const STORAGE_BITS: readonly StorageBits[] = [8, 4, 2, 1];

/** The storable matrices in file order. */
export const STORABLE_MATRICES: readonly StorableMatrix[] = ['tokenEmbedding', 'positionEmbedding', 'pooler.weight', 'classifier.weight'];

/** The values and (rows, cols) of a storable matrix of `model`. */
export function storableMatrix(model: DeployModel, key: StorableMatrix): { values: Float32Array; rows: number; cols: number } {
  const { vocabSize: V, seqLen: T, hidden: H, numLabels: N } = model.shape;
  switch (key) {
    case 'tokenEmbedding':
      return { values: model.tokenEmbedding, rows: V, cols: H };
    case 'positionEmbedding':
      return { values: model.positionEmbedding, rows: T, cols: H };
    case 'pooler.weight':
      return { values: model.pooler.weight, rows: H, cols: H };
    case 'classifier.weight':
      return { values: model.classifier.weight, rows: N, cols: H };
  }
}

/** `model` with the values of one storable matrix replaced (a shallow copy; other tensors shared). */
function withMatrix(model: DeployModel, key: StorableMatrix, values: Float32Array): DeployModel {
  switch (key) {
    case 'tokenEmbedding':
      return { ...model, tokenEmbedding: values };
    case 'positionEmbedding':
      return { ...model, positionEmbedding: values };
    case 'pooler.weight':
      return { ...model, pooler: { ...model.pooler, weight: values } };
    case 'classifier.weight':
      return { ...model, classifier: { ...model.classifier, weight: values } };
  }
}

/** The code range of k-bit storage: [−2^(k−1), 2^(k−1) − 1] for k ≥ 2; [−1, 1] without 0 for k = 1. */
export function codeRange(bits: StorageBits): [number, number] {
  return bits === 1 ? [-1, 1] : [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1];
}

/** Whether `code` is a valid code of k-bit storage (1-bit codes are ±1: there is no zero level). */
export function isStorageCode(code: number, bits: StorageBits): boolean {
  const [lo, hi] = codeRange(bits);
  return code >= lo && code <= hi && (bits !== 1 || code !== 0);
}

/**
 * Per-row storage codes of a rows × cols matrix, the definition the file format and quantization-aware
 * training share (values are exactly what the file restores):
 * - bits 8, 4, 2: symmetric, scale = max|row| / (2^(k−1) − 1), code = clamp(round(x / scale)),
 *   value = fround(code · scale); with 2 bits the codes are {−1, 0, +1} (ternary levels in 2-bit storage).
 * - bits 1: BWN (Rastegari et al. 2016), scale = fround(mean|row|), code = sign(x) with sign(0) = +1,
 *   value = fround(code · scale).
 */
export function quantizeRows(x: Float32Array, rows: number, cols: number, bits: StorageBits): KbitCodes & { values: Float32Array } {
  if (!STORAGE_BITS.includes(bits)) fail('quantize_bits', `storage bits must be one of ${STORAGE_BITS.join(', ')}`, { expected: STORAGE_BITS.join(' | '), received: String(bits) });
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0 || x.length !== rows * cols) {
    fail('quantize_shape', `matrix of ${x.length} values is not ${rows} × ${cols}`);
  }
  return bits === 1 ? signRows(x, rows, cols) : symmetricRows(x, rows, cols, bits);
}

function symmetricRows(x: Float32Array, rows: number, cols: number, bits: 8 | 4 | 2): KbitCodes & { values: Float32Array } {
  const [lo, hi] = codeRange(bits);
  const scale = new Float32Array(rows);
  const codes = new Int8Array(rows * cols);
  const values = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let c = 0; c < cols; c++) max = Math.max(max, Math.abs(x[r * cols + c]));
    scale[r] = max / hi;
    if (scale[r] === 0) continue;
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      codes[i] = Math.max(lo, Math.min(hi, Math.round(x[i] / scale[r])));
      values[i] = codes[i] * scale[r];
    }
  }
  return { bits, scale, codes, values };
}

/** BWN rows: α_r = fround(Σ_c |x[r, c]| / cols) (summed in order, in double), code = x ≥ 0 ? +1 : −1. */
function signRows(x: Float32Array, rows: number, cols: number): KbitCodes & { values: Float32Array } {
  const scale = new Float32Array(rows);
  const codes = new Int8Array(rows * cols);
  const values = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.abs(x[r * cols + c]);
    scale[r] = cols > 0 ? sum / cols : 0;
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      codes[i] = x[i] >= 0 ? 1 : -1;
      values[i] = codes[i] * scale[r];
    }
  }
  return { bits: 1, scale, codes, values };
}

/** Bits per storable matrix; absent matrices are left as they are. */
export type StoragePlan = Partial<Record<StorableMatrix, StorageBits>>;

/**
 * Stores the chosen matrices as k-bit codes: returns a new model whose float fields hold the dequantized
 * values exactly, so the runtime computes on what the file stores. Changes the model's function (evaluate
 * after quantizing, or train for it); the other tensors are shared with `model`. A matrix already stored at
 * the planned width is kept as it is (re-quantizing 8/4/2-bit values need not return them unchanged).
 */
export function quantizeStorage(model: DeployModel, plan: StoragePlan): DeployModel {
  let out: DeployModel = { ...model, storage: { ...model.storage } };
  for (const key of STORABLE_MATRICES) {
    const bits = plan[key];
    if (bits === undefined || out.storage![key]?.bits === bits) continue;
    const { values, rows, cols } = storableMatrix(out, key);
    const q = quantizeRows(values, rows, cols, bits);
    out = withMatrix(out, key, q.values);
    out.storage![key] = { bits, scale: q.scale, codes: q.codes };
  }
  if (Object.keys(out.storage!).length === 0) delete out.storage;
  return out;
}

/**
 * Parses a storage plan written `key=bits,key=bits` (e.g. `tokenEmbedding=1,pooler.weight=8`): keys are
 * storable matrices, bits one of STORAGE_BITS; each key at most once.
 */
export function parseStoragePlan(text: string): StoragePlan {
  const plan: StoragePlan = {};
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([A-Za-z.]+)=(\d+)$/.exec(item);
    if (!m) fail('storage_plan', `cannot read ${JSON.stringify(item)}: expected KEY=BITS, e.g. tokenEmbedding=1`);
    const [, key, bitsText] = m;
    if (!(STORABLE_MATRICES as readonly string[]).includes(key)) fail('storage_plan', `${key} is not a storable matrix`, { expected: STORABLE_MATRICES.join(', '), received: key });
    const bits = Number(bitsText) as StorageBits;
    if (!STORAGE_BITS.includes(bits)) fail('storage_plan', `${key}: ${bitsText} is not a storage bit width`, { expected: STORAGE_BITS.join(', '), received: bitsText });
    if (plan[key as StorableMatrix] !== undefined) fail('storage_plan', `${key} appears twice`);
    plan[key as StorableMatrix] = bits;
  }
  return plan;
}
