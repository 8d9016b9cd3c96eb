/**
 * The main job (SYSTEM.md §5): the whole flow on SpamAssassin in one folder, each step's artefacts kept so
 * that a re-run with --resume skips finished steps:
 *   1. train    tokenizer + bmt recipe (FP32 → ternary → TWS → W1A1) through the model cache; export model.bmt
 *   2. runtime  the 1-bit runtime's accuracy on the test split, against training's
 *   3. sim      the BAT cycle-level simulation of the model on a preset accelerator (functional + timing report)
 *   4. explore  joint model × hardware NSGA-II search (the step-1 model is one of its points: cache shared)
 *   5. report   index.html linking everything, codesign.json
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../common/atomic.ts';
import { fail } from '../common/errors.ts';
import { parseBmtConfig, type BmtConfig } from '../bmt/config.ts';
import { prepareData, type DataSource } from '../bmt/data.ts';
import { presets } from '../bmt/presets.ts';
import { PRESETS } from '../bat/presets.ts';
import { workloadFromModel } from '../bat/workload.ts';
import { readBmtFile } from '../format/file.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { createProgress } from '../common/progress.ts';
import { SPACES, modelConfig, type ModelChoice, type Space } from './space.ts';
import { trainedModel, type TrainedModel } from './trainer.ts';
import { writeBatReport } from './outputs.ts';
import { exploreAndReport } from './setup.ts';
import type { FrontDocument } from './outputs.ts';
import { codesignHtml } from './codesign-html.ts';

/**
 * The two sizes. `full`: 1 layer, hidden 64, sequence 48, vocabulary 1000, one epoch per stage (the bmt `tiny`
 * preset's other settings) — not the bmt `default` preset (2 × 64, 128 tokens, epochs 4/1/1: near 20 minutes on
 * two cores), because the joint search trains four models of this size; measured 2 min 9 s per model alone on a
 * loaded 2-core machine, 92.7% test accuracy (docs/dse.md). `quick`: the bmt `tiny` preset on 600 training
 * examples, epochs 3/1/1 (tests; 90.4% test accuracy in 8 s, measured: a model that learned, so that the
 * runtime check compares something better than majority-class predictions).
 */
export const CODESIGN_SIZES = {
  full: {
    model: { layers: 1, hidden: 64, heads: 2, ffnMult: 2, seqLen: 48, qkvIn: 1, qkvOut: 1, probs: 1, ctxIn: 1, ffnIn: 1, ffn2In: 1, attention: 'softmax-binary', wtws: true } as ModelChoice,
    base: { ...presets.tiny, vocabSize: 1000, train: { ...presets.tiny.train, epochs: { fp32: 1, ternary: 1, binary: 1 } } },
    space: 'codesign', generations: 15, population: 24, hardware: 'edge',
  },
  quick: {
    model: { layers: 1, hidden: 32, heads: 2, ffnMult: 2, seqLen: 16, qkvIn: 1, qkvOut: 1, probs: 1, ctxIn: 1, ffnIn: 1, ffn2In: 1, attention: 'softmax-binary', wtws: true } as ModelChoice,
    base: { ...presets.tiny, vocabSize: 300, train: { ...presets.tiny.train, maxTrainExamples: 600, epochs: { fp32: 3, ternary: 1, binary: 1 } } },
    space: 'small', generations: 3, population: 8, hardware: 'edge',
  },
} as const;

export interface CodesignOptions {
  outDir: string;
  quick?: boolean;
  resume?: boolean;
  quiet?: boolean;
  latencyBudgetMs?: number;
  generations?: number;
  population?: number;
  workers?: number;
}

export interface RuntimeCheck {
  n: number;
  runtimeAccuracy: number;
  trainingAccuracy: number;
  /** The 1-bit runtime's accuracy equals training's quantized forward's (the exactness contract, docs/forward.md). */
  equal: boolean;
  threads: number;
  msPerInference: number;
}

export interface CodesignState {
  format: 'bitedge-codesign';
  version: 1;
  size: 'full' | 'quick';
  dataset: string;
  config: BmtConfig;
  steps: {
    train?: TrainedModel;
    runtime?: RuntimeCheck;
    sim?: { hardware: string; latencyMs: number; gops: number; energyMJ: number; functionalEqual: boolean | null };
    explore?: { front: number; evaluated: number; chosen: FrontDocument['chosen']; rule: string; seconds: number };
  };
}

const DATA: DataSource = { dataset: 'spamassassin' };
export const STATE_FILE = 'codesign.json';

