/**
 * Fuzzing the .bmt loader: thousands of mutations of valid files. Each must either decode to a model that
 * passes validation, re-encodes and runs (the runtime's reference forward pass) or throw a BitedgeError; never another exception, never a hang, and
 * never an allocation much larger than the file. Mutations are applied both raw (the checksum catches
 * them) and resealed (checksum and length recomputed) so that the deeper validators are exercised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BitedgeError } from '../../src/common/errors.ts';
import { createRng, type Rng } from '../../src/common/rng.ts';
import { alignUp, decodeBmt, encodeBmt, readBmtLayout, PREAMBLE_BYTES, TABLE_ENTRY_BYTES, type BmtDtype } from '../../src/format/bmt.ts';
import { crc32 } from '../../src/format/crc32.ts';
import { randomDeployModel, TINY_SHAPE } from '../../src/format/random.ts';
import { deployModelIssues } from '../../src/format/validate.ts';
import type { DeployModel } from '../../src/format/model.ts';
import { referenceForward } from '../../src/runtime/reference/forward.ts';

const rng = createRng('bmt-fuzz');
const bases = [0, 1, 2, 3].map((s) => encodeBmt(randomDeployModel(TINY_SHAPE, s)));
bases.push(encodeBmt(randomDeployModel({ vocabSize: 7, seqLen: 3, hidden: 4, heads: 2, ffn: 5, layers: 1, numLabels: 3 }, 9, { parts: 2 })));
bases.push(encodeBmt(randomDeployModel({ ...TINY_SHAPE, hidden: 9, heads: 3 }, 4, { storage: { tokenEmbedding: 4, 'pooler.weight': 2 } })));
bases.push(encodeBmt(randomDeployModel(TINY_SHAPE, 5, { storage: { tokenEmbedding: 8, positionEmbedding: 8, 'classifier.weight': 2 } })));
bases.push(encodeBmt(oneBitModel()));

/** 1-bit storage on odd widths (row padding), with thresholds wide enough for i16 and i32. */
function oneBitModel(): DeployModel {
  const m = randomDeployModel({ ...TINY_SHAPE, hidden: 9, heads: 3 }, 6, { sites: 'binary', parts: 1, storage: { tokenEmbedding: 1, positionEmbedding: 1, 'pooler.weight': 8 } });
  m.layers[0].q.threshold!.theta[0] = 300;
  m.layers[0].k.threshold!.theta[1] = -70000;
  return m;
}

const stats = { cases: 0, decoded: 0, codes: new Map<string, number>() };

