import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { tempDir } from '../temp-dir.ts';
import { join } from 'node:path';
import { decodeBmt, encodeBmt, narrowestIntDtype, paddedRows, readBmtLayout, unpackCodes, unpaddedRows } from '../../src/format/bmt.ts';
import { createRng } from '../../src/common/rng.ts';
import { parseStoragePlan, quantizeRows, quantizeStorage } from '../../src/format/quantize.ts';
import { readBmtFile, writeBmtFile } from '../../src/format/file.ts';
import { randomDeployModel, randomPackedBits, TINY_SHAPE } from '../../src/format/random.ts';
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
    for (const bits of [8, 4, 2, 1] as const) {
      const m = randomDeployModel(shape, 2, { storage: { tokenEmbedding: bits } });
      assert.deepEqual(deployModelIssues(m), []);
      const q = m.storage!.tokenEmbedding!;
      assert.equal(q.bits, bits);
      const hi = bits === 1 ? 1 : 2 ** (bits - 1) - 1;
      assert.ok(q.codes.some((c) => c === -hi) && q.codes.some((c) => c === hi), 'codes span the range');
      if (bits === 1) assert.ok(q.codes.every((c) => c === 1 || c === -1), '1-bit codes are ±1');
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
    const oneBit = randomDeployModel(shape, 5, { storage: { tokenEmbedding: 1, positionEmbedding: 1, 'pooler.weight': 1, 'classifier.weight': 1 } });
    assert.deepStrictEqual(decodeBmt(encodeBmt(oneBit)), oneBit);
    const codes = readBmtLayout(encodeBmt(oneBit)).entries.find((e) => e.name === 'tokenEmbedding.codes')!;
    assert.deepEqual([codes.dtype, codes.byteLength], ['b1', shape.vocabSize * Math.ceil(hidden / 8)]);
  }
  const m = randomDeployModel(TINY_SHAPE, 3, { storage: { 'pooler.weight': 8 } });
  m.pooler.weight[5] += 1e-3;
  assert.throws(() => encodeBmt(m), /pooler\.weight\[5\] is not code × scale/);
  const z = randomDeployModel(TINY_SHAPE, 3, { storage: { 'classifier.weight': 1 } });
  z.storage!['classifier.weight']!.codes[7] = 0;
  z.classifier.weight[7] = 0;
  assert.throws(() => encodeBmt(z), /code 7 is not a 1-bit code/);
});

/** BWN by the definition, written independently: α = fround(mean |x|) over the row, value = ±α by sign, sign(0) = +1. */
function bwnByHand(x: Float32Array, rows: number, cols: number): { scale: number[]; codes: number[]; values: number[] } {
  const scale: number[] = [], codes: number[] = [], values: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
    const alpha = Math.fround(row.reduce((a, v) => a + Math.abs(v), 0) / cols);
    scale.push(alpha);
    for (const v of row) {
      const code = Object.is(v, -0) || v >= 0 ? 1 : -1;
      codes.push(code);
      values.push(Math.fround(code * alpha));
    }
  }
  return { scale, codes, values };
}

test('quantizeRows at 1 bit is BWN per row: mean-magnitude scale, sign codes with sign(0) = +1', () => {
  const rng = createRng('bwn');
  for (const [rows, cols] of [[1, 1], [3, 7], [5, 64], [2, 129], [17, 33]]) {
    const x = Float32Array.from({ length: rows * cols }, () => (rng.int(8) === 0 ? 0 : rng.normal() * (1 + rng.int(3))));
    x[0] = -0;
    const q = quantizeRows(x, rows, cols, 1);
    const ref = bwnByHand(x, rows, cols);
    assert.equal(q.bits, 1);
    assert.deepEqual(Array.from(q.scale), ref.scale, `${rows}×${cols} scales`);
    assert.deepEqual(Array.from(q.codes), ref.codes, `${rows}×${cols} codes`);
    assert.deepEqual(Array.from(q.values), ref.values, `${rows}×${cols} values`);
    assert.equal(q.codes[0], 1, 'sign(−0) = +1');
  }
  const zero = quantizeRows(new Float32Array(6), 2, 3, 1);
  assert.deepEqual([Array.from(zero.codes), Array.from(zero.values)], [[1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0]], 'sign(0) = +1; an all-zero row has scale 0');
  assert.throws(() => quantizeRows(new Float32Array(6), 2, 3, 3 as 1), /storage bits must be one of 8, 4, 2, 1/);
  assert.throws(() => quantizeRows(new Float32Array(6), 2, 4, 1), /6 values is not 2 × 4/);
});

