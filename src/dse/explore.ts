/**
 * The search loop: NSGA-II (src/dse/nsga2.ts) over a space (src/dse/space.ts), a generation at a time.
 * Per generation: the model configs not trained yet are trained on the worker threads (one training per
 * worker at a time, joint scope only), then the hardware evaluations are split into one batch per worker.
 * Every finished training and evaluation is journaled (src/dse/journal.ts) before the search goes on; a
 * resumed search replays the same seeded NSGA-II and takes every finished result from the journal, so a
 * killed search continues exactly where it stopped and re-runs nothing that finished.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createProgress } from '../common/progress.ts';
import { createRng } from '../common/rng.ts';
import { fail } from '../common/errors.ts';
import type { BmtConfig } from '../bmt/config.ts';
import type { DataSource } from '../bmt/data.ts';
import type { Hardware } from '../bat/hw.ts';
import type { Workload } from '../bat/workload.ts';
import { nsga2Batch, type Evaluated } from './nsga2.ts';
import { decodeHardware, decodeModel, modelConfig, spaceGenes, workloadOfConfig, type ModelChoice, type Scope, type Space } from './space.ts';
import { objectiveVector, violation, type AccuracyMetrics, type Constraints, type DesignMetrics, type HardwareMetrics } from './objectives.ts';
import { cachedModel, canonicalJson, dataIdentity, modelKey, type TrainedModel } from './trainer.ts';
import { openJournal, type JournalRecord } from './journal.ts';
import { WorkerPool } from './pool.ts';

export const JOURNAL_FILE = 'journal.jsonl';

/** Hardware scope: the trained model whose hardware is explored (accuracy fixed). */
export interface FixedModel {
  workload: Workload;
  accuracy: AccuracyMetrics;
}

/** Joint scope: how to train a model config (base config for the fields the space does not set, data, cache). */
export interface JointTraining {
  base: BmtConfig;
  data: DataSource;
  cacheDir: string;
}

export interface ExploreOptions {
  space: Space;
  scope: Scope;
  fixed?: FixedModel;
  joint?: JointTraining;
  population: number;
  generations: number;
  seed: number | string;
  constraints: Constraints;
  outDir: string;
  resume?: boolean;
  /** Worker threads (default: the machine's cores, at most 2). */
  workers?: number;
  quiet?: boolean;
}

export interface EvaluatedPoint {
  key: string;
  x: number[];
  objectives: number[];
  violation: number;
  metrics: DesignMetrics;
  /** The model choice (joint scope) or null (hardware scope: the fixed model). */
  model: ModelChoice | null;
  hardware: Hardware;
}

export interface ExploreStats {
  /** Evaluations computed by this run / taken from the journal of an earlier run. */
  evaluated: number;
  reused: number;
  /** Trainings run by this run / models taken from the journal or the cache folder. */
  trained: number;
  reusedModels: number;
  seconds: number;
}

export interface ExploreResult {
  /** Every distinct design evaluated, in evaluation order. */
  all: EvaluatedPoint[];
  /** The final population. */
  population: EvaluatedPoint[];
  /** Trained models by cache key (joint scope). */
  models: Record<string, TrainedModel>;
  stats: ExploreStats;
  settings: Record<string, unknown>;
}

export const genomeKey = (x: number[]): string => x.join('.');

/** Settings that define the search: a resumed run must have the same (generations may grow). */
function searchSettings(o: ExploreOptions): Record<string, unknown> {
  return {
    space: o.space, scope: o.scope, seed: o.seed, population: o.population, constraints: o.constraints,
    model: o.scope === 'hardware' ? { workload: o.fixed!.workload, accuracy: o.fixed!.accuracy } : { base: o.joint!.base, data: dataIdentity(o.joint!.data) },
  };
}

