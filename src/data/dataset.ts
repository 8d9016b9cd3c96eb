/**
 * Datasets: a list of labelled texts plus its sorted label vocabulary. `loadDataset` resolves a
 * built-in name (spamassassin, sotu, names) or a path (.jsonl, .csv, .tsv) to one Dataset.
 */
import { z } from 'zod';
import { createRng, shuffleInPlace } from '../common/rng.ts';
import { fail } from '../common/errors.ts';
import { loadCsv } from './csv.ts';
import { loadJsonl } from './jsonl.ts';
import { loadNames } from './names.ts';
import type { Normalizer } from './normalize.ts';
import { loadSotu } from './sotu.ts';
import { loadSpamAssassin } from './spamassassin.ts';

export interface Example {
  text: string;
  label: string;
}

export interface Dataset {
  name: string;
  examples: Example[];
  /** Sorted label vocabulary (code-unit order); a label's index here is its class id. */
  labels: string[];
}

export const LoadOptionsSchema = z.object({
  /** spamassassin: drop the RFC 822 header block (everything before the first empty line). */
  stripHeaders: z.boolean().optional(),
  /** JSONL/CSV/TSV: name of the text field or column (default "text"). */
  textField: z.string().min(1).optional(),
  /** JSONL/CSV/TSV: name of the label field or column (default "label"). */
  labelField: z.string().min(1).optional(),
  /** Keep a seeded random subset of this many examples (in their original order). */
  limit: z.int().positive().optional(),
});
export type LoadOptions = z.infer<typeof LoadOptionsSchema>;

/** The text normalizer a dataset's tokenizer should use unless told otherwise: its emails get the mime view. */
export function defaultNormalizer(source: string): Normalizer {
  return source === 'spamassassin' ? 'mime' : 'none';
}

/** The built-in datasets, by name. */
export const BUILTIN_DATASETS = ['spamassassin', 'sotu', 'names'] as const;

/** Sorted, distinct labels of `examples`. */
export function labelVocabulary(examples: readonly Example[]): string[] {
  return [...new Set(examples.map((e) => e.label))].sort();
}

/** Class id of each example: its label's index in `ds.labels`. */
export function labelIds(ds: Dataset): Int32Array {
  const index = new Map(ds.labels.map((l, i) => [l, i]));
  return Int32Array.from(ds.examples, (e) => {
    const id = index.get(e.label);
    if (id === undefined) fail('label_unknown', `label ${JSON.stringify(e.label)} is not in the vocabulary of ${ds.name}`);
    return id;
  });
}

/** A Dataset from examples; an empty one is an error naming its source. */
export function makeDataset(name: string, examples: Example[], file?: string): Dataset {
  if (examples.length === 0) fail('dataset_empty', 'empty dataset: no examples', { file: file ?? name });
  return { name, examples, labels: labelVocabulary(examples) };
}

/** A seeded random subset of `limit` examples, in their original order (the seed is fixed: "limit"). */
function limitExamples(examples: Example[], limit: number): Example[] {
  if (limit >= examples.length) return examples;
  const order = shuffleInPlace(examples.map((_, i) => i), createRng('limit')).slice(0, limit).sort((a, b) => a - b);
  return order.map((i) => examples[i]);
}

/** Loads a built-in dataset by name, or a .jsonl/.csv/.tsv file by path. */
export function loadDataset(source: string, opts: LoadOptions = {}): Dataset {
  const parsed = LoadOptionsSchema.safeParse(opts);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail('dataset_bad_option', `invalid dataset option: ${issue.message}`, { path: issue.path.map(String) });
  }
  const o = parsed.data;
  const fields = { textField: o.textField ?? 'text', labelField: o.labelField ?? 'label' };
  let ds: Dataset;
  const lower = source.toLowerCase();
  if (source === 'spamassassin') ds = loadSpamAssassin({ stripHeaders: o.stripHeaders ?? false });
  else if (source === 'sotu') ds = loadSotu();
  else if (source === 'names') ds = loadNames();
  else if (lower.endsWith('.jsonl')) ds = loadJsonl(source, fields);
  else if (lower.endsWith('.csv')) ds = loadCsv(source, { ...fields, delimiter: ',' });
  else if (lower.endsWith('.tsv')) ds = loadCsv(source, { ...fields, delimiter: '\t' });
  else {
    fail('dataset_unknown', `unknown dataset: expected one of ${BUILTIN_DATASETS.join(', ')} or a .jsonl, .csv or .tsv file`, { file: source });
  }
  if (o.limit !== undefined) ds = makeDataset(ds.name, limitExamples(ds.examples, o.limit));
  return ds;
}
