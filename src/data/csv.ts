/**
 * CSV and TSV files (RFC 4180 quoting, parsed by csv-parse): a header row names the columns; the
 * text and label columns are configurable.
 */
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import { fail } from '../common/errors.ts';
import type { Dataset, Example } from './dataset.ts';
import { makeDataset } from './dataset.ts';
import { labelOf, type FieldNames } from './jsonl.ts';
import { readTextFile } from './text-file.ts';

interface CsvRow { record: Record<string, string>; info: { lines: number } }

export function loadCsv(file: string, opts: FieldNames & { delimiter: ',' | '\t' }): Dataset {
  const text = readTextFile(file);
  let header: string[] = [];
  let rows: CsvRow[];
  try {
    rows = parse(text, {
      delimiter: opts.delimiter,
      columns: (h: string[]) => { header = h; return h; },
      skip_empty_lines: true,
      info: true,
    }) as unknown as CsvRow[];
  } catch (e) {
    const err = e as Error & { lines?: number };
    fail('csv_bad_row', err.message.replace(/\s+/g, ' '), { file, line: err.lines });
  }
  for (const col of [opts.textField, opts.labelField]) {
    if (!header.includes(col)) {
      fail('csv_missing_column', `no column "${col}"`, { file, line: 1, expected: `a header with "${col}"`, received: JSON.stringify(header.join(opts.delimiter)) });
    }
  }
  const examples: Example[] = rows.map(({ record, info }) => ({
    text: record[opts.textField],
    label: labelOf(record[opts.labelField], opts.labelField, file, info.lines),
  }));
  return makeDataset(basename(file), examples, file);
}
