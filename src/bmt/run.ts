/**
 * A training run in a folder: resolve the config (preset + overrides file), prepare the data, run the recipe.
 * DIR holds config.json, tokenizer.json, one <stage>.ckpt per stage and metrics.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../common/atomic.ts';
import { fail } from '../common/errors.ts';
import { parseBmtConfig, type BmtConfig, type BmtConfigInput } from './config.ts';
import { prepareData, type DataSource } from './data.ts';
import { initEngine } from './engine.ts';
import { presets, resolvePreset } from './presets.ts';
import { trainRecipe, type RecipeName, type RecipeResult } from './recipe.ts';

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
  resume?: boolean;
  teacherCheckpoint?: string;
  quiet?: boolean;
}

export async function runTraining(o: RunOptions): Promise<RecipeResult> {
  let config = buildConfig(o.preset ?? 'default', o.configFile ? readConfigOverrides(o.configFile) : {}, o.configFile);
  const saved = join(o.outDir, 'config.json');
  if (o.resume && existsSync(saved)) config = parseBmtConfig(JSON.parse(readFileSync(saved, 'utf8')), saved);
  else if (existsSync(saved) && !o.resume) fail('train_out_exists', 'output folder already holds a run; pass --resume to continue it or choose another --out', { file: saved });
  await initEngine('wasm');
  const prepared = prepareData(o, config, o.outDir);
  writeJsonAtomic(saved, config);
  return trainRecipe({ recipe: o.recipe, config, data: prepared.data, outDir: o.outDir, resume: o.resume, teacherCheckpoint: o.teacherCheckpoint, quiet: o.quiet });
}
