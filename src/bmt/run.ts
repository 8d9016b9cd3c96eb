/**
 * A training run in a folder: resolve the config (preset + overrides file), prepare the data, run the recipe.
 * DIR holds config.json, tokenizer.json, one <stage>.ckpt per stage and metrics.json.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadTokenizer, type Tokenizer } from '../data/index.ts';
import { readCheckpoint, type StageState } from './checkpoint.ts';
import { writeJsonAtomic } from '../common/atomic.ts';
import { fail } from '../common/errors.ts';
import { parseBmtConfig, type BmtConfig, type BmtConfigInput } from './config.ts';
import { prepareData, type DataSource } from './data.ts';
import { initEngine } from './engine.ts';
import { presets, resolvePreset } from './presets.ts';
import { trainRecipe, type RecipeMetrics, type RecipeName, type RecipeResult } from './recipe.ts';

/** Read a JSON config-overrides file; errors name the file (and the field, via parseBmtConfig). */
export function readConfigOverrides(file: string): Partial<BmtConfigInput> {
  if (!existsSync(file)) fail('config_missing', 'config file not found', { file });
  try {
    const v = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('config_invalid', 'config file must hold a JSON object', { file });
    return v as Partial<BmtConfigInput>;
  } catch (e) {
    if (e instanceof SyntaxError) fail('config_bad_json', `config file is not valid JSON: ${e.message}`, { file });
    throw e;
  }
}

/** Preset merged with overrides (nested train/distill/bits merged field by field), validated. */
export function buildConfig(preset: string, overrides: Partial<BmtConfigInput> = {}, file?: string): BmtConfig {
  if (!presets[preset]) resolvePreset(preset); // throws the unknown-preset error
  const base = presets[preset] as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    const b = base[k];
    merged[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' ? { ...(b as object), ...(v as object) } : v;
  }
  return parseBmtConfig(merged, file);
}

export interface RunOptions extends DataSource {
  recipe: RecipeName;
  outDir: string;
  preset?: string;
  configFile?: string;
  /** Config fields set on top of the preset and the config file. */
  overrides?: Partial<BmtConfigInput>;
  resume?: boolean;
  teacherCheckpoint?: string;
  quiet?: boolean;
}

export async function runTraining(o: RunOptions): Promise<RecipeResult> {
  let config = buildConfig(o.preset ?? 'default', { ...(o.configFile ? readConfigOverrides(o.configFile) : {}), ...o.overrides }, o.configFile);
  const saved = join(o.outDir, 'config.json');
  if (o.resume && existsSync(saved)) config = parseBmtConfig(JSON.parse(readFileSync(saved, 'utf8')), saved);
  else if (existsSync(saved) && !o.resume) fail('train_out_exists', 'output folder already holds a run; pass --resume to continue it or choose another --out', { file: saved });
  await initEngine('wasm');
  // A resumed run keeps the split it started with
  const savedSource = join(o.outDir, 'data.json');
  if (o.resume && o.seed === undefined && existsSync(savedSource)) o = { ...o, seed: (JSON.parse(readFileSync(savedSource, 'utf8')) as DataSource).seed };
  const prepared = prepareData(o, config, o.outDir);
  writeJsonAtomic(saved, config);
  const source: DataSource = { dataset: o.dataset, trainFile: o.trainFile, testFile: o.testFile, seed: o.seed ?? config.train.seed };
  writeJsonAtomic(join(o.outDir, 'data.json'), source);
  return trainRecipe({ recipe: o.recipe, config, data: prepared.data, outDir: o.outDir, resume: o.resume, teacherCheckpoint: o.teacherCheckpoint, quiet: o.quiet });
}

export interface LoadedRun {
  /** The checkpoint file and its finished stage. */
  checkpoint: string;
  state: StageState;
  /** The run folder (tokenizer.json, data.json). */
  dir: string;
  tokenizer: Tokenizer;
  /** Where the run's data came from (data.json), if recorded. */
  source?: DataSource;
}

/** A run folder (its final stage, per metrics.json) or a checkpoint file inside one. */
export function loadRun(path: string): LoadedRun {
  if (!existsSync(path)) fail('run_missing', 'no such run folder or checkpoint', { file: path });
  let checkpoint = path;
  if (statSync(path).isDirectory()) {
    const mf = join(path, 'metrics.json');
    if (!existsSync(mf)) fail('run_unfinished', 'run folder has no metrics.json (is training finished?)', { file: path });
    const m = JSON.parse(readFileSync(mf, 'utf8')) as RecipeMetrics;
    checkpoint = join(path, `${m.final.stage}.ckpt`);
  }
  const state = readCheckpoint(checkpoint);
  if (!state.done) fail('ckpt_unfinished', `stage '${state.stage}' is not finished; resume the training first`, { file: checkpoint });
  const dir = dirname(checkpoint);
  const tokPath = join(dir, 'tokenizer.json');
  if (!existsSync(tokPath)) fail('run_no_tokenizer', 'tokenizer.json not found next to the checkpoint', { file: tokPath });
  const dataPath = join(dir, 'data.json');
  const source = existsSync(dataPath) ? (JSON.parse(readFileSync(dataPath, 'utf8')) as DataSource) : undefined;
  return { checkpoint, state, dir, tokenizer: loadTokenizer(tokPath), source };
}