test('quantizeStorage at 1 bit changes the float fields to exactly what the file restores, and is idempotent', () => {
  const m = quantizeStorage(randomDeployModel(TINY_SHAPE, 8), { tokenEmbedding: 1 });
  const again = quantizeStorage(m, { tokenEmbedding: 1 });
  assert.deepStrictEqual(again.tokenEmbedding, m.tokenEmbedding, 'BWN of BWN values is the same matrix');
  assert.deepStrictEqual(decodeBmt(encodeBmt(m)).tokenEmbedding, m.tokenEmbedding);
  // A matrix already stored at the planned width is kept (its codes and values), another width re-quantizes it.
  const eight = quantizeStorage(randomDeployModel(TINY_SHAPE, 8), { positionEmbedding: 8 });
  const kept = quantizeStorage(eight, { positionEmbedding: 8, tokenEmbedding: 1 });
  assert.equal(kept.storage!.positionEmbedding, eight.storage!.positionEmbedding);
  assert.equal(kept.positionEmbedding, eight.positionEmbedding);
  assert.equal(quantizeStorage(eight, { positionEmbedding: 4 }).storage!.positionEmbedding!.bits, 4);
});

test('binary weights are stored as b1 rows without SIMD padding: element c is bit c & 31 of word c >>> 5', () => {
  const rng = createRng('b1-weights');
  for (const [rows, cols] of [[1, 1], [3, 7], [2, 8], [5, 33], [4, 128], [3, 130], [2, 257]]) {
    const p = randomPackedBits(rng, rows, cols);
    const bytes = unpaddedRows(p);
    assert.equal(bytes.length, rows * Math.ceil(cols / 8));
    const { codes, badRow } = unpackCodes(bytes, rows, cols, 1);
    assert.equal(badRow, -1);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const bit = (p.data[r * p.wordsPerRow + (c >>> 5)] >>> (c & 31)) & 1;
        assert.equal(codes[r * cols + c], bit ? 1 : -1, `${rows}×${cols} [${r}, ${c}]`);
      }
    }
    assert.deepEqual(paddedRows(bytes, rows, cols), p.data, `${rows}×${cols} re-padded`);
    assert.deepEqual(paddedRows(bytes.slice(), rows, cols), p.data, 'copied input');
  }
});

test('thresholds are stored in the narrowest of i8, i16, i32 and read back to the same Int32Array', () => {
  const cases: [number[], string][] = [[[-128, 127, 0], 'i8'], [[-129, 5], 'i16'], [[128], 'i16'], [[-32768, 32767], 'i16'], [[32768], 'i32'], [[-(2 ** 31), 2 ** 31 - 1], 'i32']];
  for (const [values, dtype] of cases) {
    assert.equal(narrowestIntDtype(Int32Array.from(values)), dtype, values.join(','));
    const m = randomDeployModel(TINY_SHAPE, 9, { sites: 'binary', parts: 1 });
    m.layers[1].v.threshold!.theta.set(values);
    const bytes = encodeBmt(m);
    const e = readBmtLayout(bytes).entries.find((t) => t.name === 'layers.1.v.threshold.theta')!;
    assert.equal(e.dtype, dtype);
    assert.equal(readBmtLayout(bytes).entries.find((t) => t.name === 'layers.1.v.threshold.sense')!.dtype, 'b1');
    const back = decodeBmt(bytes, undefined, { share: true });
    assert.deepStrictEqual(back, m);
    assert.ok(back.layers[1].v.threshold!.theta instanceof Int32Array);
  }
});

