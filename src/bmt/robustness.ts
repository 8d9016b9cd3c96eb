/**
 * Robustness evaluation (SYSTEM.md §1): accuracy under (a) input token perturbation — each real token is, with
 * probability `rate`, substituted by a random token or deleted (half and half) — and (b) random bit flips in the
 * binary weights and binary activations; each over several noise seeds. (c) The spread over training seeds is the
 * spread of clean accuracy over several runs (robustnessOverRuns).
 */
import { createRng, type Rng } from '../common/rng.ts';
import type { StageState } from './checkpoint.ts';
import { evaluate, type EncodedSplit } from './train.ts';

export const TOKEN_RATES = [0.05, 0.1, 0.2];
export const FLIP_RATES = [1e-4, 1e-3, 1e-2];

/** Perturb a split's token ids: skip [CLS]/[SEP]/[PAD] (ids < `firstText`), substitute or delete with probability rate. */
export function perturbTokens(s: EncodedSplit, rate: number, vocabSize: number, rng: Rng, firstText = 3): EncodedSplit {
  const T = s.seqLen;
  const ids = new Int32Array(s.ids.length), mask = new Uint8Array(s.mask.length);
  for (let r = 0; r < s.n; r++) {
    let w = r * T;
    for (let t = 0; t < T; t++) {
      const id = s.ids[r * T + t];
      if (!s.mask[r * T + t]) continue;
      if (id >= firstText && rng.next() < rate) {
        if (rng.next() < 0.5) continue; // deletion: later tokens shift left, padding fills the end
        ids[w] = firstText + rng.int(vocabSize - firstText); // substitution
      } else ids[w] = id;
      mask[w++] = 1;
    }
  }
  return { ...s, ids, mask };
}

export interface RobustnessRow {
  kind: 'clean' | 'tokens' | 'weight-flips' | 'act-flips' | 'all-flips';
  rate: number;
  /** Mean and sample standard deviation of accuracy over noise seeds. */
  accuracy: number;
  std: number;
  runs: number;
}

const meanStd = (xs: number[]): [number, number] => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1) : 0;
  return [m, Math.sqrt(v)];
};

/** All robustness rows of one trained stage on a split. */
export function robustness(s: StageState, split: EncodedSplit, opts: { seeds?: number; seed?: number } = {}): RobustnessRow[] {
  const seeds = opts.seeds ?? 3, base = opts.seed ?? 1;
  const ev = (sp: EncodedSplit, noise?: { weightRate: number; actRate: number; seed: string }) =>
    evaluate(s.config, s.variant, s.params, s.labels, sp, 64, noise && { weightRate: noise.weightRate, actRate: noise.actRate, rng: createRng(noise.seed), weightMasks: new Map() }).accuracy;
  const rows: RobustnessRow[] = [{ kind: 'clean', rate: 0, accuracy: ev(split), std: 0, runs: 1 }];
  const over = (kind: RobustnessRow['kind'], rate: number, f: (seed: string) => number) => {
    const [m, sd] = meanStd(Array.from({ length: seeds }, (_, i) => f(`${base}:${kind}:${rate}:${i}`)));
    rows.push({ kind, rate, accuracy: m, std: sd, runs: seeds });
  };
  for (const r of TOKEN_RATES) over('tokens', r, (seed) => ev(perturbTokens(split, r, s.config.vocabSize, createRng(seed))));
  if (s.variant.weights === 'binary') {
    for (const r of FLIP_RATES) over('weight-flips', r, (seed) => ev(split, { weightRate: r, actRate: 0, seed }));
    if (s.variant.acts) {
      for (const r of FLIP_RATES) over('act-flips', r, (seed) => ev(split, { weightRate: 0, actRate: r, seed }));
      for (const r of FLIP_RATES) over('all-flips', r, (seed) => ev(split, { weightRate: r, actRate: r, seed }));
    }
  }
  return rows;
}

/** Clean-accuracy spread over several trained runs (training seeds): mean, std, min, max. */
export function spreadOverRuns(accuracies: number[]): { mean: number; std: number; min: number; max: number; runs: number } {
  const [mean, std] = meanStd(accuracies);
  return { mean, std, min: Math.min(...accuracies), max: Math.max(...accuracies), runs: accuracies.length };
}
