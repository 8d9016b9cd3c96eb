/**
 * Accuracy by real training (SYSTEM.md §4): one bmt recipe run per distinct model config, cached in a folder
 * keyed by a hash of (recipe, config, data identity). A cache entry holds the run (checkpoints, tokenizer,
 * metrics), the exported `model.bmt`, and `result.json`, written last: its presence marks a finished entry.
 * A killed training resumes from its stage checkpoints (src/bmt/recipe.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../common/atomic.ts';
import { createRng } from '../common/rng.ts';
import { fail } from '../common/errors.ts';
import { BUILTIN_DATASETS } from '../data/dataset.ts';
import type { BmtConfig } from '../bmt/config.ts';
import type { StageState } from '../bmt/checkpoint.ts';
import type { EncodedSplit } from '../bmt/train.ts';
import { prepareData, type DataSource } from '../bmt/data.ts';
import { initEngine } from '../bmt/engine.ts';
import { trainRecipe } from '../bmt/recipe.ts';
import { evaluate } from '../bmt/train.ts';
import { toDeployModel } from '../bmt/export.ts';
import { writeBmtFile } from '../format/file.ts';

/** Flip rate of the robustness metric (SYSTEM.md §1 lists 1e-4, 1e-3, 1e-2; the exploration uses 1e-3). */
export const BITFLIP_RATE = 1e-3;
export const BITFLIP_TRIALS = 3;
/** Bumped when what a cache entry holds changes, so old entries are not mistaken for new ones. */
export const CACHE_VERSION = 1;

export interface TrainJob {
  config: BmtConfig;
  data: DataSource;
  cacheDir: string;
  quiet?: boolean;
}

export interface TrainedModel {
  key: string;
  config: BmtConfig;
  labels: string[];
  validation: { accuracy: number; f1: number; n: number };
  test: { accuracy: number; f1: number; n: number };
  /** Validation accuracy with binary weight signs and binary activations flipped at `rate` (bmt's robustness evaluation), mean of `trials` seeds. */
  bitflip: { rate: number; trials: number; accuracy: number };
  /** Training wall time, s (all stages). */
  seconds: number;
  /** The exported deployable model. */
  modelFile: string;
}

/** A built-in dataset by name; a file by the SHA-256 of its bytes (renaming a file keeps its cache). */
export function dataIdentity(d: DataSource): Record<string, unknown> {
  const file = (f: string) => {
    if (!existsSync(f)) fail('dataset_missing', 'data file not found', { file: f });
    return createHash('sha256').update(readFileSync(f)).digest('hex');
  };
  const seed = d.seed ?? null;
  if (d.dataset) return (BUILTIN_DATASETS as readonly string[]).includes(d.dataset) ? { builtin: d.dataset, seed } : { file: file(d.dataset), seed };
  if (d.trainFile && d.testFile) return { train: file(d.trainFile), test: file(d.testFile), seed };
  return fail('train_no_data', 'give a dataset name, or both a train and a test file');
}

/** JSON with object keys sorted at every level: one text per value, so one hash. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

export function modelKey(config: BmtConfig, data: DataSource): string {
  return createHash('sha256').update(canonicalJson({ cache: CACHE_VERSION, recipe: 'bmt', config, data: dataIdentity(data) })).digest('hex').slice(0, 16);
}

/** The finished cache entry of this key, if any. */
export function cachedModel(cacheDir: string, key: string): TrainedModel | null {
  const f = join(cacheDir, key, 'result.json');
  return existsSync(f) ? { ...(JSON.parse(readFileSync(f, 'utf8')) as TrainedModel), modelFile: join(cacheDir, key, 'model.bmt') } : null;
}

/**
 * Robustness (b) of SYSTEM.md with bmt's evaluation (src/bmt/robustness.ts uses the same noise): every stored
 * binary weight sign flips with probability `rate` (drawn once per evaluation, a corrupted memory) and every
 * binary activation with `rate` (fresh per value); validation accuracy, mean over `trials` noise seeds.
 */
function bitflipAccuracy(final: StageState, split: EncodedSplit, key: string): number {
  let sum = 0;
  for (let t = 0; t < BITFLIP_TRIALS; t++) {
    const noise = { weightRate: BITFLIP_RATE, actRate: BITFLIP_RATE, rng: createRng(`bitflip:${key}:${t}`), weightMasks: new Map<string, Float32Array>() };
    sum += evaluate(final.config, final.variant, final.params, final.labels, split, 64, noise).accuracy;
  }
  return sum / BITFLIP_TRIALS;
}

/** Train (or load from the cache) the bmt recipe on one config; export it; measure bit-flip robustness. */
export async function trainedModel(job: TrainJob): Promise<TrainedModel> {
  const key = modelKey(job.config, job.data);
  const hit = cachedModel(job.cacheDir, key);
  if (hit) return hit;
  const dir = join(job.cacheDir, key);
  await initEngine('wasm');
  const t0 = Date.now();
  const prepared = prepareData(job.data, job.config, dir);
  writeJsonAtomic(join(dir, 'config.json'), job.config);
  const { metrics, final } = trainRecipe({ recipe: 'bmt', config: job.config, data: prepared.data, outDir: dir, resume: true, quiet: job.quiet });
  const model = toDeployModel(final, prepared.tokenizer.toJSON(), { recipe: 'bmt', config: job.config, metrics: metrics.final });
  const modelFile = join(dir, 'model.bmt');
  writeBmtFile(modelFile, model);
  const flip = bitflipAccuracy(final, prepared.data.validation, key);
  const result: TrainedModel = {
    key, config: job.config, labels: prepared.data.labels, validation: metrics.final.validation, test: metrics.final.test,
    bitflip: { rate: BITFLIP_RATE, trials: BITFLIP_TRIALS, accuracy: flip }, seconds: (Date.now() - t0) / 1000, modelFile,
  };
  writeJsonAtomic(join(dir, 'result.json'), result);
  return result;
}
