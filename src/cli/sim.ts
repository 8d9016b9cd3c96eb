/** `bitedge sim`: compile a model (or a bare shape) for a BAT instance, simulate it, report. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fail } from '../common/errors.ts';
import { writeJsonAtomic } from '../common/atomic.ts';
import { loadHardware } from '../bat/hw.ts';
import { SHAPES, parseWorkload, workloadFromModel, workloadFromShape, ShapeSchema, type Workload } from '../bat/workload.ts';
import { compile } from '../bat/compiler.ts';
import { simulate } from '../bat/sim.ts';
import { createDatapath } from '../bat/datapath.ts';
import { estimateSchedule } from '../bat/analytical.ts';
import { readBmtFile } from '../format/file.ts';
import { referenceForward } from '../runtime/reference/forward.ts';
import { modelTokenizer, classification } from '../runtime/classify.ts';
import { buildReport, writeReport, type BatReport } from '../report/report.ts';
import { si } from '../report/html.ts';
import { ENGINES } from '../bat/ops.ts';
import type { Command } from './command.ts';

const help = `Usage: bitedge sim MODEL.bmt --hw FILE|PRESET [--text TEXT] [--json] [--report DIR] [--schedule FILE] [--block N] [--no-data]
       bitedge sim --shape NAME|FILE --hw FILE|PRESET [--json] [--report DIR] [--schedule FILE] [--block N]

Compiles the model for the BAT instance (weights on chip or streamed, token blocks, engine ops),
runs the cycle-level simulator, and reports latency, throughput, energy per inference, GOPS/W,
utilisation per engine (busy / stalled on memory / stalled on a dependency / idle), the bottleneck,
resources against the board, and the analytical model's estimate next to the simulator's.

With a model the simulator is also functional: the text's tokens move through the engines and the
logits are compared bit for bit with the CPU runtime's referenceForward. --shape runs timing only
(no weights): a named shape (${Object.keys(SHAPES).join(', ')}), a shape JSON (W1A1) or a workload JSON.

Throughput convention: an M×K by K×N matrix product counts 2·M·N·K ops whatever the precision.

Options:
  --hw FILE|PRESET  hardware description or preset (zcu102, edge)   [required]
  --shape NAME|FILE timing-only workload instead of a model
  --text TEXT       input text for the functional run (default: the empty text)
  --block N         tokens per block (default: the compiler's choice)
  --no-data         timing only, even with a model
  --json            print the report as JSON
  --report DIR      write report.json, timeline.svg and report.html into DIR
  --schedule FILE   write the compiled schedule (phases, stages per token block, weight placement,
                    tiles) as JSON
  -h, --help        this text

Exit status: 0 on success; 1 with every problem listed (bad hardware, a model the format rejects or
that BAT cannot run, a model that does not fit even with streamed weights); 2 for usage errors.

Examples:
  bitedge sim --shape bert-base --hw zcu102 --report out/bat-bert
  bitedge sim runs/spam/model.bmt --hw edge --text "WIN a free cruise" --report out/bat-spam
`;

function parse(args: string[]) {
  try {
    return parseArgs({
      args, allowPositionals: true, strict: true,
      options: {
        hw: { type: 'string' }, shape: { type: 'string' }, text: { type: 'string' }, block: { type: 'string' },
        'no-data': { type: 'boolean' }, json: { type: 'boolean' }, report: { type: 'string' }, schedule: { type: 'string' },
      },
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && code?.startsWith('ERR_PARSE_ARGS')) fail('cli_usage', (e as Error).message.split('\n')[0]);
    throw e;
  }
}

/** A named shape, a shape JSON file (all sites binary) or a workload JSON file. */
export function loadWorkloadArg(arg: string): Workload {
  if (SHAPES[arg]) return workloadFromShape(SHAPES[arg]);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(arg, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail('workload_unreadable', code ? `cannot read workload (${code}); named shapes: ${Object.keys(SHAPES).join(', ')}` : `not JSON: ${(e as Error).message}`, { file: arg });
  }
  if (json && typeof json === 'object' && 'format' in json) return parseWorkload(json, arg);
  const r = ShapeSchema.safeParse(json);
  if (!r.success) {
    return fail('workload_invalid_field', r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), { file: arg });
  }
  return workloadFromShape(r.data);
}

