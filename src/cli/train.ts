/** `bitedge train`: the BMT recipe (FP32 teacher → ternary → TWS/WTWS → W1A1) or an ablation recipe. */
import { parseArgs } from 'node:util';
import { fail } from '../common/errors.ts';
import { RECIPES, type RecipeName, type RecipeMetrics } from '../bmt/recipe.ts';
import { runTraining } from '../bmt/run.ts';
import { presets } from '../bmt/presets.ts';
import type { Command } from './command.ts';

const help = `Usage: bitedge train (--dataset NAME | --train FILE --test FILE) --out DIR [options]

Trains a binarized Transformer. Stages of --recipe bmt (default):
  fp32     the float teacher
  ternary  ternary weights (TWN), activations per config bits, distilled from the teacher
  split    ternary weight splitting into two binary parts (exact: same outputs as ternary)
  binary   W1A1 fine-tuning with distillation (soft CE on logits + hidden-state MSE); WTWS if config wtws

Options:
  --dataset NAME     built-in dataset (spamassassin, sotu, names) or a .jsonl/.csv/.tsv file, split 80/10/10
  --train FILE       training file (.jsonl/.csv/.tsv); 10% of it becomes the validation split
  --test FILE        test file; its labels must all occur in the training file
  --out DIR          run folder: config.json, tokenizer.json, <stage>.ckpt, metrics.json
  --recipe NAME      ${RECIPES.join(' | ')} (default bmt)
                       fp32: the teacher only; w1a32: binary weights, float activations;
                       direct: W1A1 with one binary part, no splitting; tws: bmt with WTWS off
  --preset NAME      ${Object.keys(presets).join(' | ')} (default default)
  --config FILE      JSON overrides of the preset, e.g. {"layers": 4, "train": {"epochs": {"fp32": 2, ...}}}
  --teacher CKPT     reuse a finished fp32.ckpt as the teacher (same shape) instead of training one
  --split-seed N     seed of the train/validation/test split (default: the config's train.seed), so that
                     runs with different training seeds can share one split
  --resume           continue a killed run in --out from its last checkpoints
  --json             print metrics.json to stdout
  --quiet            no progress output

Examples:
  bitedge train --dataset spamassassin --out runs/spam
  bitedge train --dataset spamassassin --out runs/spam --resume
  bitedge train --train train.jsonl --test test.jsonl --recipe fp32 --out runs/fp32 --json
`;

export function formatStages(m: RecipeMetrics): string {
  const rows = m.stages.map((s) => `| ${s.name} | ${s.steps} | ${s.seconds.toFixed(0)} | ${(100 * s.validation.accuracy).toFixed(2)} | ${(100 * s.test.accuracy).toFixed(2)} | ${(100 * s.test.f1).toFixed(2)} |`);
  return ['| stage | steps | seconds | val acc % | test acc % | test macro-F1 % |', '|---|---|---|---|---|---|', ...rows].join('\n') + '\n';
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a binarized Transformer (FP32 → ternary → TWS → W1A1, with distillation)',
  help,
  async run(args) {
    const { values: v } = parseArgs({
      args,
      strict: true,
      options: {
        dataset: { type: 'string' }, train: { type: 'string' }, test: { type: 'string' }, out: { type: 'string' },
        recipe: { type: 'string', default: 'bmt' }, preset: { type: 'string', default: 'default' }, config: { type: 'string' },
        teacher: { type: 'string' }, 'split-seed': { type: 'string' }, resume: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false },
      },
    });
    if (!v.out) fail('cli_usage', '--out DIR is required');
    if (!(RECIPES as readonly string[]).includes(v.recipe!)) fail('cli_bad_option', `unknown --recipe`, { expected: RECIPES.join(' | '), received: v.recipe });
    if (v.dataset && (v.train || v.test)) fail('cli_usage', 'give either --dataset or --train/--test, not both');
    if (!v.dataset && (!v.train || !v.test)) fail('cli_usage', 'give --dataset NAME, or both --train FILE and --test FILE');
    const splitSeed = v['split-seed'] === undefined ? undefined : Number(v['split-seed']);
    if (splitSeed !== undefined && !Number.isSafeInteger(splitSeed)) fail('cli_bad_option', '--split-seed must be an integer', { received: v['split-seed'] });
    const r = await runTraining({
      dataset: v.dataset, trainFile: v.train, testFile: v.test, recipe: v.recipe as RecipeName, outDir: v.out,
      preset: v.preset, configFile: v.config, resume: v.resume, teacherCheckpoint: v.teacher, quiet: v.quiet, seed: splitSeed,
    });
    if (v.json) process.stdout.write(JSON.stringify(r.metrics, null, 2) + '\n');
    else process.stdout.write(formatStages(r.metrics) + `final: ${r.metrics.final.stage}, test accuracy ${(100 * r.metrics.final.test.accuracy).toFixed(2)}% (${r.metrics.final.checkpoint ?? ''})\n`);
    return 0;
  },
};
