import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBmt, encodeBmt } from '../../src/format/bmt.ts';
import { readBmtFile, writeBmtFile } from '../../src/format/file.ts';
import { randomDeployModel, TINY_SHAPE } from '../../src/format/random.ts';
import { deployModelIssues } from '../../src/format/validate.ts';
import type { EncoderShape } from '../../src/format/model.ts';

const shapes: EncoderShape[] = [
  TINY_SHAPE,
  { vocabSize: 5, seqLen: 1, hidden: 1, heads: 1, ffn: 1, layers: 1, numLabels: 1 },
  { vocabSize: 300, seqLen: 33, hidden: 130, heads: 5, ffn: 257, layers: 3, numLabels: 4 },
];

test('random models are valid and round-trip exactly through encode/decode', () => {
  for (const shape of shapes) {
    for (let seed = 0; seed < 8; seed++) {
      const m = randomDeployModel(shape, seed);
      assert.deepEqual(deployModelIssues(m), []);
      const bytes = encodeBmt(m);
      assert.equal(bytes.length % 64, 4, 'tensor data padded to 64 bytes, then a 4-byte checksum');
      const back = decodeBmt(bytes);
      assert.deepStrictEqual(back, m);
      assert.deepEqual(encodeBmt(back), bytes, 'encoding is deterministic');
    }
  }
});

test('k-bit storage of float matrices: exact round trip, sizes, odd widths pad the last byte', () => {
  for (const hidden of [24, 7]) {
    const shape = { ...TINY_SHAPE, hidden, heads: 1, vocabSize: 500 };
    const plain = encodeBmt(randomDeployModel(shape, 2)).length;
    for (const bits of [8, 4, 2] as const) {
      const m = randomDeployModel(shape, 2, { storage: { tokenEmbedding: bits } });
      assert.deepEqual(deployModelIssues(m), []);
      const q = m.storage!.tokenEmbedding!;
      assert.equal(q.bits, bits);
      const hi = 2 ** (bits - 1) - 1;
      assert.ok(q.codes.some((c) => c === -hi) && q.codes.some((c) => c === hi), 'codes span the range');
      const bytes = encodeBmt(m);
      assert.deepStrictEqual(decodeBmt(bytes), m);
      const saved = plain - bytes.length;
      const stored = shape.vocabSize * Math.ceil((hidden * bits) / 8) + 4 * shape.vocabSize;
      const expected = 4 * shape.vocabSize * hidden - stored;
      // Within alignment padding and the header text's few extra bytes.
      assert.ok(Math.abs(saved - expected) < 256, `saved ${saved} bytes, expected about ${expected}`);
    }
    const all = randomDeployModel(shape, 4, { storage: { tokenEmbedding: 4, positionEmbedding: 8, 'pooler.weight': 2, 'classifier.weight': 4 } });
    assert.deepStrictEqual(decodeBmt(encodeBmt(all)), all);
  }
  const m = randomDeployModel(TINY_SHAPE, 3, { storage: { 'pooler.weight': 8 } });
  m.pooler.weight[5] += 1e-3;
  assert.throws(() => encodeBmt(m), /pooler\.weight\[5\] is not code × scale/);
});

test('random models cover every site kind, both part counts, thresholds and all attention variants', () => {
  const kinds = new Set<string>(), parts = new Set<number>(), variants = new Set<string>();
  let thresholds = 0;
  for (let seed = 0; seed < 8; seed++) {
    for (const L of randomDeployModel(TINY_SHAPE, seed).layers) {
      for (const s of [L.qkvIn, L.qOut, L.kOut, L.vOut, L.ctxIn, L.ffnIn, L.ffn2In, L.attention.probs]) kinds.add(s.kind);
      for (const l of [L.q, L.k, L.v, L.o, L.ffn1, L.ffn2]) { parts.add(l.parts.length); if (l.threshold) thresholds++; }
      variants.add(L.attention.variant);
    }
  }
  assert.deepEqual([...kinds].sort(), ['binary-signed', 'binary-unsigned', 'float', 'kbit']);
  assert.deepEqual([...parts].sort(), [1, 2]);
  assert.deepEqual([...variants].sort(), ['shift-softmax', 'softmax-binary', 'threshold']);
  assert.ok(thresholds > 0);
});

test('share: tensors are views into the input (aligned), copies otherwise; same model either way', () => {
  const m = randomDeployModel(TINY_SHAPE, 11, { storage: { tokenEmbedding: 4 } });
  const bytes = encodeBmt(m);
  const shared = decodeBmt(bytes, undefined, { share: true });
  assert.deepStrictEqual(shared, m);
  assert.equal(shared.positionEmbedding.buffer, bytes.buffer);
  assert.equal(shared.layers[0].q.parts[0].weight.data.buffer, bytes.buffer);
  assert.notEqual(decodeBmt(bytes).positionEmbedding.buffer, bytes.buffer, 'default copies');
  // Misaligned in memory: falls back to copies, still the same model.
  const odd = new Uint8Array(bytes.length + 1).subarray(1);
  odd.set(bytes);
  const copied = decodeBmt(odd, undefined, { share: true });
  assert.notEqual(copied.positionEmbedding.buffer, odd.buffer);
  assert.deepStrictEqual(copied, m);
});

test('the encoder refuses an invalid model', () => {
  const m = randomDeployModel(TINY_SHAPE, 1);
  m.layers[0].q.parts[0].weight.data[3] |= 0x80000000; // column 127 of row 0: padding when cols = 24
  assert.throws(() => encodeBmt(m), (e: Error & { code?: string }) => e.name === 'BitedgeError' && /padding bits/.test(e.message));
});

test('writeBmtFile writes atomically and readBmtFile reads it back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bmt-'));
  try {
    const m = randomDeployModel(TINY_SHAPE, 7);
    const path = join(dir, 'sub', 'model.bmt');
    const n = writeBmtFile(path, m);
    assert.equal(readFileSync(path).length, n);
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['model.bmt'], 'no temporary file left');
    const read = readBmtFile(path);
    assert.deepStrictEqual(read, m);
    assert.equal(read.tokenEmbedding.byteLength, m.tokenEmbedding.byteLength);
    assert.throws(() => readBmtFile(join(dir, 'missing.bmt')), /bmt|ENOENT/);
    assert.throws(() => readBmtFile(dir), (e: Error & { code?: string }) => e.code === 'bmt_io');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("docs/format.md's worked example is what the encoder writes", () => {
  const m = randomDeployModel({ vocabSize: 5, seqLen: 2, hidden: 4, heads: 1, ffn: 4, layers: 1, numLabels: 2 }, 0, { sites: 'binary', parts: 1, variants: ['softmax-binary'] });
  m.meta = {};
  m.tokenizer = null;
  const b = encodeBmt(m);
  const hex = (from: number, to: number) => Buffer.from(b.subarray(from, to)).toString('hex');
  assert.equal(b.length, 6724);
  assert.equal(hex(0, 20), '424d543101000000da0300002c000000441a0000');
  assert.equal(hex(1024, 1040), '746f6b656e456d62656464696e670000');
  assert.equal(hex(1064, 1088), ['04020000', '05000000', '04000000', '000f0000', '50000000', '00000000'].join(''));
  const doc = readFileSync(join(import.meta.dirname, '../../docs/format.md'), 'utf8');
  assert.match(doc, /42 4d 54 31 {2}01 00 {2}00 00 {2}da 03 00 00 {2}2c 00 00 00 {2}44 1a 00 00/);
  assert.match(doc, /00 0f 00 00 {2}50 00 00 00/);
});
