import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { tempDir } from '../temp-dir.ts';
import { join } from 'node:path';
import { cli } from './capture.ts';
import { createRng } from '../../src/common/rng.ts';
import { readBmtFile } from '../../src/format/file.ts';

/** A small text task (label "pos" iff the text contains "good"), as JSONL. */
function writeJsonl(file: string, n: number, seed: string): void {
  const words = ['the', 'movie', 'was', 'plot', 'actor', 'scene', 'long', 'short', 'film', 'music'];
  const r = createRng(seed);
  const lines = Array.from({ length: n }, () => {
    const pos = r.int(2) === 0;
    const t = Array.from({ length: 4 + r.int(6) }, () => words[r.int(words.length)]);
    if (pos) t.splice(r.int(t.length), 0, 'good');
    return JSON.stringify({ text: t.join(' '), label: pos ? 'pos' : 'neg' });
  });
  writeFileSync(file, lines.join('\n') + '\n');
}

test('bitedge export --store: post-training storage of the float matrices, its help, and bad plans', async () => {
  const dir = tempDir('bitedge-export-');
  try {
    const help = await cli('export', '--help');
    assert.match(help.out, /--store KEY=BITS/);
    assert.match(help.out, /CHANGES THE MODEL'S FUNCTION\s+unless the model was trained with that storage/);

    const out = join(dir, 'm.bmt');
    const bad = await cli('export', join(dir, 'no-run'), '--out', out, '--store', 'tokenEmbedding=3');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /tokenEmbedding: 3 is not a storage bit width/);
    assert.ok(!existsSync(out));

    const train = join(dir, 'train.jsonl'), testFile = join(dir, 'test.jsonl'), cfg = join(dir, 'cfg.json'), run = join(dir, 'run');
    writeJsonl(train, 200, 'export-train');
    writeJsonl(testFile, 40, 'export-test');
    writeFileSync(cfg, JSON.stringify({ train: { epochs: { fp32: 1, ternary: 1, binary: 1 } } }));
    const trained = await cli('train', '--train', train, '--test', testFile, '--preset', 'tiny', '--recipe', 'direct', '--config', cfg, '--out', run, '--quiet');
    assert.equal(trained.code, 0, trained.err);

    const plain = await cli('export', run, '--out', join(dir, 'plain.bmt'), '--json');
    assert.equal(plain.code, 0, plain.err);
    assert.equal(JSON.parse(plain.out).storage, 'all float32');
    const float = readBmtFile(join(dir, 'plain.bmt'));
    assert.equal(float.storage, undefined);

    const small = await cli('export', run, '--out', out, '--store', 'tokenEmbedding=1,positionEmbedding=8,pooler.weight=8');
    assert.equal(small.code, 0, small.err);
    assert.match(small.out, /float matrices: tokenEmbedding 1-bit, positionEmbedding 8-bit, pooler\.weight 8-bit/);
    const m = readBmtFile(out);
    assert.deepEqual(Object.fromEntries(Object.entries(m.storage!).map(([k, q]) => [k, q!.bits])), { tokenEmbedding: 1, positionEmbedding: 8, 'pooler.weight': 8 });
    const H = m.shape.hidden;
    assert.ok(m.tokenEmbedding.subarray(0, H).every((x) => Math.abs(x) === m.storage!.tokenEmbedding!.scale[0]), 'a 1-bit row holds ±scale only');
    assert.deepEqual(m.classifier.weight, float.classifier.weight, 'matrices not in the plan stay as exported');
    assert.deepEqual(m.layers, float.layers, 'the binary layers do not change');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
