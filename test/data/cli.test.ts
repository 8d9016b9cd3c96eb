import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tempDir } from '../temp-dir.ts';
import { join } from 'node:path';
import { cli } from '../cli/capture.ts';
import { loadDataset } from '../../src/data/dataset.ts';

const dir = tempDir('bitedge-data-');
const file = (name: string, content: string | Uint8Array): string => { const p = join(dir, name); writeFileSync(p, content); return p; };

/** A failure: exit code 1 and exactly one stderr line matching `pattern`. */
async function expectFailure(args: string[], pattern: RegExp): Promise<void> {
  const r = await cli(...args);
  assert.equal(r.code, 1, `exit code for ${args.join(' ')}: ${r.err}`);
  assert.equal(r.err.trimEnd().split('\n').length, 1, r.err);
  assert.match(r.err, pattern);
}

const jsonl = file('ok.jsonl', '{"review": "great, really", "stars": 5}\r\n\n{"review": "bad", "stars": 1}\n{"review": "meh 😐", "stars": "3"}\n');
const csv = file('ok.csv', 'id,body,y\n1,"Hello, ""world""\nsecond line",pos\n2,plain,neg\n\n3,"",neg\n');
const tsv = file('ok.tsv', 'text\tlabel\n"tab\tinside"\ta\nb c\tb\n');

test('JSONL: configurable fields, numbers as labels, blank lines and CRLF allowed', () => {
  const ds = loadDataset(jsonl, { textField: 'review', labelField: 'stars' });
  assert.deepEqual(ds.examples, [{ text: 'great, really', label: '5' }, { text: 'bad', label: '1' }, { text: 'meh 😐', label: '3' }]);
  assert.deepEqual(ds.labels, ['1', '3', '5']);
});

test('CSV and TSV: RFC 4180 quoting (delimiters, quotes and newlines inside fields)', () => {
  const ds = loadDataset(csv, { textField: 'body', labelField: 'y' });
  assert.deepEqual(ds.examples, [{ text: 'Hello, "world"\nsecond line', label: 'pos' }, { text: 'plain', label: 'neg' }, { text: '', label: 'neg' }]);
  assert.deepEqual(loadDataset(tsv).examples, [{ text: 'tab\tinside', label: 'a' }, { text: 'b c', label: 'b' }]);
});

test('data stats: a table, or JSON with counts per split and label', async () => {
  const r = await cli('data', 'stats', 'names', '--json', '--seed', '3');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.equal(s.seed, 3);
  assert.equal(s.splits.all.count, s.splits.train.count + s.splits.validation.count + s.splits.test.count);
  assert.equal(s.splits.all.perLabel.female + s.splits.all.perLabel.male, s.splits.all.count);
  assert.ok(s.splits.all.length.p50 >= 5 && s.splits.all.length.p50 <= 7);
  const t = await cli('data', 'stats', jsonl, '--text-field', 'review', '--label-field', 'stars', '--validation', '0', '--test', '0');
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /^ok\.jsonl: 3 examples, 3 labels/);
  assert.match(t.out, /\ntrain +3 +1 +1 +1 /);
});

