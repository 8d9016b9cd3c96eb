/** `bitedge explore`: NSGA-II design space exploration, hardware-only for a trained model or joint model × hardware. */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fail } from '../common/errors.ts';
import { buildConfig, readConfigOverrides } from '../bmt/run.ts';
import { presets } from '../bmt/presets.ts';
import { MODEL_FIELDS, SPACES, loadSpace, spaceSize, type Space } from '../dse/space.ts';
import { exploreAndReport, fixedModelFromFile, restrictBoard } from '../dse/setup.ts';
import { OBJECTIVES } from '../dse/objectives.ts';
import type { FrontDocument } from '../dse/outputs.ts';
import type { Command } from './command.ts';

const help = `Usage: bitedge explore --model MODEL.bmt --out DIR [options]            hardware-only
       bitedge explore (--dataset NAME | --train FILE --test FILE) --out DIR [options]   joint model × hardware

Searches the design space with NSGA-II (fast non-dominated sort, crowding distance, constrained
domination). Objectives, all minimised: ${OBJECTIVES.map((o) => `${o.name} (${o.unit})`).join(', ')}.
Constraints: the board's resources under FINN's utilisation ceilings, and --budget-ms.

Hardware-only (--model): the model is fixed; every design is a BAT instance, evaluated with the
analytical model (thousands per second). Joint (--dataset or --train/--test): each distinct model config
of the space is trained with the bmt recipe (real runs, cached in --cache by a hash of config and data),
exported, and scored on the validation split and under weight bit flips at rate 1e-3.

Evaluations run on worker threads (one training per worker at a time). Every finished evaluation is
journaled (DIR/journal.jsonl, fsync'd): after a kill, the same command with --resume continues and
re-runs nothing that finished.

Options:
  --model FILE        a trained .bmt model: hardware-only exploration
  --dataset NAME      built-in dataset (spamassassin, sotu, names) or a data file: joint exploration
  --train FILE        training file (with --test) for joint exploration
  --test FILE         test file
  --space NAME|FILE   search space: ${Object.keys(SPACES).join(', ')} or a bitedge-space JSON file (default default)
  --preset NAME       bmt preset for the fields the space does not set (joint; ${Object.keys(presets).join(', ')}; default tiny)
  --config FILE       JSON overrides of that preset (joint)
  --generations N     NSGA-II generations after the initial population (default 30)
  --population N      population size, even, ≥ 4 (default 24)
  --budget-ms MS      latency budget per inference (constraint; also picks the chosen design)
  --board NAME        restrict the space to one board
  --seed S            search seed (default 1)
  --workers N         worker threads (default: cores, at most 2)
  --cache DIR         trained-model cache (joint; default DIR/cache)
  --out DIR           output folder                                                    [required]
  --resume            continue the search journaled in DIR
  --json              print front.json to stdout
  --quiet             no progress output

Outputs in DIR: front.json, front.csv (the Pareto front of every design evaluated), evaluations.csv,
pareto-latency.svg, pareto-energy.svg, latency-energy.svg, genes.json, journal.jsonl, chosen/ (the chosen design's hardware
description and full BAT report). Choice rule: with --budget-ms, the most accurate front design within
the budget (ties: lower latency, then energy); without, the knee point (docs/dse.md).

Examples:
  bitedge explore --model runs/spam/model.bmt --board zcu102 --budget-ms 1 --out out/hw
  bitedge explore --dataset spamassassin --space default --generations 10 --out out/joint
  bitedge explore --dataset spamassassin --out out/joint --resume
`;

