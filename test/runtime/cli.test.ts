// `bitedge run` end to end in a child process: text and JSON output, one truncation notice, input files,
// and clear errors (corrupt model, missing input, usage).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tempDir } from '../temp-dir.ts';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeBmtFile } from '../../src/format/file.ts';
import { modelWithTokenizer, TEXTS } from './fixtures.ts';

const dir = tempDir('bitedge-run-');
after(() => rmSync(dir, { recursive: true, force: true }));
const modelPath = join(dir, 'model.bmt');
writeBmtFile(modelPath, modelWithTokenizer('cli'));

const BOOT = "import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })";
function bitedge(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', BOOT, ...args], { encoding: 'utf8', cwd: join(import.meta.dirname, '../..') });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('run --json: one result per text, probabilities per label, one truncation notice', () => {
  const r = bitedge('run', modelPath, '--json', ...TEXTS.flatMap((t) => ['--text', t]));
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { label: string; probs: Record<string, number>; truncated: boolean }[];
  assert.equal(doc.length, TEXTS.length);
  for (const x of doc) assert.ok(Math.abs(x.probs.ham + x.probs.spam - 1) < 1e-9 && (x.label === 'ham' || x.label === 'spam'));
  assert.equal(r.err.match(/truncated/g)?.length, 1, r.err);
});

test('run --input: lines and .jsonl give the same labels as --text; text output', () => {
  const lines = join(dir, 'in.txt'), jsonl = join(dir, 'in.jsonl');
  const texts = TEXTS.filter((t) => !t.includes('\n'));
  writeFileSync(lines, texts.join('\n') + '\n');
  writeFileSync(jsonl, texts.map((text) => JSON.stringify({ text })).join('\n') + '\n');
  const a = bitedge('run', modelPath, '--input', lines, '--json', '--threads', '2');
  const b = bitedge('run', modelPath, '--input', jsonl, '--json', '--threads', '1');
  assert.equal(a.code, 0, a.err);
  assert.deepEqual(JSON.parse(a.out), JSON.parse(b.out));
  const t = bitedge('run', modelPath, '--text', 'hello');
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /^\s+0\s+(ham|spam)\s+ham 0\.\d{4}\s+spam 0\.\d{4}\n$/);
});

test('run: clear errors, non-zero exit', () => {
  const bad = join(dir, 'bad.bmt');
  const bytes = readFileSync(modelPath);
  bytes[bytes.length - 100] ^= 0xff;
  writeFileSync(bad, bytes);
  const corrupt = bitedge('run', bad, '--text', 'x');
  assert.equal(corrupt.code, 1);
  assert.match(corrupt.err, /^bitedge run: .*bad\.bmt/);
  const newer = join(dir, 'newer.bmt');
  const v2 = readFileSync(modelPath);
  v2.writeUInt16LE(v2.readUInt16LE(4) + 1, 4); // the version field
  writeFileSync(newer, v2);
  const tooNew = bitedge('run', newer, '--text', 'x');
  assert.equal(tooNew.code, 1);
  assert.match(tooNew.err, /newer than this runtime/);
  assert.equal(bitedge('run', join(dir, 'missing.bmt'), '--text', 'x').code, 1);
  assert.equal(bitedge('run', modelPath).code, 1, 'no input');
  assert.equal(bitedge('run', modelPath, '--text', 'x', '--threads', '0').code, 1);
  const badJson = join(dir, 'bad.jsonl');
  writeFileSync(badJson, '{"text": "ok"}\nnot json\n');
  assert.match(bitedge('run', modelPath, '--input', badJson).err, /bad\.jsonl:2: not a JSON line/);
});