test('bad input: each is one line naming the file (and line), exit code 1', async () => {
  await expectFailure(['data', 'stats', file('bad.jsonl', '{"text": "a", "label": "x"}\n{"text": "b", "label": "y"}\n{"text": "c", label: "z"}\n')], /bad\.jsonl:3: bad JSON/);
  await expectFailure(['data', 'stats', file('nolabel.jsonl', '{"text": "a", "label": "x"}\n{"text": "b"}\n')], /nolabel\.jsonl:2: label field "label" is missing/);
  await expectFailure(['data', 'stats', file('empty-label.jsonl', '{"text": "a", "label": " "}\n')], /empty-label\.jsonl:1: label field "label" is empty/);
  await expectFailure(['data', 'stats', file('notext.jsonl', '{"body": "a", "label": "x"}\n')], /notext\.jsonl:1: text field "text" is missing/);
  await expectFailure(['data', 'stats', file('array.jsonl', '[1, 2]\n')], /array\.jsonl:1: expected a JSON object/);
  await expectFailure(['data', 'stats', csv], /ok\.csv:1: no column "text"/);
  await expectFailure(['data', 'stats', file('quote.csv', 'text,label\nfine,a\n"open,b\n')], /quote\.csv:\d+: .*[Qq]uote/);
  await expectFailure(['data', 'stats', file('nolabel.csv', 'text,label\nfine,a\nnone,\n')], /nolabel\.csv:3: label field "label" is empty/);
  await expectFailure(['data', 'stats', file('ragged.csv', 'text,label\nfine,a,extra\n')], /ragged\.csv:2: /);
  await expectFailure(['data', 'stats', file('empty.jsonl', '\n\n')], /empty\.jsonl: empty dataset/);
  await expectFailure(['data', 'stats', file('header-only.csv', 'text,label\n')], /header-only\.csv: empty dataset/);
  await expectFailure(['data', 'stats', file('latin1.jsonl', Buffer.concat([Buffer.from('{"text": "ok", "label": "a"}\n{"text": "caf'), Buffer.from([0xe9]), Buffer.from('", "label": "b"}\n')]))], /latin1\.jsonl:2: not valid UTF-8 \(byte 0xe9 at offset 42\)/);
  await expectFailure(['data', 'stats', join(dir, 'missing.csv')], /missing\.csv: cannot read file \(no such file\)/);
  await expectFailure(['data', 'stats', file('data.txt', 'x')], /data\.txt: unknown dataset/);
  await expectFailure(['data', 'stats', 'names', '--test', '1.5'], /--test must be a number in \[0, 1\)/);
  await expectFailure(['data', 'stats', 'names', '--validation', '0.6', '--test', '0.5'], /validation \+ test must be below 1/);
  await expectFailure(['data', 'frobnicate'], /unknown data subcommand/);
});

test('tokenizer train → encode through the CLI; failures leave nothing on disk', async () => {
  const out = join(dir, 'tok.json');
  const r = await cli('tokenizer', 'train', 'names', '--vocab', '400', '--out', out, '--quiet', '--json');
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).vocabSize, 400);
  const enc = await cli('tokenizer', 'encode', '--tokenizer', out, '--text', 'Anna Bob', '--json');
  assert.equal(enc.code, 0, enc.err);
  assert.equal(JSON.parse(enc.out).tokens.join(''), 'Anna Bob');
  const model = await cli('tokenizer', 'encode', '--tokenizer', out, '--input', file('in.txt', 'Anna'), '--seq-len', '6', '--json');
  const m = JSON.parse(model.out);
  assert.deepEqual([m.ids[0], m.ids.at(-1), m.mask.at(-1), m.truncated], [1, 0, 0, false]);

  const failedOut = join(dir, 'never.json');
  const before = readdirSync(dir).length;
  await expectFailure(['tokenizer', 'train', file('bad2.jsonl', '{"text": "a"}\n'), '--out', failedOut], /bad2\.jsonl:1: label field "label" is missing/);
  await expectFailure(['tokenizer', 'train', 'names', '--vocab', '100', '--out', failedOut], /--vocab must be in \[259, /);
  await expectFailure(['tokenizer', 'train', 'names'], /--out FILE is required/);
  assert.equal(existsSync(failedOut), false);
  assert.equal(readdirSync(dir).length, before + 1, 'only bad2.jsonl was added; no temporary file is left');

  await expectFailure(['tokenizer', 'encode', '--tokenizer', file('corrupt.json', '{"format": "bitedge-tokenizer", "vers'), '--text', 'x'], /corrupt\.json: corrupt tokenizer JSON/);
  await expectFailure(['tokenizer', 'encode', '--tokenizer', file('v9.json', '{"format": "bitedge-tokenizer", "version": 9}'), '--text', 'x'], /v9\.json: version: unsupported tokenizer version \(expected 1 or 2, received 9\)/);
  await expectFailure(['tokenizer', 'encode', '--tokenizer', out], /exactly one of --text and --input/);
  await expectFailure(['tokenizer', 'encode', '--tokenizer', out, '--text', 'x', '--seq-len', '1'], /--seq-len must be at least 2/);
});

test('--help and unknown options', async () => {
  for (const cmd of ['data', 'tokenizer']) {
    const r = await cli(cmd, '--help');
    assert.equal(r.code, 0);
    assert.match(r.out, /^Usage: bitedge /);
  }
  const r = await cli('data', 'stats', 'names', '--bogus');
  assert.equal(r.code, 2);
  assert.match(r.err, /Unknown option '--bogus'/);
});
