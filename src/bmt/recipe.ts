/**
 * The BMT recipe (SYSTEM.md §1; BiT and BinaryBERT): FP32 teacher → ternary student with distillation
 * [→ stepwise activation bits] → ternary weight splitting (exact) → W1A1 fine-tuning with distillation.
 * Ablation recipes share the teacher stage: `w1a32` (binary weights, float activations), `direct` (W1A1 with one
 * binary part trained directly, BiT-style), `tws` (the bmt recipe with WTWS forced off).
 * Each stage writes DIR/<stage>.ckpt (atomic, checksummed) and DIR/metrics.json; `resume` continues a killed run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../common/atomic.ts';
import { fail } from '../common/errors.ts';
import { createRng } from '../common/rng.ts';
import type { BmtConfig } from './config.ts';
import { readCheckpoint, writeCheckpoint, type StageState } from './checkpoint.ts';
import { FP32, initParams, siteBits, type ModelVariant, type Params, type SiteName } from './model.ts';
import { evaluate, trainStage, type EncodedSplit, type Teacher } from './train.ts';
import { splitModel } from './tws.ts';

export const RECIPES = ['bmt', 'fp32', 'w1a32', 'direct', 'tws'] as const;
export type RecipeName = (typeof RECIPES)[number];

export interface StagePlan {
  name: string;
  /** `train` runs the optimizer; `split` applies TWS to the previous stage (no training). */
  kind: 'train' | 'split';
  config: BmtConfig;
  variant: ModelVariant;
  epochs: number;
  lr: number;
  /** Distil from the FP32 stage. */
  distill: boolean;
}

/** The stages of a recipe, in order. */
export function planRecipe(recipe: RecipeName, c: BmtConfig): StagePlan[] {
  const e = c.train.epochs, lr = c.train.lr;
  const plans: StagePlan[] = [{ name: 'fp32', kind: 'train', config: c, variant: FP32, epochs: e.fp32, lr: lr.fp32, distill: false }];
  const quantEpochs = e.ternary + e.binary; // the direct baselines get the ternary + binary budget
  if (recipe === 'w1a32')
    plans.push({ name: 'w1a32', kind: 'train', config: c, variant: { weights: 'binary', parts: 1, acts: false, wtws: false }, epochs: quantEpochs, lr: lr.quant, distill: true });
  if (recipe === 'direct')
    plans.push({ name: 'direct', kind: 'train', config: c, variant: { weights: 'binary', parts: 1, acts: true, wtws: false }, epochs: quantEpochs, lr: lr.quant, distill: true });
  if (recipe === 'bmt' || recipe === 'tws') {
    const wtws = recipe === 'bmt' && c.wtws;
    const ternary: ModelVariant = { weights: 'ternary', parts: 1, acts: true, wtws: false };
    for (const bits of c.stepwiseBits) {
      // Stepwise activation bits: every site the config binarizes runs at `bits` in this step
      const b = Object.fromEntries(Object.entries(c.bits).map(([k, x]) => [k, x === 1 ? bits : x])) as BmtConfig['bits'];
      plans.push({ name: `ternary-a${bits}`, kind: 'train', config: { ...c, bits: b }, variant: ternary, epochs: e.ternary / (c.stepwiseBits.length + 1), lr: lr.quant, distill: true });
    }
    plans.push({ name: 'ternary', kind: 'train', config: c, variant: ternary, epochs: e.ternary / (c.stepwiseBits.length + 1), lr: lr.quant, distill: true });
    plans.push({ name: 'split', kind: 'split', config: c, variant: { weights: 'binary', parts: 2, acts: true, wtws }, epochs: 0, lr: 0, distill: false });
    plans.push({ name: 'binary', kind: 'train', config: c, variant: { weights: 'binary', parts: 2, acts: true, wtws }, epochs: e.binary, lr: lr.quant, distill: true });
  }
  return recipe === 'fp32' ? plans.slice(0, 1) : plans;
}

export interface SplitScore { accuracy: number; f1: number; n: number }
export interface StageMetrics {
  name: string;
  variant: ModelVariant;
  steps: number;
  seconds: number;
  validation: SplitScore;
  test: SplitScore;
}
export interface RecipeMetrics {
  recipe: RecipeName;
  config: BmtConfig;
  labels: string[];
  stages: StageMetrics[];
  final: { stage: string; checkpoint?: string; validation: SplitScore; test: SplitScore };
}

export interface EncodedDataset {
  labels: string[];
  train: EncodedSplit;
  validation: EncodedSplit;
  test: EncodedSplit;
}

export interface RecipeOptions {
  recipe: RecipeName;
  config: BmtConfig;
  data: EncodedDataset;
  /** Run folder for checkpoints and metrics.json; omitted: in memory only. */
  outDir?: string;
  /** Continue from the checkpoints in outDir (required if outDir already has some). */
  resume?: boolean;
  /** Use this finished FP32 checkpoint as the teacher instead of training one. */
  teacherCheckpoint?: string;
  quiet?: boolean;
}

