import { main } from '../../src/cli/main.ts';

/**
 * Runs `bitedge ...args` in this process, capturing the CLI's string writes to stdout and stderr. The test
 * runner's own reports (binary, on stdout) pass through untouched, since loading a command module is
 * asynchronous and the runner may write meanwhile.
 */
export async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const o = process.stdout.write, e = process.stderr.write;
  process.stdout.write = ((s: string | Uint8Array, ...rest: unknown[]) => (typeof s === 'string' ? ((out += s), true) : o.call(process.stdout, s, ...(rest as [])))) as typeof o;
  process.stderr.write = ((s: string | Uint8Array, ...rest: unknown[]) => (typeof s === 'string' ? ((err += s), true) : e.call(process.stderr, s, ...(rest as [])))) as typeof e;
  try { return { code: await main(args), out, err }; }
  finally { process.stdout.write = o; process.stderr.write = e; }
}
