/** A small synthetic classification task on token ids, for tests that must not depend on a corpus. */
import { createRng } from '../../src/common/rng.ts';
import type { EncodedDataset } from '../../src/bmt/recipe.ts';
import type { EncodedSplit } from '../../src/bmt/train.ts';

/** Label 1 iff token 5 occurs; random lengths, ids ≥ 8 otherwise; [CLS] = 1 first, [PAD] = 0 after. */
export function syntheticSplit(n: number, seqLen: number, vocab: number, seed: string): EncodedSplit {
  const r = createRng(seed);
  const ids = new Int32Array(n * seqLen), mask = new Uint8Array(n * seqLen), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const len = 4 + r.int(seqLen - 4);
    ids[i * seqLen] = 1;
    mask[i * seqLen] = 1;
    for (let t = 1; t < len; t++) { ids[i * seqLen + t] = 8 + r.int(vocab - 8); mask[i * seqLen + t] = 1; }
    labels[i] = r.int(2);
    if (labels[i]) ids[i * seqLen + 1 + r.int(len - 1)] = 5;
  }
  return { ids, mask, labels, n, seqLen };
}

export function syntheticDataset(seqLen: number, vocab: number, n = 256): EncodedDataset {
  return {
    labels: ['no', 'yes'],
    train: syntheticSplit(n, seqLen, vocab, 'train'),
    validation: syntheticSplit(64, seqLen, vocab, 'validation'),
    test: syntheticSplit(64, seqLen, vocab, 'test'),
  };
}
