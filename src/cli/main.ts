/**
 * `bitedge` command-line entry: dispatches to one subcommand per stage of the flow.
 * Bad input surfaces as a BitedgeError: printed as `bitedge: <message>` lines, exit code 1.
 */
import { BitedgeError } from '../common/errors.ts';
import type { Command } from './command.ts';

// One entry per subcommand, in the order of the flow. Each module is imported only when its command
// runs (or for --help), so `bitedge run` does not load the training engine.
const commands: [string, () => Promise<Command>][] = [
  ['data', async () => (await import('./data.ts')).dataCommand],
  ['tokenizer', async () => (await import('./tokenizer.ts')).tokenizerCommand],
  ['train', async () => (await import('./train.ts')).trainCommand],
  ['eval', async () => (await import('./eval.ts')).evalCommand],
  ['export', async () => (await import('./export.ts')).exportCommand],
  ['inspect', async () => (await import('./inspect.ts')).inspectCommand],
  ['run', async () => (await import('./run.ts')).runCommand],
  ['hw', async () => (await import('./hw.ts')).hwCommand],
  ['sim', async () => (await import('./sim.ts')).simCommand],
  ['explore', async () => (await import('./explore.ts')).exploreCommand],
  ['codesign', async () => (await import('./codesign.ts')).codesignCommand],
];

async function usage(): Promise<string> {
  const loaded = await Promise.all(commands.map(([, load]) => load()));
  const width = Math.max(...loaded.map((c) => c.name.length), 8);
  const list = loaded.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
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
    process.stdout.write(await usage());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    process.stdout.write('0.1.0\n');
    return 0;
  }
  const entry = commands.find(([n]) => n === name);
  if (!entry) {
    process.stderr.write(`bitedge: unknown command '${name}'\n\n${await usage()}`);
    return 2;
  }
  const cmd = await entry[1]();
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
