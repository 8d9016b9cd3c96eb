/**
 * Seeded, stratified train/validation/test split. For each label (in sorted order) the indices of
 * its examples are shuffled by a generator forked from createRng(seed) with the label's name; the
 * first round(n·test) go to test, the next round(n·validation) to validation, the rest to train.
 * Each split keeps the original example order and the full label vocabulary (so class ids agree).
 * Same seed, same split, on any machine: the generator is integer arithmetic only (common/rng.ts).
 */
import { z } from 'zod';
import { createRng, shuffleInPlace } from '../common/rng.ts';
import { fail } from '../common/errors.ts';
import type { Dataset } from './dataset.ts';

export const SplitOptionsSchema = z.object({
  seed: z.int().nonnegative().max(0xffffffff).default(0),
  validation: z.number().min(0).lt(1).default(0.1),
  test: z.number().min(0).lt(1).default(0.1),
}).refine((o) => o.validation + o.test < 1, { message: 'validation + test must be below 1' });
export type SplitOptions = z.input<typeof SplitOptionsSchema>;

export interface Splits { train: Dataset; validation: Dataset; test: Dataset }

/** Which split each example goes to: 0 train, 1 validation, 2 test. */
export function splitAssignment(ds: Dataset, opts: SplitOptions = {}): Uint8Array {
  const parsed = SplitOptionsSchema.safeParse(opts);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail('split_bad_option', `invalid split option: ${issue.message}`, { path: issue.path.map(String) });
  }
  const { seed, validation, test } = parsed.data;
  const rng = createRng(seed);
  const byLabel = new Map<string, number[]>(ds.labels.map((l) => [l, []]));
  ds.examples.forEach((e, i) => byLabel.get(e.label)!.push(i));
  const where = new Uint8Array(ds.examples.length);
  for (const label of ds.labels) {
    const idx = shuffleInPlace(byLabel.get(label)!, rng.fork(label));
    const nTest = Math.round(idx.length * test), nVal = Math.round(idx.length * validation);
    idx.forEach((ex, k) => { where[ex] = k < nTest ? 2 : k < nTest + nVal ? 1 : 0; });
  }
  return where;
}

/** Splits `ds` into train, validation and test (deterministic from the seed; stratified per label). */
export function splitDataset(ds: Dataset, opts: SplitOptions = {}): Splits {
  const where = splitAssignment(ds, opts);
  const part = (k: number, name: string): Dataset => ({
    name: `${ds.name}/${name}`,
    examples: ds.examples.filter((_, i) => where[i] === k),
    labels: ds.labels,
  });
  return { train: part(0, 'train'), validation: part(1, 'validation'), test: part(2, 'test') };
}
