/** `bitedge inspect model.bmt`: layers, bits per site, sizes, and the size ratio against FP32. */
import { parseArgs } from 'node:util';
import { fail } from '../common/errors.ts';
import { describeBmt, formatDescription } from '../format/describe.ts';
import { readBmtBytes } from '../format/file.ts';
import type { Command } from './command.ts';

const help = `Usage: bitedge inspect MODEL.bmt [--json] [--tensors]

Checks a .bmt file completely (magic, version, checksum, header, every tensor) and prints what it holds:
bits per activation site and attention variant per layer, each binary linear's parts, folded
thresholds and stored bytes, bytes per part of the model, and the size against the same
architecture stored in FP32 (every parameter a float32).

Options:
  --json       print the description as JSON (layers, sites, linears, parts, tensor table, ratios)
  --tensors    also list the tensor table (name, dtype, dims, byte offset, bytes)
  -h, --help   this text

Exit status: 0 when the file is valid, 1 with a one-line error (code, byte offset) when it is not.

Example:
  bitedge inspect runs/spam/model.bmt
`;

function parseInspectArgs(args: string[]) {
  try {
    return parseArgs({ args, allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, tensors: { type: 'boolean' } } });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // main prints unknown options with a hint to --help; other usage errors become one-line errors here.
    if (code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && code?.startsWith('ERR_PARSE_ARGS')) fail('cli_usage', (e as Error).message.split('\n')[0]);
    throw e;
  }
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'check a .bmt model file and show its layers, bits, sizes and ratio to FP32',
  help,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseInspectArgs(args);
    if (positionals.length !== 1) fail('cli_usage', `inspect takes one model file, got ${positionals.length}; see 'bitedge inspect --help'`);
    const path = positionals[0];
    const description = describeBmt(readBmtBytes(path), path);
    process.stdout.write(values.json ? JSON.stringify(description, null, 2) + '\n' : formatDescription(description, path, values.tensors));
    return 0;
  },
};
