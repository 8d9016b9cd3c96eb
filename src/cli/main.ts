/**
 * `bitedge` command-line entry: dispatches to one subcommand per stage of the flow.
 * Bad input surfaces as a BitedgeError: printed as `bitedge: <message>` lines, exit code 1.
 */
import { BitedgeError } from '../common/errors.ts';
import type { Command } from './command.ts';
import { dataCommand } from './data.ts';
import { tokenizerCommand } from './tokenizer.ts';
import { trainCommand } from './train.ts';
import { evalCommand } from './eval.ts';
import { exportCommand } from './export.ts';
import { inspectCommand } from './inspect.ts';
import { runCommand } from './run.ts';
import { hwCommand } from './hw.ts';
import { simCommand } from './sim.ts';
import { exploreCommand } from './explore.ts';
import { codesignCommand } from './codesign.ts';

// One line per subcommand; keep this list in the order of the flow.
const commands: Command[] = [dataCommand, tokenizerCommand, trainCommand, evalCommand, exportCommand, inspectCommand, runCommand, hwCommand, simCommand, exploreCommand, codesignCommand];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 8);
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `bitedge: binarized Transformers to 1-bit edge deployment, co-designed with their accelerator

Usage: bitedge <command> [options]
       bitedge <command> --help

Commands:
${list}
`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    process.stdout.write('0.1.0\n');
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`bitedge: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.help.endsWith('\n') ? cmd.help : cmd.help + '\n');
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof BitedgeError) {
      for (const line of e.message.split('\n')) process.stderr.write(`bitedge ${name}: ${line}\n`);
      return 1;
    }
    if (e instanceof Error && (e as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`bitedge ${name}: ${e.message}\nTry 'bitedge ${name} --help'.\n`);
      return 2;
    }
    throw e;
  }
}
