/** `bitedge codesign`: the main job — the whole flow on SpamAssassin into one report folder. */
import { parseArgs } from 'node:util';
import { fail } from '../common/errors.ts';
import { CODESIGN_SIZES, codesign } from '../dse/codesign.ts';
import { numberOption } from './explore.ts';
import type { Command } from './command.ts';

const F = CODESIGN_SIZES.full, Q = CODESIGN_SIZES.quick;

const help = `Usage: bitedge codesign [--out DIR] [--resume] [--quick] [options]

With no arguments: the whole bitedge flow on the SpamAssassin corpus (embedded), into codesign-out/:
  1. train    BPE tokenizer, then the BMT recipe (FP32 teacher → ternary → ternary weight splitting →
              W1A1 fine-tuning with distillation): ${F.model.layers} layer, hidden ${F.model.hidden}, sequence ${F.model.seqLen},
              vocabulary ${F.base.vocabSize}, one epoch per stage (a few minutes on 2 cores); export model.bmt
  2. runtime  the 1-bit WebAssembly runtime on the test split; its accuracy must equal training's
  3. sim      BAT cycle-level, functional simulation on the '${F.hardware}' preset (report.html, timeline.svg)
  4. explore  joint model × hardware NSGA-II search (space '${F.space}': ${F.population} designs × ${F.generations} generations;
              4 model configs trained, 2 at a time); Pareto front JSON/CSV/SVG, the chosen design's BAT report
  5. report   index.html linking everything
Each step keeps its artefacts in the folder; --resume skips finished steps (and continues a killed
training or search where it stopped).

Options:
  --out DIR          report folder (default codesign-out)
  --resume           continue a run in DIR
  --quick            a tiny configuration for tests (bmt 'tiny' preset on 600 examples, space '${Q.space}',
                     ${Q.population} × ${Q.generations} generations): about a minute
  --budget-ms MS     latency budget per inference for the exploration (picks the most accurate design within it)
  --generations N    exploration generations (default ${F.generations}; quick ${Q.generations})
  --population N     exploration population (default ${F.population}; quick ${Q.population})
  --workers N        worker threads (default: cores, at most 2)
  --json             print codesign.json to stdout
  --quiet            no progress output

Examples:
  bitedge codesign
  bitedge codesign --out runs/codesign --resume
  bitedge codesign --quick --out /tmp/cd
`;

async function run(args: string[]): Promise<number> {
  let v;
  try {
    ({ values: v } = parseArgs({
      args, strict: true,
      options: {
        out: { type: 'string', default: 'codesign-out' }, resume: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false },
        'budget-ms': { type: 'string' }, generations: { type: 'string' }, population: { type: 'string' }, workers: { type: 'string' },
        json: { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false },
      },
    }));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && code?.startsWith('ERR_PARSE_ARGS')) fail('cli_usage', (e as Error).message.split('\n')[0]);
    throw e;
  }
  const state = await codesign({
    outDir: v.out!, quick: v.quick, resume: v.resume, quiet: v.quiet,
    latencyBudgetMs: v['budget-ms'] === undefined ? undefined : numberOption('budget-ms', v['budget-ms'], false, Number.MIN_VALUE),
    generations: v.generations === undefined ? undefined : numberOption('generations', v.generations, true, 0),
    population: v.population === undefined ? undefined : numberOption('population', v.population, true, 4),
    workers: v.workers === undefined ? undefined : numberOption('workers', v.workers, true, 1),
  });
  if (v.json) process.stdout.write(JSON.stringify(state, null, 2) + '\n');
  else {
    const s = state.steps, c = s.explore!.chosen;
    process.stdout.write([
      `trained   test accuracy ${(100 * s.train!.test.accuracy).toFixed(2)}% (W1A1), bit-flip 1e-3 validation accuracy ${(100 * s.train!.bitflip.accuracy).toFixed(2)}%`,
      `runtime   test accuracy ${(100 * s.runtime!.runtimeAccuracy).toFixed(2)}% (${s.runtime!.equal ? 'equal to training' : 'DIFFERENT from training'}), ${s.runtime!.msPerInference.toPrecision(3)} ms per inference`,
      `BAT ${s.sim!.hardware.padEnd(5)} latency ${s.sim!.latencyMs.toPrecision(4)} ms, ${s.sim!.gops.toPrecision(4)} GOPS, ${s.sim!.energyMJ.toPrecision(4)} mJ per inference`,
      `explore   ${s.explore!.evaluated} designs, ${s.explore!.front} on the front; chosen (${s.explore!.rule}): ${c ? `${c.hardware.board} ${c.hardware.clockMHz} MHz BMU ${c.hardware.bmu.pe}×${c.hardware.bmu.simd}, accuracy ${(100 * (c.metrics.accuracy ?? 0)).toFixed(2)}%, ${c.metrics.latencyMs.toPrecision(4)} ms, ${c.metrics.energyMJ.toPrecision(4)} mJ` : 'none feasible'}`,
      `report    ${v.out}/index.html`,
    ].join('\n') + '\n');
  }
  return 0;
}

export const codesignCommand: Command = { name: 'codesign', summary: 'the main job: train, deploy, simulate and co-design on SpamAssassin into a report folder', help, run };
