/** `bitedge data stats`: counts per split and label, and text-length percentiles of a dataset. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { fail } from '../common/errors.ts';
import { loadDataset, type Dataset, type LoadOptions } from '../data/dataset.ts';
import { splitDataset, type SplitOptions } from '../data/split.ts';
import { datasetStats, PERCENTILES, type DatasetStats } from '../data/stats.ts';
import type { Command } from './command.ts';

/** Options every data-reading command shares (dataset source, fields, split). */
export const DATASET_OPTIONS = {
  'strip-headers': { type: 'boolean' },
  'text-field': { type: 'string' },
  'label-field': { type: 'string' },
  limit: { type: 'string' },
  seed: { type: 'string' },
  validation: { type: 'string' },
  test: { type: 'string' },
} as const;

export const DATASET_HELP = `Dataset (a name or a file):
  spamassassin          6,046 emails, label spam/ham
  sotu                  State of the Union passages since 1934, label democratic/republican
  names                 first names, label female/male
  FILE.jsonl            one {"text": ..., "label": ...} object per line
  FILE.csv, FILE.tsv    header row, RFC 4180 quoting

Dataset options:
  --strip-headers       spamassassin: drop each email's header block
  --text-field NAME     JSONL/CSV/TSV text field or column (default text)
  --label-field NAME    JSONL/CSV/TSV label field or column (default label)
  --limit N             keep a seeded random subset of N examples
  --seed N              split seed (default 0)
  --validation F        validation fraction per label (default 0.1)
  --test F              test fraction per label (default 0.1)`;

/** Parses arguments with node:util parseArgs (strict); a usage error becomes a one-line BitedgeError. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>({ ...config, strict: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw e; // main prints it with a hint to --help
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) fail('cli_usage', (e as Error).message.split('\n')[0]);
    throw e;
  }
}

/** A number option: integer or fraction as asked, else a one-line error naming the option. */
export function numberOption(value: string | undefined, name: string, kind: 'int' | 'fraction'): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  const ok = value.trim() !== '' && Number.isFinite(x) && (kind === 'int' ? Number.isInteger(x) && x >= 0 : x >= 0 && x < 1);
  if (!ok) fail('cli_bad_option', `--${name} must be ${kind === 'int' ? 'a non-negative integer' : 'a number in [0, 1)'}`, { received: JSON.stringify(value) });
  return x;
}

interface DatasetArgs {
  'strip-headers'?: boolean; 'text-field'?: string; 'label-field'?: string;
  limit?: string; seed?: string; validation?: string; test?: string;
}

export function loadOptionsFrom(v: DatasetArgs): LoadOptions {
  return {
    stripHeaders: v['strip-headers'],
    textField: v['text-field'],
    labelField: v['label-field'],
    limit: numberOption(v.limit, 'limit', 'int'),
  };
}

export function splitOptionsFrom(v: DatasetArgs): Required<SplitOptions> {
  return {
    seed: numberOption(v.seed, 'seed', 'int') ?? 0,
    validation: numberOption(v.validation, 'validation', 'fraction') ?? 0.1,
    test: numberOption(v.test, 'test', 'fraction') ?? 0.1,
  };
}

/** Exactly one positional argument: the dataset. */
export function datasetSource(positionals: string[], usage: string): string {
  if (positionals.length !== 1) fail('cli_usage', `expected one dataset (a name or a file), got ${positionals.length}; usage: ${usage}`);
  return positionals[0];
}

/** The stats as a plain-text table. */
export function formatStats(s: DatasetStats): string {
  const head = ['split', 'count', ...s.labels, 'len min', ...PERCENTILES.map((p) => `p${p}`), 'max', 'mean'];
  const rows = (['all', 'train', 'validation', 'test'] as const).map((k) => {
    const st = s.splits[k];
    return [k, st.count, ...s.labels.map((l) => st.perLabel[l]), st.length.min, ...PERCENTILES.map((p) => st.length[`p${p}`]), st.length.max, Math.round(st.length.mean)].map(String);
  });
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
  return `${s.name}: ${s.splits.all.count} examples, ${s.labels.length} labels (split seed ${s.seed}); text length in code points\n${[head, ...rows].map(fmt).join('\n')}\n`;
}

const STATS_USAGE = 'bitedge data stats <dataset> [--json] [options]';

export const dataCommand: Command = {
  name: 'data',
  summary: 'Dataset statistics: counts per split and label, text-length percentiles',
  help: `Usage: ${STATS_USAGE}

Loads a dataset, splits it (seeded, stratified per label) and prints the number of examples per
split and label and the text-length percentiles (nearest rank, in Unicode code points).

Options:
  --json                print the statistics as JSON
${DATASET_HELP}

Examples:
  bitedge data stats spamassassin --strip-headers
  bitedge data stats reviews.csv --text-field review --label-field stars --json
`,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub !== 'stats') fail('cli_usage', `unknown data subcommand ${JSON.stringify(sub ?? '')}; usage: ${STATS_USAGE}`);
    const { values, positionals } = parseCommandArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' }, ...DATASET_OPTIONS } });
    const split = splitOptionsFrom(values);
    const ds: Dataset = loadDataset(datasetSource(positionals, STATS_USAGE), loadOptionsFrom(values));
    const stats = datasetStats(ds, splitDataset(ds, split), split.seed);
    process.stdout.write(values.json ? JSON.stringify(stats, null, 2) + '\n' : formatStats(stats));
    return 0;
  },
};