/** Typed-array bytes held by a decoded model. */
function modelTensorBytes(m: DeployModel): number {
  let total = 0;
  const visit = (v: unknown): void => {
    if (ArrayBuffer.isView(v)) total += v.byteLength;
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit({ ...m, tokenizer: undefined, meta: undefined });
  return total;
}

/**
 * The most bytes a decoded model holds per stored byte of each dtype (docs/format.md, "What the reader checks"):
 * i16 and i8 thresholds widen to i32; k-bit codes become an Int8Array of codes plus the float32 matrix.
 */
const EXPANSION: Record<BmtDtype, number> = { f32: 1, u32: 1, i32: 1, i16: 2, i8: 5, i4: 10, i2: 20, b1: 40 };

/** Decodes one mutated file and checks the contract. */
function check(bytes: Uint8Array, what: string): void {
  stats.cases++;
  const before = process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  let model: DeployModel | undefined;
  try {
    model = decodeBmt(bytes, 'fuzz.bmt', { share: stats.cases % 2 === 0 });
  } catch (e) {
    if (!(e instanceof BitedgeError)) assert.fail(`${what}: threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.match(e.code, /^bmt_/, what);
    assert.ok(e.message.length > 0 && !e.message.includes('undefined'), `${what}: unclear message ${e.message}`);
    stats.codes.set(e.code, (stats.codes.get(e.code) ?? 0) + 1);
  }
  const ms = performance.now() - t0;
  assert.ok(ms < 2000, `${what}: decode took ${ms.toFixed(0)} ms`);
  const grown = process.memoryUsage().arrayBuffers - before;
  // Bound: tensor copies (≤ the file) plus a k-bit embedding expanded to float32 (≤ 8× its codes).
  assert.ok(grown < 8 * bytes.length + (1 << 20), `${what}: array buffers grew by ${grown} bytes for a ${bytes.length}-byte file`);
  if (model) {
    stats.decoded++;
    assert.deepEqual(deployModelIssues(model), [], what);
    const bound = readBmtLayout(bytes).entries.reduce((a, e) => a + e.byteLength * EXPANSION[e.dtype], 0);
    assert.ok(modelTensorBytes(model) <= bound, `${what}: model holds more tensor bytes than its tensors expand to`);
    assert.deepStrictEqual(decodeBmt(encodeBmt(model)), model, `${what}: re-encode`);
    // A model that loads runs: the runtime's reference forward pass on one padded input.
    const T = model.shape.seqLen;
    const ids = Int32Array.from({ length: T }, (_, t) => (t * 7 + 1) % model.shape.vocabSize);
    const mask = Uint8Array.from({ length: T }, (_, t) => (t < Math.ceil(T / 2) ? 1 : 0));
    assert.equal(referenceForward(model, ids, mask).length, model.shape.numLabels, what);
  }
}

/** Recomputes the length field and the checksum, so that a mutation reaches the checks behind them. */
function reseal(bytes: Uint8Array): Uint8Array {
  if (bytes.length < PREAMBLE_BYTES + 4) return bytes;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  dv.setUint32(16, bytes.length, true);
  dv.setUint32(bytes.length - 4, crc32(bytes, 0, bytes.length - 4), true);
  return bytes;
}

/** Byte offsets where a .bmt file changes region: preamble fields, header, table entries, tensors, checksum. */
function boundaries(bytes: Uint8Array): number[] {
  const { entries } = readBmtLayout(bytes);
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  const tableOffset = alignUp(PREAMBLE_BYTES + dv.getUint32(8, true));
  const out = [0, 4, 6, 8, 12, 16, 20, PREAMBLE_BYTES, PREAMBLE_BYTES + dv.getUint32(8, true), tableOffset, bytes.length - 4];
  // Every table entry and tensor of a sample of 24 tensors (first and last always in).
  const sample = new Set([0, entries.length - 1, ...Array.from({ length: 22 }, () => rng.int(entries.length))]);
  for (const i of sample) {
    const e = entries[i];
    out.push(tableOffset + i * TABLE_ENTRY_BYTES, tableOffset + i * TABLE_ENTRY_BYTES + 40, e.offset, e.offset + e.byteLength);
  }
  return [...new Set(out)];
}

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[r.int(xs.length)];
const HUGE = [0xffffffff, 0x7fffffff, 0x80000000, 0x10000000, 1 << 24, 65536];

test('single bit flips are always detected (CRC-32 catches every one-bit error)', () => {
  for (let t = 0; t < 1500; t++) {
    const b = pick(rng, bases).slice();
    const i = rng.int(b.length);
    b[i] ^= 1 << rng.int(8);
    assert.throws(() => decodeBmt(b), (e) => e instanceof BitedgeError, `flip at ${i}`);
    check(b, `flip at ${i}`);
  }
});

test('bit flips with the checksum recomputed: decode or a clear error', () => {
  for (let t = 0; t < 1500; t++) {
    const b = pick(rng, bases).slice();
    const flips = 1 + rng.int(4);
    // Half the flips land in the preamble, header and table, where structure lives.
    const struct = readBmtLayout(b).entries[0].offset;
    for (let f = 0; f < flips; f++) b[rng.int(2) ? rng.int(struct) : rng.int(b.length - 4)] ^= 1 << rng.int(8);
    check(reseal(b), `resealed flips ${t}`);
  }
});

test('truncation at every region boundary and at random points, raw and resealed', () => {
  for (const base of bases) {
    const cuts = boundaries(base).flatMap((o) => [o - 1, o, o + 1, o + 4]).filter((o) => o >= 0 && o < base.length);
    for (let t = 0; t < 100; t++) cuts.push(rng.int(base.length));
    for (const cut of cuts) {
      check(base.slice(0, cut), `truncated at ${cut}`);
      check(reseal(base.slice(0, cut)), `resealed truncation at ${cut}`);
    }
  }
});

test('length fields inflated to huge values never allocate what they claim', () => {
  for (const base of bases) {
    const { entries } = readBmtLayout(base);
    const dv = new DataView(base.buffer, base.byteOffset);
    const tableOffset = alignUp(PREAMBLE_BYTES + dv.getUint32(8, true));
    const fields = [8, 12, 16];
    const sample = new Set([0, entries.length - 1, ...Array.from({ length: 14 }, () => rng.int(entries.length))]);
    for (const i of sample) fields.push(...[44, 48, 52, 56].map((f) => tableOffset + i * TABLE_ENTRY_BYTES + f));
    for (const field of fields) {
      const old = dv.getUint32(field, true);
      for (const v of [...HUGE, old * 2, old + 64, old - 1, old + 1, base.length, 0]) {
        const b = base.slice();
        new DataView(b.buffer).setUint32(field, v >>> 0, true);
        check(b, `field ${field} = ${v} raw`);
        if (field !== 16) check(reseal(b), `field ${field} = ${v} resealed`);
      }
    }
  }
});

test('random byte runs and duplicated regions, resealed', () => {
  for (let t = 0; t < 1200; t++) {
    const base = pick(rng, bases);
    const b = base.slice();
    const at = rng.int(b.length - 4);
    const len = 1 + rng.int(Math.min(64, b.length - 4 - at));
    const kind = rng.int(3);
    if (kind === 0) for (let i = 0; i < len; i++) b[at + i] = rng.int(256);
    else if (kind === 1) b.copyWithin(at, rng.int(b.length - 4 - len), undefined); // copy some region over another
    if (kind === 2) {
      // Duplicate a region in place: the file grows, everything after it shifts.
      const grown = new Uint8Array(b.length + len);
      grown.set(b.subarray(0, at + len));
      grown.set(b.subarray(at), at + len);
      check(reseal(grown), `duplicated [${at}, ${at + len})`);
    } else check(reseal(b), `random bytes ${kind} at ${at}`);
  }
});

test('table entries swapped or duplicated, resealed', () => {
  for (const base of bases) {
    const { entries } = readBmtLayout(base);
    const tableOffset = alignUp(PREAMBLE_BYTES + new DataView(base.buffer, base.byteOffset).getUint32(8, true));
    for (let t = 0; t < 60; t++) {
      const i = rng.int(entries.length), j = rng.int(entries.length);
      const b = base.slice();
      b.copyWithin(tableOffset + i * TABLE_ENTRY_BYTES, tableOffset + j * TABLE_ENTRY_BYTES, tableOffset + (j + 1) * TABLE_ENTRY_BYTES);
      check(reseal(b), `entry ${j} copied over ${i}`);
    }
  }
});

/** Rewrites a file with a modified header JSON (same tensors, offsets recomputed): reaches the semantic checks. */
function withHeader(base: Uint8Array, edit: (h: Record<string, any>) => void): Uint8Array {
  const dv = new DataView(base.buffer, base.byteOffset);
  const header = JSON.parse(new TextDecoder().decode(base.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + dv.getUint32(8, true))));
  edit(header);
  const text = new TextEncoder().encode(JSON.stringify(header) ?? 'null');
  const { entries } = readBmtLayout(base);
  const oldTable = alignUp(PREAMBLE_BYTES + dv.getUint32(8, true));
  const table = alignUp(PREAMBLE_BYTES + text.length);
  const shift = table - oldTable;
  const out = new Uint8Array(base.length + shift);
  out.set(base.subarray(0, PREAMBLE_BYTES));
  out.set(text, PREAMBLE_BYTES);
  out.set(base.subarray(oldTable), table);
  const odv = new DataView(out.buffer);
  odv.setUint32(8, text.length, true);
  entries.forEach((e, i) => odv.setUint32(table + i * TABLE_ENTRY_BYTES + 52, e.offset + shift, true));
  return reseal(out);
}

test('preamble errors: magic, versions, flags, trailing bytes, each with its code and offset', () => {
  const base = bases[0];
  const edit = (f: (d: DataView, b: Uint8Array) => void) => { const b = base.slice(); f(new DataView(b.buffer), b); return b; };
  const expectError = (b: Uint8Array, code: string, offset: number, re: RegExp) => {
    check(b, code);
    assert.throws(() => decodeBmt(b, 'm.bmt'), (e) => e instanceof BitedgeError && e.code === code && e.issues[0].offset === offset && re.test(e.message));
  };
  expectError(edit((_, b) => (b[0] = 0x50)), 'bmt_bad_magic', 0, /^m\.bmt@0: not a \.bmt file/);
  expectError(edit((d) => d.setUint16(4, 3, true)), 'bmt_version', 4, /file version 3 is newer than this runtime \(reads up to 2\)/);
  expectError(reseal(edit((d) => d.setUint16(4, 0, true))), 'bmt_version', 4, /version 0 does not exist/);
  expectError(reseal(edit((d) => d.setUint16(6, 1, true))), 'bmt_header', 6, /flags/);
  expectError(reseal(edit((_, b) => (b[25] = 1))), 'bmt_header', 25, /reserved/);
  const longer = new Uint8Array(base.length + 8);
  longer.set(base);
  expectError(longer, 'bmt_trailing', base.length, /8 bytes after its end/);
  expectError(base.slice(0, 20), 'bmt_truncated', 0, /shorter than the smallest/);
  expectError(base.slice(0, base.length - 1), 'bmt_truncated', 16, /truncated/);
  expectError(edit((_, b) => (b[b.length - 1] ^= 0x10)), 'bmt_checksum', base.length - 4, /checksum mismatch/);
});

const HEADER_EDITS: [string, (h: Record<string, any>, r: Rng) => void][] = [
  ['hidden+1', (h) => h.shape.hidden++],
  ['heads not dividing hidden', (h) => (h.shape.heads = h.shape.hidden + 1)],
  ['vocab huge', (h) => (h.shape.vocabSize = 2 ** 31 - 1)],
  ['vocab negative', (h) => (h.shape.vocabSize = -1)],
  ['layers +1', (h) => h.shape.layers++],
  ['layer dropped', (h) => h.layers.pop()],
  ['labels short', (h) => h.labels.pop()],
  ['label not a string', (h) => (h.labels[0] = 3)],
  ['parts flipped', (h, r) => { const l = h.layers[0][pick(r, ['q', 'k', 'v', 'o', 'ffn1', 'ffn2'])]; l.parts = 3 - l.parts; }],
  ['parts 3', (h) => (h.layers[0].o.parts = 3)],
  ['threshold toggled', (h, r) => { const l = h.layers[r.int(h.layers.length)][pick(r, ['q', 'k', 'v', 'o'])]; l.threshold = !l.threshold; }],
  ['site to float', (h, r) => (h.layers[0][pick(r, ['qkvIn', 'qOut', 'kOut', 'ctxIn', 'ffnIn', 'ffn2In'])] = { kind: 'float' })],
  ['site to binary', (h, r) => (h.layers[0][pick(r, ['qkvIn', 'qOut', 'ctxIn', 'ffn2In'])] = { kind: 'binary-signed', alpha: 1 })],
  ['alpha 0', (h) => (h.layers[0].qkvIn = { kind: 'binary-signed', alpha: 0 })],
  ['kbit 3 bits', (h) => (h.layers[0].ffnIn = { kind: 'kbit', bits: 3, signed: true, step: 1 })],
  ['unknown variant', (h) => (h.layers[0].attention.variant = 'linear')],
  ['tau string', (h) => (h.layers[0].attention.tau = 'x')],
  ['eps negative', (h) => (h.lnEmb.eps = -1)],
  ['extra key', (h) => (h.extra = 1)],
  ['header is an array', (h) => { for (const k of Object.keys(h)) delete h[k]; Object.setPrototypeOf(h, Array.prototype); }],
  ['meta missing', (h) => delete h.meta],
  ['activation unknown', (h) => (h.layers[0].activation = 'silu')],
];

test('header edits with consistent framing reach the semantic checks', () => {
  for (const base of bases) {
    for (const [name, edit] of HEADER_EDITS) {
      for (let t = 0; t < 3; t++) check(withHeader(base, (h) => edit(h, rng)), `header edit: ${name}`);
    }
  }
  // Shape edits must be rejected, not decoded into an inconsistent model.
  assert.throws(() => decodeBmt(withHeader(bases[0], (h) => (h.shape.hidden += h.shape.heads))), (e) => e instanceof BitedgeError && e.code === 'bmt_tensor' && /tokenEmbedding has the wrong shape/.test(e.message));
});

test('tensor contents: NaN scales and infinities are rejected with the tensor offset', () => {
  const m = randomDeployModel(TINY_SHAPE, 0, { parts: 1, sites: 'binary' });
  const base = encodeBmt(m);
  const { entries } = readBmtLayout(base);
  const at = (name: string) => entries.find((e) => e.name === name)!;
  const cases: [string, (b: DataView) => void, RegExp][] = [
    ['layers.0.q.parts.0.scale', (d) => d.setFloat32(at('layers.0.q.parts.0.scale').offset + 4, NaN, true), /not finite/],
    ['tokenEmbedding', (d) => d.setFloat32(at('tokenEmbedding').offset, Infinity, true), /not finite/],
  ];
  for (const [name, edit, re] of cases) {
    const b = base.slice();
    edit(new DataView(b.buffer));
    assert.throws(() => decodeBmt(reseal(b), 'x.bmt'), (e) => {
      assert.ok(e instanceof BitedgeError);
      assert.equal(e.code, 'bmt_tensor');
      assert.match(e.message, re);
      assert.equal(e.issues[0].offset, at(name).offset, 'error points at the tensor');
      return true;
    });
  }
});

test('set padding bits in 4-, 2- and 1-bit codes, packed senses and binary weights are rejected at that tensor', () => {
  const shape = { ...TINY_SHAPE, hidden: 9, heads: 3 };
  const cases = [
    ['tokenEmbedding.codes', 4, 5, 1, 0x10],
    ['tokenEmbedding.codes', 2, 3, 1, 0x04],
    ['tokenEmbedding.codes', 1, 2, 1, 0x02],
    ['layers.0.q.threshold.sense', 1, 2, 0, 0x80],
    ['layers.1.o.parts.0.weight', 1, 2, 3, 0x04],
  ] as const;
  for (const [name, bits, bytesPerRow, row, padBit] of cases) {
    const base = encodeBmt(randomDeployModel(shape, 1, { sites: 'binary', parts: 1, storage: { tokenEmbedding: bits } }));
    const t = readBmtLayout(base).entries.find((e) => e.name === name)!;
    const b = base.slice();
    b[t.offset + (row + 1) * bytesPerRow - 1] |= padBit; // the row's last byte: 9 codes leave its top bits as padding
    assert.throws(() => decodeBmt(reseal(b)), (e) => e instanceof BitedgeError && e.issues[0].offset === t.offset && new RegExp(`${name.replace(/\./g, '\\.')}(\\.data)?: row ${row} has non-zero padding bits`).test(e.message), `${name} ${bits}-bit`);
  }
});

test('version 2 features in a file that says version 1 are rejected, not misread', () => {
  const asV1 = (b: Uint8Array) => { const c = b.slice(); new DataView(c.buffer).setUint16(4, 1, true); return reseal(c); };
  const oneBit = encodeBmt(oneBitModel());
  assert.throws(() => decodeBmt(asV1(oneBit), 'm.bmt'), (e) => e instanceof BitedgeError && e.code === 'bmt_header' && /1-bit storage of tokenEmbedding needs file version 2 \(the file says 1\)/.test(e.message));
  const packedSense = encodeBmt(randomDeployModel(TINY_SHAPE, 2, { sites: 'binary', parts: 1 }));
  assert.throws(() => decodeBmt(asV1(packedSense), 'm.bmt'), (e) => e instanceof BitedgeError && e.code === 'bmt_tensor' && /dtype b1 needs file version 2/.test(e.message));
});

test('fuzz summary: thousands of cases, both outcomes seen', () => {
  assert.ok(stats.cases > 5000, `only ${stats.cases} cases`);
  assert.ok(stats.decoded > 0, 'some mutations (e.g. in float data) still decode');
  for (const code of ['bmt_checksum', 'bmt_truncated', 'bmt_header', 'bmt_tensor', 'bmt_bad_magic', 'bmt_version']) {
    assert.ok(stats.codes.has(code), `no case produced ${code}`);
  }
  console.log(`# fuzz: ${stats.cases} cases, ${stats.decoded} decoded; errors ${JSON.stringify(Object.fromEntries(stats.codes))}`);
});
