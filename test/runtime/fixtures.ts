// Shared test fixtures: a small random BiT model with a real tokenizer, so texts can be classified.
import { trainTokenizer } from '../../src/data/tokenizer.ts';
import { randomDeployModel } from '../../src/format/random.ts';
import type { DeployModel, EncoderShape, PackedBits } from '../../src/format/model.ts';
import type { Rng } from '../../src/common/rng.ts';
import { emptyBits, setBit } from '../../src/runtime/bits.ts';

export const TEXTS = [
  'Free money!!! Click here to claim your prize now',
  'Meeting moved to 3pm, see the agenda attached',
  '',
  'Ünïcode ✓ and emoji 🎉 survive tokenization',
  'win win win cash cash cash offer offer limited time only, reply today to get the best rates',
];

/** A random all-binary model (seqLen 16, so longer texts are truncated) whose header carries a trained tokenizer. */
export function modelWithTokenizer(seed: string, seqLen = 16): DeployModel {
  const tok = trainTokenizer([...TEXTS, ...TEXTS.map((t) => t.toUpperCase())], { vocabSize: 300 });
  const shape: EncoderShape = { vocabSize: tok.vocabSize, seqLen, hidden: 64, heads: 2, ffn: 96, layers: 2, numLabels: 2 };
  const model = randomDeployModel(shape, seed, { sites: 'binary', parts: 1, variants: ['softmax-binary'] });
  return { ...model, tokenizer: tok.toJSON(), labels: ['ham', 'spam'] };
}

/** A random packed bit matrix (each bit 1 with probability `density`), padding bits 0. */
export function randomBits(rng: Rng, rows: number, cols: number, density = 0.5): PackedBits {
  const p = emptyBits(rows, cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (rng.next() < density) setBit(p, r, c);
  return p;
}
