/** Tokenizer files (Node only): save atomically, load with strict UTF-8, JSON, schema and version checks. */
import { writeFileAtomic } from '../common/atomic.ts';
import { fail } from '../common/errors.ts';
import { readTextFile } from './text-file.ts';
import { Tokenizer } from './tokenizer.ts';

/** Writes the tokenizer JSON atomically. */
export function saveTokenizer(tok: Tokenizer, path: string): void {
  writeFileAtomic(path, JSON.stringify(tok.toJSON()) + '\n');
}

/** Reads a tokenizer file: strict UTF-8, JSON, then the schema and version; errors name the file. */
export function loadTokenizer(path: string): Tokenizer {
  const text = readTextFile(path);
  let json: unknown;
  try { json = JSON.parse(text); }
  catch (e) { fail('tokenizer_bad_json', `corrupt tokenizer JSON: ${(e as Error).message}`, { file: path }); }
  return Tokenizer.fromJSON(json, path);
}
