/** Transforms model → model for smaller files: k-bit per-row storage of the large float matrices. */
import type { DeployModel, KbitCodes, StorableMatrix } from './model.ts';

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

/** Symmetric k-bit code range [−2^(k−1), 2^(k−1) − 1]. */
export function codeRange(bits: number): [number, number] {
  return [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1];
}

/**
 * Symmetric per-row quantization: scale = max|row| / (2^(k−1) − 1), code = clamp(round(x / scale)), value =
 * fround(code · scale). With 2 bits the codes are {−1, 0, +1} (ternary levels in 2-bit storage).
 */
export function quantizeRows(x: Float32Array, rows: number, cols: number, bits: 8 | 4 | 2): KbitCodes & { values: Float32Array } {
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

/**
 * Stores the chosen matrices as k-bit codes: returns a new model whose float fields hold the dequantized
 * values exactly, so the runtime computes on what the file stores. Changes the model's function (evaluate
 * after quantizing); the other tensors are shared with `model`.
 */
export function quantizeStorage(model: DeployModel, plan: Partial<Record<StorableMatrix, 8 | 4 | 2>>): DeployModel {
  let out: DeployModel = { ...model, storage: { ...model.storage } };
  for (const key of STORABLE_MATRICES) {
    const bits = plan[key];
    if (bits === undefined) continue;
    const { values, rows, cols } = storableMatrix(out, key);
    const q = quantizeRows(values, rows, cols, bits);
    out = withMatrix(out, key, q.values);
    out.storage![key] = { bits, scale: q.scale, codes: q.codes };
  }
  if (Object.keys(out.storage!).length === 0) delete out.storage;
  return out;
}