async function run(args: string[]): Promise<number> {
  const { values: o, positionals } = parse(args);
  if (!o.hw) fail('cli_usage', '--hw FILE|PRESET is required');
  if (positionals.length > 1) fail('cli_usage', `one model file, got ${positionals.length}`);
  const modelFile = positionals[0];
  if (!!modelFile === !!o.shape) fail('cli_usage', 'give a MODEL.bmt or --shape, exactly one');
  if (o.text !== undefined && !modelFile) fail('cli_usage', '--text needs a model');
  let block: number | undefined;
  if (o.block !== undefined) {
    block = Number(o.block);
    if (!Number.isInteger(block) || block < 1) fail('cli_usage', '--block must be a positive integer', { received: o.block });
  }
  const hw = loadHardware(o.hw);
  const model = modelFile ? readBmtFile(modelFile) : null;
  const workload = model ? workloadFromModel(model) : loadWorkloadArg(o.shape!);
  const schedule = compile(workload, hw, block === undefined ? {} : { blockTokens: block });
  if (o.schedule) writeJsonAtomic(o.schedule, schedule);
  let functional: BatReport['functional'] = null;
  let datapath: ReturnType<typeof createDatapath> | undefined;
  let input: { ids: Int32Array; mask: Uint8Array; truncated: boolean } | undefined;
  if (model && !o['no-data']) {
    input = modelTokenizer(model).encodeForModel(o.text ?? '', model.shape.seqLen);
    datapath = createDatapath(model, input.ids, input.mask);
  }
  const t0 = performance.now();
  const sim = simulate(schedule, hw, { datapath });
  const wall = (performance.now() - t0) / 1000;
  if (model && datapath && input) {
    const logits = datapath.logits!;
    const ref = referenceForward(model, input.ids, input.mask);
    const equal = logits.length === ref.length && logits.every((v, i) => Object.is(v, ref[i]));
    functional = { logits: Array.from(logits), label: classification(model, logits, input.truncated).label, equalsReferenceForward: equal };
  }
  const report = buildReport({ hardware: hw, schedule, sim, estimate: estimateSchedule(schedule, hw), functional });
  for (const i of report.resources.overBudget) process.stderr.write(`bitedge sim: warning: ${i.message}\n`);
  if (o.report) {
    const files = writeReport(o.report, report, sim);
    process.stderr.write(`bitedge sim: wrote ${files.join(', ')}\n`);
  }
  if (o.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else {
    const r = report;
    const lines = [
      `BAT ${hw.name} (${hw.board}, ${hw.clockMHz} MHz): ${r.comparison[0].workload}`,
      `mapping     weights ${r.mapping.placement}, ${r.mapping.blocks} blocks of ${r.mapping.blockTokens} tokens`,
      `latency     ${si(r.latency.seconds, 's')} (${r.latency.cycles.toLocaleString('en-US')} cycles); analytical ${r.analytical!.cycles.toLocaleString('en-US')} (${(100 * r.analytical!.relativeError).toFixed(2)}%)`,
      `throughput  ${r.throughput.gops.toFixed(1)} GOPS (2·M·N·K ops per product), ${r.throughput.inferencesPerSecond.toFixed(1)} inferences/s`,
      `energy      FPGA ${si(r.energy.fpga.joulesPerInference, 'J')}/inference, ${si(r.energy.fpga.averageW, 'W')}, ${r.energy.fpga.gopsPerW.toFixed(1)} GOPS/W; 45 nm ASIC ${si(r.energy.asic45.joulesPerInference, 'J')}/inference`,
      `bottleneck  ${r.bottleneck.explanation}`,
      'engine       busy   stall-mem  stall-dep   idle',
      ...ENGINES.map((e) => {
        const c = r.engines[e], p = (v: number): string => `${((100 * v) / r.latency.cycles).toFixed(1)}%`.padStart(9);
        return `${e.padEnd(10)}${p(c.busy)}${p(c.stallMemory)}${p(c.stallDependency)}${p(c.idle)}`;
      }),
      ...(functional ? [`functional  label ${functional.label}, logits [${functional.logits.map((v) => v.toPrecision(6)).join(', ')}], bit-identical to referenceForward: ${functional.equalsReferenceForward}`] : []),
      `simulated in ${wall.toFixed(2)} s (${sim.tasks} ops)`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  if (functional && !functional.equalsReferenceForward) {
    process.stderr.write(`bitedge sim: the simulator's logits differ from referenceForward's (a bug: please report it)\n`);
    return 1;
  }
  return 0;
}

export const simCommand: Command = { name: 'sim', summary: 'simulate a model on a BAT instance: latency, energy, utilisation, timeline report', help, run };