test('a version-1 file (written before 1-bit storage) still loads to the same model', () => {
  const v1 = new Uint8Array(readFileSync(join(import.meta.dirname, 'fixtures/v1-example.bmt')));
  assert.equal(new DataView(v1.buffer).getUint16(4, true), 1);
  const dtypes = Object.fromEntries(readBmtLayout(v1).entries.map((e) => [e.name, e.dtype]));
  assert.deepEqual([dtypes['layers.0.q.parts.0.weight'], dtypes['layers.0.q.threshold.theta'], dtypes['layers.0.q.threshold.sense'], dtypes['tokenEmbedding.codes']], ['u32', 'i32', 'i8', 'i4']);
  const m = randomDeployModel({ vocabSize: 5, seqLen: 2, hidden: 4, heads: 1, ffn: 4, layers: 1, numLabels: 2 }, 0, { sites: 'binary', parts: 1, variants: ['softmax-binary'], storage: { tokenEmbedding: 4 } });
  m.meta = {};
  m.tokenizer = null;
  assert.deepStrictEqual(decodeBmt(v1), m);
  assert.equal(new DataView(encodeBmt(m).buffer).getUint16(4, true), 2, 'the writer writes version 2');
});

test('parseStoragePlan reads KEY=BITS lists and words each mistake', () => {
  assert.deepEqual(parseStoragePlan('tokenEmbedding=1, positionEmbedding=8,pooler.weight=8,classifier.weight=4'), { tokenEmbedding: 1, positionEmbedding: 8, 'pooler.weight': 8, 'classifier.weight': 4 });
  assert.deepEqual(parseStoragePlan(''), {});
  assert.throws(() => parseStoragePlan('tokenEmbedding=3'), /tokenEmbedding: 3 is not a storage bit width/);
  assert.throws(() => parseStoragePlan('embedding=1'), /embedding is not a storable matrix/);
  assert.throws(() => parseStoragePlan('tokenEmbedding'), /expected KEY=BITS/);
  assert.throws(() => parseStoragePlan('tokenEmbedding=1,tokenEmbedding=8'), /tokenEmbedding appears twice/);
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
  assert.notEqual(shared.layers[0].q.parts[0].weight.data.buffer, bytes.buffer, '24-column weight rows are re-padded to 128 bits');
  const wide = randomDeployModel({ ...TINY_SHAPE, hidden: 128, heads: 4, ffn: 256 }, 11);
  const wideBytes = encodeBmt(wide);
  const wideShared = decodeBmt(wideBytes, undefined, { share: true });
  assert.equal(wideShared.layers[0].ffn2.parts[0].weight.data.buffer, wideBytes.buffer, 'rows of 256 bits have no padding: a view');
  assert.deepStrictEqual(wideShared, wide);
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
  const dir = tempDir('bmt-');
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
  assert.equal(hex(0, 20), '424d543102000000da0300002c000000441a0000');
  assert.equal(hex(1024, 1040), '746f6b656e456d62656464696e670000');
  assert.equal(hex(1064, 1088), ['04020000', '05000000', '04000000', '000f0000', '50000000', '00000000'].join(''));
  assert.equal(hex(4224, 4228), '04020408', 'layers.0.q.parts.0.weight: one b1 byte per row');
  const doc = readFileSync(join(import.meta.dirname, '../../docs/format.md'), 'utf8');
  assert.match(doc, /42 4d 54 31 {2}02 00 {2}00 00 {2}da 03 00 00 {2}2c 00 00 00 {2}44 1a 00 00/);
  assert.match(doc, /00 0f 00 00 {2}50 00 00 00/);
  assert.match(doc, /`layers\.0\.q\.parts\.0\.weight` \(at offset 4224\) is b1 4 × 4, one\nbyte per row: `04 02 04 08`/);
});
