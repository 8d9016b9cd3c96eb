import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tempDir } from '../temp-dir.ts';
import { join } from 'node:path';
import { runCli, spawnCli } from './cli-helper.ts';
import { createRng } from '../../src/common/rng.ts';

/** A small text task: label "pos" iff the text contains "good". */
function writeJsonl(file: string, n: number, seed: number, extraLabel?: string): void {
  const words = ['the', 'movie', 'was', 'plot', 'actor', 'scene', 'long', 'short', 'film', 'music'];
  const lines: string[] = [];
  const r = createRng(seed);
  const next = () => r.int(1000);
  for (let i = 0; i < n; i++) {
    const pos = next() % 2 === 0;
    const t = Array.from({ length: 4 + (next() % 6) }, () => words[next() % words.length]);
    if (pos) t.splice(next() % t.length, 0, 'good');
    lines.push(JSON.stringify({ text: t.join(' '), label: extraLabel && i === 0 ? extraLabel : pos ? 'pos' : 'neg' }));
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

function setup(): { dir: string; train: string; test: string; cfg: string } {
  const dir = tempDir('bmt-cli-');
  const train = join(dir, 'train.jsonl'), test = join(dir, 'test.jsonl'), cfg = join(dir, 'cfg.json');
  writeJsonl(train, 400, 1);
  writeJsonl(test, 60, 2);
  writeFileSync(cfg, JSON.stringify({ train: { epochs: { fp32: 6, ternary: 2, binary: 2 }, checkpointEvery: 5 } }));
  return { dir, train, test, cfg };
}

test('kill -9 mid-training, then --resume continues from the last checkpoint and finishes', async () => {
  const { dir, train, test: testFile, cfg } = setup();
  const out = join(dir, 'run');
  const args = ['train', '--train', train, '--test', testFile, '--preset', 'tiny', '--config', cfg, '--out', out];
  const child = spawnCli(args);
  // wait for the first unfinished fp32 checkpoint, then SIGKILL
  await new Promise<void>((resolve, reject) => {
    const t0 = Date.now();
    const poll = setInterval(() => {
      if (existsSync(join(out, 'fp32.ckpt'))) { clearInterval(poll); child.kill('SIGKILL'); resolve(); }
      else if (Date.now() - t0 > 120_000) { clearInterval(poll); child.kill('SIGKILL'); reject(new Error('no checkpoint within 120 s')); }
    }, 50);
  });
  await new Promise((r) => child.on('close', r));
  assert.ok(!existsSync(join(out, 'metrics.json')), 'the killed run must not have finished');
  const again = await runCli(args);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already holds a run; pass --resume/);
  const resumed = await runCli([...args, '--resume', '--json']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const firstLine = resumed.stderr.split('\n').find((l) => l.startsWith('train fp32'))!;
  const step = Number(/ (\d+)\/\d+ steps/.exec(firstLine)![1]);
  assert.ok(step > 1, `resumed at step ${step}, expected after the checkpoint: ${firstLine}`);
  const m = JSON.parse(resumed.stdout);
  assert.deepEqual(m.stages.map((s: { name: string }) => s.name), ['fp32', 'ternary', 'split', 'binary']);
  assert.ok(m.final.test.accuracy > 0.8, `final accuracy ${m.final.test.accuracy}`);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')), m);
});

test('bad input: unseen test label, bad config field, corrupt checkpoint, empty training file', async () => {
  const { dir, train, test: testFile, cfg } = setup();
  const bad = join(dir, 'bad-test.jsonl');
  writeJsonl(bad, 10, 3, 'neutral');
  const r1 = await runCli(['train', '--train', train, '--test', bad, '--preset', 'tiny', '--out', join(dir, 'r1')]);
  assert.equal(r1.code, 1);
  assert.match(r1.stderr, /bad-test\.jsonl: label "neutral" does not occur in the training split/);
  const badCfg = join(dir, 'bad.json');
  writeFileSync(badCfg, JSON.stringify({ heads: 3 }));
  const r2 = await runCli(['train', '--train', train, '--test', testFile, '--preset', 'tiny', '--config', badCfg, '--out', join(dir, 'r2')]);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /bad\.json: heads: heads \(3\) must divide hidden \(32\)/);
  // a finished fp32 stage, then corrupted: --resume refuses it, naming the file; the file is left as it was
  const fcfg = join(dir, 'f.json');
  writeFileSync(fcfg, JSON.stringify({ train: { epochs: { fp32: 1, ternary: 1, binary: 1 } } }));
  const out = join(dir, 'r3');
  const ok = await runCli(['train', '--train', train, '--test', testFile, '--preset', 'tiny', '--config', fcfg, '--recipe', 'fp32', '--out', out, '--quiet']);
  assert.equal(ok.code, 0, ok.stderr);
  const ck = join(out, 'fp32.ckpt');
  const bytes = readFileSync(ck);
  writeFileSync(ck, bytes.subarray(0, bytes.length - 7));
  const r3 = await runCli(['train', '--train', train, '--test', testFile, '--preset', 'tiny', '--recipe', 'fp32', '--out', out, '--resume']);
  assert.equal(r3.code, 1);
  assert.match(r3.stderr, /fp32\.ckpt@\d+: checkpoint is truncated or corrupt/);
  assert.equal(readFileSync(ck).length, bytes.length - 7);
  const empty = join(dir, 'empty.jsonl');
  writeFileSync(empty, '');
  const r4 = await runCli(['train', '--train', empty, '--test', testFile, '--preset', 'tiny', '--out', join(dir, 'r4')]);
  assert.equal(r4.code, 1);
  assert.match(r4.stderr, /empty/);
  const r5 = await runCli(['train', '--dataset', 'names', '--split-seed', '1.5', '--out', join(dir, 'r5')]);
  assert.equal(r5.code, 1);
  assert.match(r5.stderr, /--split-seed must be an integer/);
  assert.equal(existsSync(join(dir, 'r5')), false);
  void cfg;
});