function parse(args: string[]) {
  try {
    return parseArgs({
      args, strict: true,
      options: {
        model: { type: 'string' }, dataset: { type: 'string' }, train: { type: 'string' }, test: { type: 'string' },
        space: { type: 'string', default: 'default' }, preset: { type: 'string', default: 'tiny' }, config: { type: 'string' },
        generations: { type: 'string', default: '30' }, population: { type: 'string', default: '24' }, 'budget-ms': { type: 'string' },
        board: { type: 'string' }, seed: { type: 'string', default: '1' }, workers: { type: 'string' }, cache: { type: 'string' },
        out: { type: 'string' }, resume: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && code?.startsWith('ERR_PARSE_ARGS')) fail('cli_usage', (e as Error).message.split('\n')[0]);
    throw e;
  }
}

/** A positive number from an option; `integer` also requires an integer. */
export function numberOption(name: string, raw: string, integer: boolean, min: number): number {
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) fail('cli_bad_option', `--${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}`, { received: raw });
  return v;
}

export function resolveSpace(arg: string): Space {
  return SPACES[arg] ?? loadSpace(arg);
}

/** One-screen summary of a front document. */
export function formatFront(doc: FrontDocument): string {
  const c = doc.chosen;
  // The model column names the fields that differ across the front (all of them would not fit a line).
  const fields = MODEL_FIELDS.filter((f) => new Set(doc.front.map((p) => p.model?.[f])).size > 1);
  const model = (p: FrontDocument['front'][number]) => (p.model ? fields.map((f) => `${f} ${p.model![f]}`).join(', ') || 'one config' : 'fixed');
  const lines = [
    `${doc.counts.evaluated} designs evaluated (${doc.stats.evaluated} now, ${doc.stats.reused} from the journal), ${doc.counts.feasible} feasible, ${doc.counts.front} on the Pareto front; ${doc.stats.seconds.toFixed(1)} s`,
    '| accuracy % | latency ms | energy mJ | board | BMU PE×SIMD | clock MHz | model |',
    '|---|---|---|---|---|---|---|',
    ...doc.front.slice(0, 12).map((p) => `| ${p.metrics.accuracy === null ? '?' : (100 * p.metrics.accuracy).toFixed(2)} | ${p.metrics.latencyMs.toPrecision(4)} | ${p.metrics.energyMJ.toPrecision(4)} | ${p.hardware.board} | ${p.hardware.bmu.pe}×${p.hardware.bmu.simd} | ${p.hardware.clockMHz} | ${model(p)} |`),
    ...(doc.front.length > 12 ? [`… ${doc.front.length - 12} more in front.csv`] : []),
    c ? `chosen (${doc.rule}): ${c.hardware.board}, BMU ${c.hardware.bmu.pe}×${c.hardware.bmu.simd} at ${c.hardware.clockMHz} MHz, latency ${c.metrics.latencyMs.toPrecision(4)} ms, energy ${c.metrics.energyMJ.toPrecision(4)} mJ` : `chosen: none (no feasible design${doc.constraints.latencyBudgetMs !== null ? ' within the budget' : ''})`,
  ];
  return lines.join('\n') + '\n';
}

async function run(args: string[]): Promise<number> {
  const { values: v } = parse(args);
  if (!v.out) fail('cli_usage', '--out DIR is required');
  const joint = !!(v.dataset || v.train || v.test);
  if (!!v.model === joint) fail('cli_usage', 'give --model FILE (hardware-only) or --dataset / --train and --test (joint), exactly one');
  if (joint && v.dataset && (v.train || v.test)) fail('cli_usage', 'give either --dataset or --train/--test, not both');
  if (joint && !v.dataset && (!v.train || !v.test)) fail('cli_usage', '--train and --test go together');
  let space = resolveSpace(v.space!);
  if (v.board) space = restrictBoard(space, v.board);
  const budget = v['budget-ms'] === undefined ? undefined : numberOption('budget-ms', v['budget-ms'], false, Number.MIN_VALUE);
  const common = {
    space, population: numberOption('population', v.population!, true, 4), generations: numberOption('generations', v.generations!, true, 0),
    seed: v.seed!, constraints: budget === undefined ? {} : { latencyBudgetMs: budget }, outDir: v.out, resume: v.resume, quiet: v.quiet,
    workers: v.workers === undefined ? undefined : numberOption('workers', v.workers, true, 1),
  };
  const { doc } = joint
    ? await (async () => {
      const base = buildConfig(v.preset!, v.config ? readConfigOverrides(v.config) : {}, v.config);
      const size = spaceSize(space, 'joint');
      if (!v.quiet) process.stderr.write(`bitedge explore: joint space of ${size.models} model config(s) × ${size.hardware} hardware designs; each model config the search meets is trained once\n`);
      return exploreAndReport({ ...common, scope: 'joint', joint: { base, data: { dataset: v.dataset, trainFile: v.train, testFile: v.test }, cacheDir: v.cache ?? join(v.out!, 'cache') } }, null);
    })()
    : await exploreAndReport({ ...common, scope: 'hardware', fixed: fixedModelFromFile(v.model!) }, v.model!);
  process.stdout.write(v.json ? JSON.stringify(doc, null, 2) + '\n' : formatFront(doc));
  return 0;
}

export const exploreCommand: Command = { name: 'explore', summary: 'design space exploration (NSGA-II): Pareto front of accuracy, latency, energy', help, run };
