/** `bitedge run model.bmt --text "…" | --input FILE`: classify texts with the 1-bit wasm runtime. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fail } from '../common/errors.ts';
import { readBmtFile } from '../format/file.ts';
import { createRuntime } from '../runtime/runtime.ts';
import type { Command } from './command.ts';

const help = `Usage: bitedge run MODEL.bmt (--text TEXT ... | --input FILE) [--json] [--threads N]

Tokenizes each text with the model's own tokenizer, runs the 1-bit model on the WebAssembly kernels
and prints, per text, the predicted label and the probability of every label. One text runs on the
calling thread; a batch is split over N threads (worker threads, one wasm instance each).

Texts longer than the model's sequence length are truncated (one notice on stderr says how many).
Empty text is valid input ([CLS][SEP] only).

Options:
  --text TEXT     a text to classify (repeatable)
  --input FILE    texts from a file: one per line, or, for a .jsonl file, one JSON object per line
                  with a "text" field
  --json          print a JSON array: {index, label, probs: {label: p}, logits, truncated}
  --threads N     threads for batches (default: cores, at most 2)
  -h, --help      this text

Exit status: 0 on success; 1 with a one-line error for an unreadable, corrupt or too-new model
file or a bad input file; 2 for usage errors.

Examples:
  bitedge run runs/spam/model.bmt --text "WIN a free cruise, reply now"
  bitedge run runs/spam/model.bmt --input mails.jsonl --json --threads 2
`;

function parseRunArgs(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { text: { type: 'string', multiple: true }, input: { type: 'string' }, json: { type: 'boolean' }, threads: { type: 'string' } },
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && code?.startsWith('ERR_PARSE_ARGS')) fail('cli_usage', (e as Error).message.split('\n')[0]);
    throw e;
  }
}

/** Texts of an input file: lines, or the "text" field of each JSON line of a .jsonl file. */
export function readInputTexts(file: string): string[] {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (e) {
    return fail('run_input', `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
  }
  const lines = raw.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop(); // the final newline ends the last line
  if (!file.endsWith('.jsonl')) return lines;
  return lines.map((line, i) => {
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      return fail('run_input', 'not a JSON line', { file, line: i + 1 });
    }
    const text = (doc as { text?: unknown } | null)?.text;
    if (typeof text !== 'string') fail('run_input', 'expected an object with a string "text" field', { file, line: i + 1 });
    return text;
  });
}

export const runCommand: Command = {
  name: 'run',
  summary: 'classify texts with a .bmt model on the 1-bit WebAssembly runtime',
  help,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseRunArgs(args);
    if (positionals.length !== 1) fail('cli_usage', `run takes one model file, got ${positionals.length}; see 'bitedge run --help'`);
    const hasText = values.text !== undefined;
    if (hasText === (values.input !== undefined)) fail('cli_usage', "give either --text (repeatable) or --input FILE; see 'bitedge run --help'");
    let threads: number | undefined;
    if (values.threads !== undefined) {
      threads = Number(values.threads);
      if (!/^\d+$/.test(values.threads) || threads < 1 || threads > 64) fail('cli_usage', '--threads must be an integer in [1, 64]', { received: values.threads });
    }
    const texts = hasText ? values.text! : readInputTexts(values.input!);
    const model = readBmtFile(positionals[0]);
    const runtime = await createRuntime(model, { threads });
    try {
      const results = await runtime.classify(texts);
      const cut = results.filter((r) => r.truncated).length;
      if (cut > 0) process.stderr.write(`bitedge run: ${cut} of ${texts.length} text(s) longer than ${model.shape.seqLen - 2} tokens were truncated\n`);
      if (values.json) {
        const doc = results.map((r, index) => ({
          index,
          label: r.label,
          probs: Object.fromEntries(model.labels.map((l, i) => [l, r.probs[i]])),
          logits: r.logits,
          truncated: r.truncated,
        }));
        process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
      } else {
        const width = Math.max(...model.labels.map((l) => l.length));
        for (const [i, r] of results.entries()) {
          const probs = model.labels.map((l, k) => `${l} ${r.probs[k].toFixed(4)}`).join('  ');
          process.stdout.write(`${String(i).padStart(4)}  ${r.label.padEnd(width)}  ${probs}${r.truncated ? '  (truncated)' : ''}\n`);
        }
      }
    } finally {
      await runtime.close();
    }
    return 0;
  },
};
