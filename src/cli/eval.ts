/** `bitedge eval`: test accuracy of trained runs; with --robustness, under token perturbation and bit flips. */
import { parseArgs } from 'node:util';
import { fail } from '../common/errors.ts';
import { encodeSplit, prepareData } from '../bmt/data.ts';
import { initEngine } from '../bmt/engine.ts';
import { loadRun, type LoadedRun } from '../bmt/run.ts';
import { robustness, spreadOverRuns, type RobustnessRow } from '../bmt/robustness.ts';
import { evaluate, type EncodedSplit } from '../bmt/train.ts';
import { loadDataset, splitDataset } from '../data/index.ts';
import type { Command } from './command.ts';

const help = `Usage: bitedge eval RUN [RUN ...] [options]

RUN is a run folder written by 'bitedge train' (its final stage) or a <stage>.ckpt inside one.
Evaluates on the run's own test split (recorded in RUN/data.json) unless told otherwise.

Options:
  --dataset NAME   evaluate on the test split of this dataset (same split seed as the run)
  --test FILE      evaluate on this .jsonl/.csv/.tsv file
  --robustness     accuracy under token perturbation (5/10/20% substituted or deleted) and random bit
                   flips of the binary weights and activations (1e-4/1e-3/1e-2), mean ± std over --seeds
  --seeds N        noise seeds per robustness point (default 3)
  --json           print the results as JSON
With several RUNs (e.g. trained with different seeds) the spread of clean accuracy is reported too.

Examples:
  bitedge eval runs/spam
  bitedge eval runs/spam/binary.ckpt --robustness --seeds 5
  bitedge eval runs/seed1 runs/seed2 runs/seed3 --json
`;

function testSplit(run: LoadedRun, v: { dataset?: string; test?: string }): EncodedSplit {
  const c = run.state.config, labels = run.state.labels;
  if (v.test) return encodeSplit(loadDataset(v.test), labels, run.tokenizer, c.seqLen, v.test).split;
  if (v.dataset) return encodeSplit(splitDataset(loadDataset(v.dataset), { seed: run.source?.seed ?? c.train.seed }).test, labels, run.tokenizer, c.seqLen, v.dataset).split;
  if (!run.source) fail('eval_no_data', 'the run has no data.json; give --dataset NAME or --test FILE', { file: run.dir });
  return prepareData(run.source, c, run.dir).data.test;
}

const pct = (x: number) => (100 * x).toFixed(2);

function formatRows(rows: RobustnessRow[]): string {
  const lines = rows.map((r) => `| ${r.kind} | ${r.kind === 'clean' ? '-' : r.rate} | ${pct(r.accuracy)} | ${r.runs > 1 ? '± ' + pct(r.std) : ''} |`);
  return ['| perturbation | rate | accuracy % | std over seeds |', '|---|---|---|---|', ...lines].join('\n') + '\n';
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate trained runs: test accuracy, robustness to token noise and bit flips, spread over seeds',
  help,
  async run(args) {
    const { values: v, positionals } = parseArgs({
      args, strict: true, allowPositionals: true,
      options: { dataset: { type: 'string' }, test: { type: 'string' }, robustness: { type: 'boolean', default: false }, seeds: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } },
    });
    if (positionals.length === 0) fail('cli_usage', 'give at least one run folder or checkpoint');
    const seeds = Number(v.seeds);
    if (!Number.isInteger(seeds) || seeds < 1) fail('cli_bad_option', '--seeds must be a positive integer', { received: v.seeds });
    await initEngine('wasm');
    const results = positionals.map((p) => {
      const run = loadRun(p);
      const split = testSplit(run, v);
      const s = run.state;
      const clean = evaluate(s.config, s.variant, s.params, s.labels, split);
      return { run: run.checkpoint, stage: s.stage, n: split.n, accuracy: clean.accuracy, f1: clean.f1, robustness: v.robustness ? robustness(s, split, { seeds }) : undefined };
    });
    const spread = results.length > 1 ? spreadOverRuns(results.map((r) => r.accuracy)) : undefined;
    if (v.json) process.stdout.write(JSON.stringify({ results, spread }, null, 2) + '\n');
    else {
      for (const r of results) {
        process.stdout.write(`${r.run} (${r.stage}): test accuracy ${pct(r.accuracy)}%, macro-F1 ${pct(r.f1)}% on ${r.n} examples\n`);
        if (r.robustness) process.stdout.write(formatRows(r.robustness));
      }
      if (spread) process.stdout.write(`over ${spread.runs} runs: accuracy ${pct(spread.mean)}% ± ${pct(spread.std)} (min ${pct(spread.min)}, max ${pct(spread.max)})\n`);
    }
    return 0;
  },
};
