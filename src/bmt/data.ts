/**
 * From a dataset (built-in name or train/test files) to the tokenized splits the recipe trains on.
 * The tokenizer is trained on the train split only and saved with the run, so a resumed run reuses it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../common/errors.ts';
import { createRng, shuffleInPlace } from '../common/rng.ts';
import { defaultNormalizer, loadDataset, loadTokenizer, saveTokenizer, splitDataset, trainTokenizer, type Dataset, type Tokenizer } from '../data/index.ts';
import type { BmtConfig } from './config.ts';
import type { EncodedDataset } from './recipe.ts';
import type { EncodedSplit } from './train.ts';

export interface DataSource {
  /** A built-in dataset name (spamassassin, sotu, names) or a file, split 80/10/10 with the seed. */
  dataset?: string;
  /** Or explicit files: the train file is split 90/10 into train/validation; the test file is the test split. */
  trainFile?: string;
  testFile?: string;
  seed?: number;
}

export interface PreparedData {
  data: EncodedDataset;
  tokenizer: Tokenizer;
  /** Fraction of examples whose text was cut to fit seqLen, per split. */
  truncated: { train: number; validation: number; test: number };
}

/** A seeded random subset of `k` items, in their original order. */
function seededSubset<T>(xs: T[], k: number, seed: number): T[] {
  const keep = shuffleInPlace(xs.map((_, i) => i), createRng(`${seed}:subset`)).slice(0, k).sort((a, b) => a - b);
  return keep.map((i) => xs[i]);
}

/** Tokenize a split against a fixed label list; a label outside it is an error naming the source. */
export function encodeSplit(ds: Dataset, labels: string[], tok: Tokenizer, seqLen: number, source: string): { split: EncodedSplit; truncated: number } {
  const n = ds.examples.length;
  const index = new Map(labels.map((l, i) => [l, i]));
  const ids = new Int32Array(n * seqLen), mask = new Uint8Array(n * seqLen), y = new Int32Array(n);
  let cut = 0;
  ds.examples.forEach((e, i) => {
    const k = index.get(e.label);
    if (k === undefined) fail('label_unseen', `label ${JSON.stringify(e.label)} does not occur in the training split`, { file: source, expected: labels.join(' | '), received: e.label });
    const m = tok.encodeForModel(e.text, seqLen);
    ids.set(m.ids, i * seqLen);
    mask.set(m.mask, i * seqLen);
    y[i] = k;
    if (m.truncated) cut++;
  });
  return { split: { ids, mask, labels: y, n, seqLen }, truncated: n ? cut / n : 0 };
}

/** Load, split, train (or reload from `runDir`) the tokenizer, and encode. */
export function prepareData(src: DataSource, c: BmtConfig, runDir?: string): PreparedData {
  const seed = src.seed ?? c.train.seed;
  let train: Dataset, validation: Dataset, test: Dataset;
  let testSource: string;
  if (src.dataset) {
    ({ train, validation, test } = splitDataset(loadDataset(src.dataset), { seed }));
    testSource = src.dataset;
  } else if (src.trainFile && src.testFile) {
    const tr = splitDataset(loadDataset(src.trainFile), { seed, validation: 0.1, test: 0 });
    train = tr.train;
    validation = tr.validation;
    test = loadDataset(src.testFile);
    testSource = src.testFile;
  } else fail('train_no_data', 'give --dataset NAME, or both --train FILE and --test FILE');
  if (train.examples.length === 0) fail('dataset_empty', 'empty training split: no examples', { file: src.trainFile ?? src.dataset });
  if (c.train.maxTrainExamples > 0 && train.examples.length > c.train.maxTrainExamples)
    train = { ...train, examples: seededSubset(train.examples, c.train.maxTrainExamples, seed) };
  const labels = [...new Set(train.examples.map((e) => e.label))].sort();
  if (labels.length < 2) fail('dataset_one_label', `training split has ${labels.length} label; need at least 2`, { file: src.trainFile ?? src.dataset });
  const tokPath = runDir ? join(runDir, 'tokenizer.json') : undefined;
  let tokenizer: Tokenizer;
  if (tokPath && existsSync(tokPath)) tokenizer = loadTokenizer(tokPath);
  else {
    const normalizer = c.normalizer === 'auto' ? defaultNormalizer(src.dataset ?? src.trainFile!) : c.normalizer;
    tokenizer = trainTokenizer(train.examples.map((e) => e.text), { vocabSize: c.vocabSize, normalizer });
    if (tokPath) saveTokenizer(tokenizer, tokPath);
  }
  if (tokenizer.vocabSize > c.vocabSize) fail('tokenizer_too_big', `tokenizer has ${tokenizer.vocabSize} ids but the config's vocabSize is ${c.vocabSize}`, { file: tokPath });
  const tr = encodeSplit(train, labels, tokenizer, c.seqLen, src.trainFile ?? src.dataset!);
  const va = encodeSplit(validation, labels, tokenizer, c.seqLen, src.trainFile ?? src.dataset!);
  const te = encodeSplit(test, labels, tokenizer, c.seqLen, testSource);
  return { data: { labels, train: tr.split, validation: va.split, test: te.split }, tokenizer, truncated: { train: tr.truncated, validation: va.truncated, test: te.truncated } };
}