export async function explore(o: ExploreOptions): Promise<ExploreResult> {
  if (o.scope === 'hardware' && !o.fixed) fail('explore_no_model', 'hardware-only exploration needs a trained model');
  if (o.scope === 'joint' && !o.joint) fail('explore_no_data', 'joint exploration needs data to train model configs on');
  if (!Number.isInteger(o.generations) || o.generations < 0) fail('explore_bad_option', `generations must be an integer ≥ 0, got ${o.generations}`);
  if (!Number.isInteger(o.population) || o.population < 4 || o.population % 2) fail('explore_bad_option', `population must be an even integer ≥ 4, got ${o.population}`);
  const t0 = Date.now();
  const settings = searchSettings(o);
  const fingerprint = createHash('sha256').update(canonicalJson(settings)).digest('hex').slice(0, 16);
  const journal = openJournal(join(o.outDir, JOURNAL_FILE), fingerprint, settings, o.resume ?? false);
  const memo = new Map<string, Extract<JournalRecord, { type: 'eval' }>>();
  const models = new Map<string, TrainedModel>();
  const snapshots = new Map<number, string[]>();
  for (const r of journal.previous) {
    if (r.type === 'eval') memo.set(r.key, r);
    else if (r.type === 'model') models.set(r.key, r.model);
    else if (r.type === 'generation') snapshots.set(r.generation, r.population);
  }
  const fromJournal = new Set(memo.keys());
  const stats: ExploreStats = { evaluated: 0, reused: 0, trained: 0, reusedModels: models.size, seconds: 0 };
  const order: string[] = [...memo.keys()];
  const genes = spaceGenes(o.space, o.scope);
  const total = o.population * (o.generations + 1);
  const progress = createProgress(`explore (${o.scope})`, total, { unit: 'designs', quiet: o.quiet });
  let done = 0;
  const pool = new WorkerPool(o.workers ?? Math.min(2, availableParallelism()));

  const configOf = (x: number[]) => modelConfig(o.joint!.base, decodeModel(o.space, x, 'joint'));

  /** Train the model configs of `xs` that are neither in the journal nor yet trained, one per worker at a time. */
  async function trainMissing(xs: number[][]): Promise<void> {
    const want = new Map<string, BmtConfig>();
    for (const x of xs) {
      const c = configOf(x), k = modelKey(c, o.joint!.data);
      if (models.has(k) || want.has(k)) continue;
      const hit = cachedModel(o.joint!.cacheDir, k);
      if (hit) {
        models.set(k, hit);
        stats.reusedModels++;
        journal.append([{ type: 'model', key: k, model: hit }]);
      } else want.set(k, c);
    }
    await Promise.all([...want].map(async ([k, config]) => {
      const m = await pool.run({ kind: 'train', job: { config, data: o.joint!.data, cacheDir: o.joint!.cacheDir, quiet: true } });
      if (m.key !== k) fail('explore_cache_key', `training returned cache key ${m.key}, expected ${k}`);
      models.set(k, m);
      stats.trained++;
      journal.append([{ type: 'model', key: k, model: m }]);
      progress.update(done, `trained ${models.size} model(s), last val acc ${(100 * m.validation.accuracy).toFixed(1)}%`);
    }));
  }

  function accuracyOf(x: number[]): { acc: AccuracyMetrics; workload: Workload } {
    if (o.scope === 'hardware') return { acc: o.fixed!.accuracy, workload: o.fixed!.workload };
    const c = configOf(x), m = models.get(modelKey(c, o.joint!.data))!;
    return {
      acc: { accuracy: m.validation.accuracy, testAccuracy: m.test.accuracy, bitflipAccuracy: m.bitflip.accuracy, model: m.key },
      workload: workloadOfConfig(c, m.labels.length),
    };
  }

  async function evaluateBatch(xs: number[][]): Promise<Evaluated[]> {
    const todo = new Map<string, number[]>();
    for (const x of xs) {
      const k = genomeKey(x);
      if (!memo.has(k)) todo.set(k, x);
      else if (fromJournal.delete(k)) stats.reused++;
    }
    const pending = [...todo.values()];
    if (o.scope === 'joint' && pending.length) await trainMissing(pending);
    const items = pending.map((x) => ({ x, ...accuracyOf(x), hardware: decodeHardware(o.space, x, o.scope) }));
    const per = Math.ceil(items.length / pool.size);
    const chunks = Array.from({ length: pool.size }, (_, i) => items.slice(i * per, (i + 1) * per)).filter((c) => c.length);
    const results = await Promise.all(chunks.map((c) => pool.run({ kind: 'hardware', items: c.map((it) => ({ workload: it.workload, hardware: it.hardware })) })));
    const records = chunks.flatMap((c, ci) => c.map((it, i) => {
      const hwm: HardwareMetrics = results[ci][i];
      const metrics: DesignMetrics = { ...hwm, ...it.acc };
      return { type: 'eval' as const, key: genomeKey(it.x), x: it.x, objectives: objectiveVector(metrics), violation: violation(hwm, o.constraints), metrics };
    }));
    journal.append(records);
    for (const r of records) { memo.set(r.key, r); order.push(r.key); }
    stats.evaluated += records.length;
    done += xs.length;
    progress.update(done, `${memo.size} distinct designs, ${stats.reused} from the journal`);
    return xs.map((x) => memo.get(genomeKey(x))!);
  }

  let final;
  try {
    final = await nsga2Batch({ genes, objectives: 3, evaluateBatch }, {
      populationSize: o.population, generations: o.generations, rng: createRng(`explore:${o.seed}`),
      onGeneration(g, pop) {
        const keys = pop.map((p) => genomeKey(p.x));
        const seen = snapshots.get(g);
        if (seen && seen.join(',') !== keys.join(',')) fail('journal_mismatch', `generation ${g} replays differently from the journal (the code or the cache changed); choose another --out`, { file: join(o.outDir, JOURNAL_FILE) });
        if (!seen) journal.append([{ type: 'generation', generation: g, population: keys }]);
      },
    });
    journal.append([{ type: 'done', generations: o.generations }]);
  } finally {
    journal.close();
    await pool.close();
  }
  progress.done(`${memo.size} distinct designs (${stats.evaluated} evaluated now, ${stats.reused} from the journal), ${models.size} model(s)`);
  const point = (k: string): EvaluatedPoint => {
    const r = memo.get(k)!;
    return { key: k, x: r.x, objectives: r.objectives, violation: r.violation, metrics: r.metrics, model: o.scope === 'joint' ? decodeModel(o.space, r.x, 'joint') : null, hardware: decodeHardware(o.space, r.x, o.scope) };
  };
  stats.seconds = (Date.now() - t0) / 1000;
  return {
    all: [...new Set(order)].map(point), population: final.map((p) => point(genomeKey(p.x))),
    models: Object.fromEntries(models), stats, settings,
  };
}