export interface RecipeResult {
  metrics: RecipeMetrics;
  /** The final stage's state (its parameters are the trained model). */
  final: StageState;
}

const score = (r: { accuracy: number; f1: number; n: number }): SplitScore => ({ accuracy: r.accuracy, f1: r.f1, n: r.n });

/**
 * Copy into `base` every parameter of `from` that the target layout also has (a stage starts from the previous).
 * Activation-site parameters are carried only when the site keeps its bits (an LSQ step is not an elastic α).
 * Returns the names carried.
 */
function carryOver(base: Params, from: StageState, to: StagePlan): Set<string> {
  const carried = new Set<string>();
  for (const k of Object.keys(base)) {
    const site = /^L\d+\.(\w+)\.(alpha|beta|tau)$/.exec(k)?.[1] as SiteName | undefined;
    if (site && (!from.variant.acts || siteBits(from.config, site) !== siteBits(to.config, site))) continue;
    if (from.params[k] && from.params[k].length === base[k].length) { base[k] = Float32Array.from(from.params[k]); carried.add(k); }
  }
  return carried;
}

/** Run a whole recipe; returns its metrics and final state. */
export function trainRecipe(o: RecipeOptions): RecipeResult {
  const { config: c, data } = o;
  const plans = planRecipe(o.recipe, c);
  const ckpt = (name: string) => (o.outDir ? join(o.outDir, `${name}.ckpt`) : undefined);
  if (o.outDir && !o.resume) {
    const existing = plans.map((p) => ckpt(p.name)!).find((f) => existsSync(f));
    if (existing) fail('train_out_exists', 'output folder already holds a checkpoint; pass --resume to continue it or choose another --out', { file: existing });
  }
  const stages: StageMetrics[] = [];
  let teacher: Teacher | undefined;
  let prev: StageState | undefined;
  for (const plan of plans) {
    const path = ckpt(plan.name);
    let state: StageState | undefined;
    let partial: StageState | undefined;
    if (plan.name === 'fp32' && o.teacherCheckpoint) {
      state = readCheckpoint(o.teacherCheckpoint);
      if (!state.done || state.variant.weights !== 'float' || state.variant.acts) fail('teacher_invalid', 'teacher checkpoint is not a finished FP32 stage', { file: o.teacherCheckpoint });
      if (state.config.hidden !== c.hidden || state.config.layers !== c.layers || state.config.seqLen !== c.seqLen || state.config.vocabSize !== c.vocabSize)
        fail('teacher_invalid', 'teacher checkpoint has a different model shape', { file: o.teacherCheckpoint });
    } else if (path && existsSync(path)) {
      const s = readCheckpoint(path);
      if (s.done) state = s;
      else partial = s;
    }
    if (!state) {
      const t0 = Date.now();
      let params: Params;
      let steps = 0;
      if (plan.kind === 'split') {
        const sp = splitModel(plan.config, prev!.params, plan.variant.wtws);
        params = sp.params;
      } else {
        const init = initParams(plan.config, plan.variant, data.labels.length, createRng(`${c.train.seed}:init:${plan.name}`));
        const carried = prev ? carryOver(init, prev, plan) : new Set<string>();
        const r = trainStage({
          stage: plan.name, config: plan.config, variant: plan.variant, labels: data.labels,
          params: init, keepScales: carried,
          train: data.train, epochs: plan.epochs, lr: plan.lr,
          teacher: plan.distill ? teacher : undefined, resume: partial, checkpointPath: path, quiet: o.quiet,
        });
        params = r.params;
        steps = r.steps;
      }
      const val = evaluate(plan.config, plan.variant, params, data.labels, data.validation);
      const test = evaluate(plan.config, plan.variant, params, data.labels, data.test);
      const m: StageMetrics = { name: plan.name, variant: plan.variant, steps, seconds: (Date.now() - t0) / 1000 + ((partial?.metrics?.seconds as number) ?? 0), validation: score(val), test: score(test) };
      state = { stage: plan.name, config: plan.config, variant: plan.variant, labels: data.labels, step: steps, totalSteps: steps, done: true, metrics: { ...m }, params };
      if (path) writeCheckpoint(path, state);
    }
    stages.push(state.metrics as unknown as StageMetrics);
    if (plan.name === 'fp32') teacher = { config: state.config, variant: state.variant, params: state.params };
    prev = state;
    if (o.outDir) writeJsonAtomic(join(o.outDir, 'metrics.json'), buildMetrics(o, stages, ckpt(plan.name)));
  }
  return { metrics: buildMetrics(o, stages, ckpt(prev!.stage)), final: prev! };
}

function buildMetrics(o: RecipeOptions, stages: StageMetrics[], lastCkpt?: string): RecipeMetrics {
  const last = stages[stages.length - 1];
  return { recipe: o.recipe, config: o.config, labels: o.data.labels, stages, final: { stage: last.name, checkpoint: lastCkpt, validation: last.validation, test: last.test } };
}
