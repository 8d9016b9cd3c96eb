/**
 * From texts to labels (platform-neutral, used by the Node runtime and the web page): tokenize with the
 * model's own tokenizer, and turn logits into probabilities.
 */
import { Tokenizer } from '../data/tokenizer.ts';
import type { DeployModel } from '../format/model.ts';

export interface Classification {
  /** The most probable label (ties: the first). */
  label: string;
  /** Softmax of the logits, one per label (model.labels order). */
  probs: number[];
  logits: number[];
  /** True when the text had more tokens than fit in seqLen − 2 and the rest was dropped. */
  truncated: boolean;
}

export interface EncodedText { ids: Int32Array; mask: Uint8Array; truncated: boolean }

/** The model's tokenizer (the JSON document stored in the .bmt header). */
export function modelTokenizer(model: DeployModel): Tokenizer {
  return Tokenizer.fromJSON(model.tokenizer, 'model tokenizer');
}

/** Softmax in double: p_i = e^(z_i − max z) / Σ_j e^(z_j − max z). */
export function softmax(logits: ArrayLike<number>): number[] {
  const z = Array.from(logits);
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function classification(model: DeployModel, logits: Float32Array, truncated: boolean): Classification {
  const probs = softmax(logits);
  let best = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i;
  return { label: model.labels[best], probs, logits: Array.from(logits), truncated };
}
