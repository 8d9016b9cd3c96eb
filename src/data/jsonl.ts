/** JSON Lines files: one object per line with a text field and a label field (names configurable). */
import { basename } from 'node:path';
import { fail } from '../common/errors.ts';
import type { Dataset, Example } from './dataset.ts';
import { makeDataset } from './dataset.ts';
import { readTextFile } from './text-file.ts';

export interface FieldNames { textField: string; labelField: string }

/**
 * A label as a string: strings as they are, numbers and booleans in their JSON spelling.
 * Missing, null, empty or any other type is an error at `file:line`.
 */
export function labelOf(value: unknown, field: string, file: string, line: number): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string' && value.trim().length > 0) return value;
  const what = value === undefined ? 'missing' : value === '' || (typeof value === 'string' && value.trim() === '') ? 'empty' : `not a string (${value === null ? 'null' : typeof value})`;
  fail('label_missing', `label field "${field}" is ${what}`, { file, line });
}

export function loadJsonl(file: string, fields: FieldNames): Dataset {
  const lines = readTextFile(file).split('\n');
  const examples: Example[] = [];
  lines.forEach((raw, i) => {
    const line = i + 1;
    const src = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (src.trim() === '') return;
    let row: unknown;
    try { row = JSON.parse(src); }
    catch (e) { fail('jsonl_bad_line', `bad JSON: ${(e as Error).message}`, { file, line }); }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) fail('jsonl_bad_line', 'expected a JSON object', { file, line });
    const rec = row as Record<string, unknown>;
    const text = rec[fields.textField];
    if (typeof text !== 'string') {
      fail('text_missing', `text field "${fields.textField}" is ${text === undefined ? 'missing' : 'not a string'}`, { file, line });
    }
    examples.push({ text, label: labelOf(rec[fields.labelField], fields.labelField, file, line) });
  });
  return makeDataset(basename(file), examples, file);
}
