import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tempDir } from '../temp-dir.ts';
import { join } from 'node:path';
import { encodeBmt } from '../../src/format/bmt.ts';
import { describeBmt, fp32PartBytes } from '../../src/format/describe.ts';
import { writeBmtFile } from '../../src/format/file.ts';
import { randomDeployModel, TINY_SHAPE } from '../../src/format/random.ts';
import type { EncoderShape } from '../../src/format/model.ts';

/** FP32 parameter count of the architecture, by brute force over every tensor of a float model. */
function fp32ParamsByHand(s: EncoderShape): number {
  const { vocabSize: V, seqLen: T, hidden: H, ffn: F, numLabels: L } = s;
  const dense = (i: number, o: number) => i * o + o;
  const layer = dense(H, H) * 4 + dense(H, F) + dense(F, H) + 2 * (2 * H);
  return V * H + T * H + 2 * H + s.layers * layer + dense(H, H) + dense(H, L);
}

test('describeBmt: sizes add up, FP32 size from the shape, bits per site', () => {
  const m = randomDeployModel({ vocabSize: 100, seqLen: 16, hidden: 64, heads: 4, ffn: 128, layers: 2, numLabels: 3 }, 3, { sites: 'binary', parts: 1 });
  const d = describeBmt(m);
  assert.equal(d.fileBytes, encodeBmt(m).length);
  assert.equal(d.parts.reduce((a, p) => a + p.bytes, 0), d.fileBytes, 'parts cover the file exactly');
  assert.equal(d.fp32Bytes, 4 * fp32ParamsByHand(m.shape));
  const fp = fp32PartBytes(m.shape);
  assert.equal(fp.embeddings + 2 * fp.layer + fp.head, d.fp32Bytes);
  assert.ok(d.sites.every((s) => s.bits === 1));
  // One-part binary linear without thresholds: ⌈in/8⌉ bytes per row (b1), then scale and bias as float32.
  const o = d.linears.find((l) => l.name === 'o' && l.layer === 0)!;
  assert.equal(o.bytes, 64 * 8 + 64 * 4 * 2);
  assert.equal(d.ratio, d.fp32Bytes / d.fileBytes);
  assert.ok(d.linearRatio > 10, `binary linears compress ${d.linearRatio}×`);
  assert.equal(d.version, 2);
  // Layer tensors by kind: every layer tensor in exactly one kind; weights at 1 bit, θ narrow, senses packed.
  const layerTensors = d.tensors.filter((t) => t.name.startsWith('layers.'));
  assert.equal(d.layerKinds.reduce((a, k) => a + k.tensors, 0), layerTensors.length);
  assert.equal(d.layerKinds.reduce((a, k) => a + k.bytes, 0), layerTensors.reduce((a, t) => a + t.byteLength, 0));
  assert.equal(d.parts.filter((p) => p.part.startsWith('layer ')).reduce((a, p) => a + p.bytes, 0), layerTensors.reduce((a, t) => a + t.byteLength, 0));
  const kind = (k: string) => d.layerKinds.find((r) => r.kind === k)!;
  assert.equal(kind('binary weights').bytes, 2 * (4 * 64 * 8 + 128 * 8 + 64 * 16), 'b1 rows of in/8 bytes: q, k, v, o 64 rows of 8, ffn1 128 of 8, ffn2 64 of 16');
  assert.deepEqual(kind('binary weights').dtypes, ['b1']);
  assert.deepEqual(kind('threshold senses').dtypes, ['b1']);
  assert.equal(kind('threshold senses').bytes, 2 * (3 * 8), 'Q, K, V: 64 senses in 8 bytes, two layers');
  assert.ok(kind('thresholds θ').dtypes.every((t) => t === 'i8' || t === 'i16'));
  const oneBit = describeBmt(randomDeployModel(TINY_SHAPE, 3, { storage: { tokenEmbedding: 1, 'pooler.weight': 8 } }));
  assert.deepEqual(oneBit.storageBits, { tokenEmbedding: 1, positionEmbedding: 32, 'pooler.weight': 8, 'classifier.weight': 32 });
});

function cli(args: string[]) {
  const code = `import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(${JSON.stringify(args)}); })`;
  return spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: join(import.meta.dirname, '../..'), encoding: 'utf8' });
}

test('bitedge inspect: text, --json, --tensors, and a clear error on a corrupt file', () => {
  const dir = tempDir('inspect-');
  try {
    const path = join(dir, 'm.bmt');
    writeBmtFile(path, randomDeployModel(TINY_SHAPE, 5, { storage: { tokenEmbedding: 1 } }));
    const text = cli(['inspect', path, '--tensors']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /smaller than|× smaller/);
    assert.match(text.stdout, /tokenEmbedding 1-bit/);
    assert.match(text.stdout, /tokenEmbedding\.codes +b1 +61×24/);
    assert.match(text.stdout, /encoder layers by kind of tensor:\n.*\nbinary weights /);
    assert.match(text.stdout, /layers\.1\.ffn2\.bias/);
    const json = cli(['inspect', path, '--json']);
    assert.equal(json.status, 0, json.stderr);
    const d = JSON.parse(json.stdout);
    assert.equal(d.shape.layers, 2);
    assert.equal(d.linears.length, 12);

    const bad = new Uint8Array(encodeBmt(randomDeployModel(TINY_SHAPE, 5)));
    bad[100] ^= 4;
    writeFileSync(path, bad);
    const r = cli(['inspect', path]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^bitedge inspect: .*m\.bmt@\d+: checksum mismatch/);
    assert.equal(cli(['inspect']).status, 1);
    assert.equal(cli(['inspect', path, '--bogus']).status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
