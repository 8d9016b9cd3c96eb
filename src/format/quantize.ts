/** Transforms model → model for smaller files: k-bit storage of the token embedding. */
import type { DeployModel } from './model.ts';

/** Largest code of a symmetric k-bit range [−2^(k−1), 2^(k−1) − 1] used as the per-row scale's divisor. */
function codeMax(bits: 8 | 4): number {
  return 2 ** (bits - 1) - 1;
}

/**
 * Symmetric per-row k-bit quantization of the token embedding (scale = max|row| / (2^(k−1) − 1), code =
 * round(x / scale)); returns a new model whose `tokenEmbedding` holds the dequantized values exactly, so the
 * runtime computes on what the file stores. Changes the model's function: evaluate it after quantizing.
 */
export function quantizeTokenEmbedding(model: DeployModel, bits: 8 | 4): DeployModel {
  const { vocabSize: V, hidden: H } = model.shape;
  const qmax = codeMax(bits);
  const scale = new Float32Array(V);
  const codes = new Int8Array(V * H);
  const tokenEmbedding = new Float32Array(V * H);
  for (let r = 0; r < V; r++) {
    let max = 0;
    for (let c = 0; c < H; c++) max = Math.max(max, Math.abs(model.tokenEmbedding[r * H + c]));
    scale[r] = max / qmax;
    if (scale[r] === 0) continue;
    for (let c = 0; c < H; c++) {
      const i = r * H + c;
      codes[i] = Math.max(-qmax - 1, Math.min(qmax, Math.round(model.tokenEmbedding[i] / scale[r])));
      tokenEmbedding[i] = codes[i] * scale[r];
    }
  }
  return { ...model, tokenEmbedding, tokenEmbeddingCodes: { bits, scale, codes } };
}
