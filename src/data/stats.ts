/** Dataset statistics: counts per split and label, and text-length percentiles (in code points). */
import type { Dataset } from './dataset.ts';
import type { Splits } from './split.ts';

export const PERCENTILES = [5, 25, 50, 75, 95, 99] as const;

export interface SplitStats {
  count: number;
  perLabel: Record<string, number>;
  /** Text length in Unicode code points: min, max, mean and the PERCENTILES (`p50` …). */
  length: { min: number; max: number; mean: number } & Record<`p${(typeof PERCENTILES)[number]}`, number>;
}

export interface DatasetStats {
  name: string;
  labels: string[];
  seed: number;
  splits: Record<'all' | 'train' | 'validation' | 'test', SplitStats>;
}

/** Number of code points (a surrogate pair counts once). */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i + 1 < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) { const d = s.charCodeAt(i + 1); if (d >= 0xdc00 && d <= 0xdfff) { n--; i++; } }
  }
  return n;
}

/** Nearest-rank percentile of ascending `sorted`: the smallest value with at least p% of values ≤ it. */
export function percentileNearestRank(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export function splitStats(ds: Dataset): SplitStats {
  const perLabel: Record<string, number> = Object.fromEntries(ds.labels.map((l) => [l, 0]));
  for (const e of ds.examples) perLabel[e.label]++;
  const lengths = Float64Array.from(ds.examples, (e) => codePointLength(e.text)).sort();
  const n = lengths.length;
  const length = {
    min: n ? lengths[0] : NaN,
    max: n ? lengths[n - 1] : NaN,
    mean: n ? lengths.reduce((a, b) => a + b, 0) / n : NaN,
    ...Object.fromEntries(PERCENTILES.map((p) => [`p${p}`, percentileNearestRank(lengths, p)])),
  } as SplitStats['length'];
  return { count: n, perLabel, length };
}

export function datasetStats(all: Dataset, splits: Splits, seed: number): DatasetStats {
  return {
    name: all.name,
    labels: all.labels,
    seed,
    splits: { all: splitStats(all), train: splitStats(splits.train), validation: splitStats(splits.validation), test: splitStats(splits.test) },
  };
}