/** The 1-bit runtime over the test split: accuracy and time per inference. */
async function runtimeCheck(t: TrainedModel, cacheDir: string, quiet: boolean): Promise<RuntimeCheck> {
  const model = readBmtFile(t.modelFile);
  const { data } = prepareData(DATA, t.config, join(cacheDir, t.key));
  const s = data.test, T = s.seqLen;
  const inputs = Array.from({ length: s.n }, (_, i) => ({ ids: s.ids.slice(i * T, (i + 1) * T), mask: s.mask.slice(i * T, (i + 1) * T) }));
  const rt = await createRuntime(model);
  const progress = createProgress('runtime check', s.n, { unit: 'texts', quiet });
  let right = 0;
  const t0 = performance.now();
  try {
    for (let i = 0; i < s.n; i += 256) {
      const logits = await rt.run(inputs.slice(i, i + 256));
      logits.forEach((l, j) => {
        let best = 0;
        for (let k = 1; k < l.length; k++) if (l[k] > l[best]) best = k;
        if (best === s.labels[i + j]) right++;
      });
      progress.update(Math.min(s.n, i + 256));
    }
  } finally {
    await rt.close();
  }
  progress.done();
  const ms = (performance.now() - t0) / s.n;
  const acc = right / s.n;
  return { n: s.n, runtimeAccuracy: acc, trainingAccuracy: t.test.accuracy, equal: Math.abs(acc - t.test.accuracy) < 0.5 / s.n, threads: rt.threads, msPerInference: ms };
}

export async function codesign(o: CodesignOptions): Promise<CodesignState> {
  const size = o.quick ? 'quick' : 'full';
  const S = CODESIGN_SIZES[size];
  const base = parseBmtConfig(S.base);
  const config = modelConfig(base, S.model);
  const statePath = join(o.outDir, STATE_FILE);
  let state: CodesignState;
  if (existsSync(statePath)) {
    if (!o.resume) fail('codesign_out_exists', 'the output folder holds a codesign run; pass --resume to continue it (finished steps are skipped) or choose another --out', { file: statePath });
    state = JSON.parse(readFileSync(statePath, 'utf8')) as CodesignState;
    if (state.size !== size) fail('codesign_other_size', `the folder holds a ${state.size} run; this is a ${size} run`, { file: statePath });
  } else state = { format: 'bitedge-codesign', version: 1, size, dataset: DATA.dataset!, config, steps: {} };
  const save = () => writeJsonAtomic(statePath, state);
  const say = (s: string) => { if (!o.quiet) process.stderr.write(`codesign: ${s}\n`); };
  const cacheDir = join(o.outDir, 'cache');
  const space: Space = SPACES[S.space];

  if (!state.steps.train) {
    say(`1/5 train: tokenizer + bmt recipe on ${DATA.dataset} (layers ${config.layers}, hidden ${config.hidden}, sequence ${config.seqLen}, vocabulary ${config.vocabSize})`);
    state.steps.train = await trainedModel({ config, data: DATA, cacheDir, quiet: o.quiet });
    copyFileSync(state.steps.train.modelFile, join(o.outDir, 'model.bmt'));
    save();
  } else say('1/5 train: done before, skipped');
  const trained = { ...state.steps.train, modelFile: join(cacheDir, state.steps.train.key, 'model.bmt') };
  say(`    test accuracy ${(100 * trained.test.accuracy).toFixed(2)}%, bit-flip (1e-3) validation accuracy ${(100 * trained.bitflip.accuracy).toFixed(2)}%`);

  if (!state.steps.runtime) {
    say('2/5 runtime: the 1-bit wasm runtime on the test split');
    state.steps.runtime = await runtimeCheck(trained, cacheDir, o.quiet ?? false);
    writeJsonAtomic(join(o.outDir, 'runtime.json'), state.steps.runtime);
    save();
  } else say('2/5 runtime: done before, skipped');

  if (!state.steps.sim) {
    say(`3/5 sim: BAT preset '${S.hardware}', cycle-level and functional`);
    const model = readBmtFile(join(o.outDir, 'model.bmt'));
    const r = writeBatReport(join(o.outDir, `bat-${S.hardware}`), PRESETS[S.hardware], workloadFromModel(model), model);
    state.steps.sim = { hardware: S.hardware, latencyMs: 1e3 * r.latency.seconds, gops: r.throughput.gops, energyMJ: 1e3 * r.energy.fpga.joulesPerInference, functionalEqual: r.functional?.equalsReferenceForward ?? null };
    save();
  } else say('3/5 sim: done before, skipped');

  if (!state.steps.explore) {
    say(`4/5 explore: joint NSGA-II over space '${S.space}' (${o.population ?? S.population} × ${o.generations ?? S.generations} generations)`);
    const { doc, result } = await exploreAndReport({
      space, scope: 'joint', joint: { base, data: DATA, cacheDir }, population: o.population ?? S.population, generations: o.generations ?? S.generations,
      seed: 1, constraints: o.latencyBudgetMs === undefined ? {} : { latencyBudgetMs: o.latencyBudgetMs }, outDir: join(o.outDir, 'explore'),
      resume: true, workers: o.workers, quiet: o.quiet,
    }, null);
    state.steps.explore = { front: doc.counts.front, evaluated: doc.counts.evaluated, chosen: doc.chosen, rule: doc.rule, seconds: result.stats.seconds };
    save();
  } else say('4/5 explore: done before, skipped');

  say('5/5 report: index.html');
  const chosenModel = state.steps.explore.chosen?.model ?? null;
  writeFileAtomic(join(o.outDir, 'index.html'), codesignHtml(state, chosenModel ? describeModel(chosenModel) : null));
  save();
  return state;
}

const describeModel = (m: ModelChoice): string => `${m.layers} layer(s), hidden ${m.hidden}, ${m.heads} heads, FFN ${m.ffnMult * m.hidden}, sequence ${m.seqLen}, WTWS ${m.wtws ? 'on' : 'off'}`;
