/** `bitedge hw validate | preset | boards`: the BAT hardware description. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BitedgeError, fail, formatIssue } from '../common/errors.ts';
import { BOARDS, RESOURCE_KINDS } from '../bat/boards.ts';
import { PRESETS } from '../bat/presets.ts';
import { validateHardware } from '../bat/validate.ts';
import { readBmtFile } from '../format/file.ts';
import { workloadFromModel } from '../bat/workload.ts';
import { loadWorkloadArg } from './sim.ts';
import type { Command } from './command.ts';

const help = `Usage: bitedge hw validate FILE|PRESET [--shape NAME|FILE | --model MODEL.bmt] [--block N] [--json]
       bitedge hw preset NAME
       bitedge hw boards

validate   Checks a BAT hardware description (JSON, format "bitedge-hw", version 1) and lists EVERY
           problem: fields of the wrong type or out of range (zero or negative sizes), an unknown board,
           resources (LUT, FF, DSP, BRAM18, URAM) over the board budget times the utilisation ceilings,
           a weight buffer too small to double-buffer one PE×SIMD tile. With a workload (--shape or
           --model) also: activations that do not fit on chip, FIFOs too small for a token block, and,
           as notes, dimensions that do not divide PE/SIMD and how they are padded.
preset     Prints a shipped description as JSON (a starting point): ${Object.keys(PRESETS).join(', ')}.
boards     Lists the known boards and their budgets.

Options:
  --shape NAME|FILE   workload: a named shape (bert-base, bmt-small), a shape JSON or a workload JSON
  --model FILE        workload of a .bmt model
  --block N           tokens per block (default: the compiler's choice)
  --json              print the validation as JSON
  -h, --help          this text

Exit status: 0 valid; 1 with every problem listed; 2 for usage errors.

Examples:
  bitedge hw validate zcu102 --shape bert-base
  bitedge hw preset edge > my-hw.json && bitedge hw validate my-hw.json --model runs/spam/model.bmt
`;

function parse(args: string[]) {
  try {
    return parseArgs({
      args, allowPositionals: true, strict: true,
      options: { shape: { type: 'string' }, model: { type: 'string' }, block: { type: 'string' }, json: { type: 'boolean' } },
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && code?.startsWith('ERR_PARSE_ARGS')) fail('cli_usage', (e as Error).message.split('\n')[0]);
    throw e;
  }
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return fail('hw_unreadable', `cannot read hardware description (${(e as NodeJS.ErrnoException).code ?? 'error'}); presets: ${Object.keys(PRESETS).join(', ')}`, { file });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    return fail('hw_bad_json', `not JSON: ${(e as Error).message}`, { file });
  }
}

async function run(args: string[]): Promise<number> {
  const { values: o, positionals } = parse(args);
  const [sub, target, ...extra] = positionals;
  if (sub === 'boards') {
    for (const b of Object.values(BOARDS)) {
      process.stdout.write(`${b.name.padEnd(8)} ${b.part.padEnd(10)} ${RESOURCE_KINDS.map((k) => `${k} ${b.budget[k].toLocaleString('en-US')}`).join(', ')}; DDR ${b.ddrPeakGBps} GB/s (${b.source})\n`);
    }
    return 0;
  }
  if (sub === 'preset') {
    if (!target || !PRESETS[target]) fail('cli_usage', `hw preset needs one of: ${Object.keys(PRESETS).join(', ')}`, { received: target ?? '(none)' });
    process.stdout.write(JSON.stringify(PRESETS[target], null, 2) + '\n');
    return 0;
  }
  if (sub !== 'validate' || !target || extra.length) {
    process.stderr.write(`bitedge hw: expected 'validate FILE|PRESET', 'preset NAME' or 'boards'\nTry 'bitedge hw --help'.\n`);
    return 2;
  }
  if (o.shape && o.model) fail('cli_usage', 'give --shape or --model, not both');
  const file = PRESETS[target] ? `preset:${target}` : target;
  const raw = PRESETS[target] ? structuredClone(PRESETS[target]) : readJson(target);
  const workload = o.model ? workloadFromModel(readBmtFile(o.model)) : o.shape ? loadWorkloadArg(o.shape) : undefined;
  const block = o.block === undefined ? undefined : Number(o.block);
  const v = validateHardware(raw, { file, workload, compile: block === undefined ? {} : { blockTokens: block } });
  if (o.json) {
    process.stdout.write(JSON.stringify({ ok: v.ok, errors: v.errors, notes: v.notes, resources: v.resources ?? null }, null, 2) + '\n');
    return v.ok ? 0 : 1;
  }
  if (v.resources) {
    const r = v.resources;
    process.stdout.write(`${file}: ${v.hardware!.name} on ${r.board}\n`);
    for (const k of RESOURCE_KINDS) {
      process.stdout.write(`  ${k.padEnd(6)} ${String(r.total[k]).padStart(8)} of ${String(r.budget[k]).padStart(7)}  ${r.budget[k] ? (100 * r.utilisation[k]).toFixed(1).padStart(5) + '%' : '    —'}  (ceiling ${(100 * r.ceilings[k]).toFixed(0)}%)\n`);
    }
  }
  for (const n of v.notes) process.stdout.write(`  note: ${formatIssue(n)}\n`);
  if (!v.ok) throw new BitedgeError(v.errors);
  process.stdout.write(`${file}: valid${workload ? ' for the workload' : ''}\n`);
  return 0;
}

export const hwCommand: Command = { name: 'hw', summary: 'validate a BAT hardware description, print presets and boards', help, run };
