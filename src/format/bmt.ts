/**
 * The .bmt packed model file: encoder and a loader that never trusts the file (docs/format.md).
 *
 *   preamble (32 B) │ header JSON │ pad │ tensor table (64 B per tensor) │ pad │ tensors, each 64-byte aligned │ CRC-32
 *
 * Pure: no node: imports, so the same code loads models in Node and in the browser.
 */
import { BitedgeError, fail, type Issue } from '../common/errors.ts';
import { crc32 } from './crc32.ts';
import { headerSchema, type BmtHeader, type LinearHeader, type SiteHeader } from './header.ts';
import type { ActSite, BinaryLinear, DenseParams, DeployLayer, DeployModel, LayerNormParams, PackedBits, StorableMatrix } from './model.ts';
import { STORABLE_MATRICES, storableMatrix } from './quantize.ts';
import { wordsPerRowFor } from './model.ts';
import { deployModelIssues, siteChannels, validateDeployModel } from './validate.ts';

export const BMT_MAGIC = 'BMT1';
/**
 * The newest file version this code reads and the one it writes. Version 2 added the dtypes `i16` and `b1`
 * (1-bit storage, binary weights without SIMD row padding, packed threshold senses, narrow thresholds); a
 * version-1 file cannot use them (docs/format.md, "Versioning").
 */
export const BMT_VERSION = 2;
export const PREAMBLE_BYTES = 32;
export const TABLE_ENTRY_BYTES = 64;
export const TENSOR_NAME_BYTES = 40;
export const CHECKSUM_BYTES = 4;
export const ALIGN = 64;

/**
 * `i4`, `i2`: two's-complement 4- or 2-bit codes packed into bytes, the lower-indexed code in the lower bits,
 * each row padded to a whole byte with zero bits. `b1`: ±1 codes, one bit each (1 ↔ +1, 0 ↔ −1), packed the
 * same way.
 */
export type BmtDtype = 'u32' | 'i32' | 'i8' | 'f32' | 'i4' | 'i2' | 'i16' | 'b1';
/** Tensor dtype codes in the table (byte 40 of an entry). */
export const DTYPE_CODES: Record<BmtDtype, number> = { u32: 1, i32: 2, i8: 3, f32: 4, i4: 5, i2: 6, i16: 7, b1: 8 };
const DTYPE_BY_CODE: Record<number, BmtDtype> = { 1: 'u32', 2: 'i32', 3: 'i8', 4: 'f32', 5: 'i4', 6: 'i2', 7: 'i16', 8: 'b1' };
/** The first file version that may use each dtype. */
const DTYPE_SINCE: Record<BmtDtype, number> = { u32: 1, i32: 1, i8: 1, f32: 1, i4: 1, i2: 1, i16: 2, b1: 2 };
const DTYPE_BYTES: Record<'u32' | 'i32' | 'i16' | 'i8' | 'f32', number> = { u32: 4, i32: 4, i16: 2, i8: 1, f32: 4 };
type PackedDtype = 'i4' | 'i2' | 'b1';
const PACKED_BITS: Record<PackedDtype, 4 | 2 | 1> = { i4: 4, i2: 2, b1: 1 };
const isPacked = (d: BmtDtype): d is PackedDtype => d === 'i4' || d === 'i2' || d === 'b1';

type Typed = Float32Array | Uint32Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** Bytes a tensor of `dtype` and `dims` occupies (before alignment padding); exact in a double for u32 dims. */
export function tensorByteLength(dtype: BmtDtype, dims: number[]): number {
  if (isPacked(dtype)) {
    const perByte = 8 / PACKED_BITS[dtype];
    return dims.length === 1 ? Math.ceil(dims[0] / perByte) : dims[0] * Math.ceil(dims[1] / perByte);
  }
  return dims.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
}

/** The bit field of one code: two's complement for k = 4, 2; for k = 1, 1 ↔ +1 and 0 ↔ −1. */
const codeField = (code: number, bits: 4 | 2 | 1): number => (bits === 1 ? (code > 0 ? 1 : 0) : code & ((1 << bits) - 1));
/** The code of one bit field: sign-extended for k = 4, 2; ±1 for k = 1. */
const fieldCode = (field: number, bits: 4 | 2 | 1): number => (bits === 1 ? 2 * field - 1 : (field << (32 - bits)) >> (32 - bits));

/**
 * Packs k-bit codes (rows × cols, k = 4, 2 or 1) into bytes, lower index in lower bits, rows padded to a
 * whole byte with zero bits. For k = 1 the codes must be ±1 (bit 1 ↔ +1).
 */
export function packCodes(codes: Int8Array, rows: number, cols: number, bits: 4 | 2 | 1): Uint8Array {
  const perByte = 8 / bits, bpr = Math.ceil(cols / perByte);
  const out = new Uint8Array(rows * bpr);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * bpr + Math.floor(c / perByte)] |= codeField(codes[r * cols + c], bits) << ((c % perByte) * bits);
  }
  return out;
}

/** Unpacks packCodes' layout; also returns the first row with a set padding bit, or −1. */
export function unpackCodes(packed: Uint8Array, rows: number, cols: number, bits: 4 | 2 | 1): { codes: Int8Array; badRow: number } {
  const perByte = 8 / bits, bpr = Math.ceil(cols / perByte), mask = (1 << bits) - 1;
  const codes = new Int8Array(rows * cols);
  const used = cols % perByte; // codes in a row's last byte when it is partial
  let badRow = -1;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) codes[r * cols + c] = fieldCode((packed[r * bpr + Math.floor(c / perByte)] >> ((c % perByte) * bits)) & mask, bits);
    if (used && packed[r * bpr + bpr - 1] >> (used * bits) && badRow < 0) badRow = r;
  }
  return { codes, badRow };
}

/**
 * The rows of a packed binary matrix without their SIMD padding: ⌈cols/8⌉ bytes per row, which is the `b1`
 * layout (little-endian words put column c at bit c & 7 of byte c >>> 3 either way). No copy when the rows
 * have no padding words (cols a multiple of 128).
 */
export function unpaddedRows(p: PackedBits): Uint8Array {
  const bpr = Math.ceil(p.cols / 8), stride = 4 * p.wordsPerRow;
  const all = new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength);
  if (bpr === stride) return all;
  const out = new Uint8Array(p.rows * bpr);
  for (let r = 0; r < p.rows; r++) out.set(all.subarray(r * stride, r * stride + bpr), r * bpr);
  return out;
}

/** unpaddedRows' inverse: rows of ⌈cols/8⌉ bytes back to `wordsPerRowFor(cols)` words, padding zero (a view when there is none). */
export function paddedRows(bytes: Uint8Array, rows: number, cols: number): Uint32Array {
  const bpr = Math.ceil(cols / 8), wpr = wordsPerRowFor(cols);
  if (bpr === 4 * wpr && bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, rows * wpr);
  const out = new Uint32Array(rows * wpr);
  const out8 = new Uint8Array(out.buffer);
  for (let r = 0; r < rows; r++) out8.set(bytes.subarray(r * bpr, (r + 1) * bpr), r * 4 * wpr);
  return out;
}

/** The narrowest of i8, i16, i32 that holds every value of `a` (thresholds are stored in it). */
export function narrowestIntDtype(a: Int32Array): 'i8' | 'i16' | 'i32' {
  let lo = 0, hi = 0;
  for (const x of a) { if (x < lo) lo = x; if (x > hi) hi = x; }
  return lo >= -128 && hi <= 127 ? 'i8' : lo >= -32768 && hi <= 32767 ? 'i16' : 'i32';
}

function narrowed(a: Int32Array, dtype: 'i8' | 'i16' | 'i32'): Int8Array | Int16Array | Int32Array {
  return dtype === 'i8' ? Int8Array.from(a) : dtype === 'i16' ? Int16Array.from(a) : a;
}

/** One row of the tensor table. */
export interface TensorEntry {
  name: string;
  dtype: BmtDtype;
  dims: number[];
  offset: number;
  byteLength: number;
}

export function alignUp(n: number, a = ALIGN): number {
  return Math.ceil(n / a) * a;
}

function assertLittleEndianHost(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) fail('bmt_host', 'big-endian hosts are not supported (.bmt tensors are little-endian)');
}

// ---------------------------------------------------------------------------------------------------
// Model ⇄ (header, named tensors)

function siteHeader(s: ActSite): SiteHeader {
  switch (s.kind) {
    case 'binary-signed':
    case 'binary-unsigned':
      return { kind: s.kind, alpha: s.alpha };
    case 'kbit':
      return { kind: 'kbit', bits: s.bits, signed: s.signed, step: s.step };
    case 'float':
      return { kind: 'float' };
  }
}

function linearHeader(l: BinaryLinear): LinearHeader {
  return { parts: l.parts.length as 1 | 2, threshold: l.threshold !== undefined };
}

/** The header of `model` (its structure and scalars; no tensors). */
export function headerOf(model: DeployModel): BmtHeader {
  return {
    shape: { ...model.shape },
    storage: Object.fromEntries(STORABLE_MATRICES.filter((k) => model.storage?.[k]).map((k) => [k, model.storage![k]!.bits])),
    lnEmb: { eps: model.lnEmb.eps },
    layers: model.layers.map((L) => ({
      qkvIn: siteHeader(L.qkvIn),
      q: linearHeader(L.q),
      k: linearHeader(L.k),
      v: linearHeader(L.v),
      qOut: siteHeader(L.qOut),
      kOut: siteHeader(L.kOut),
      vOut: siteHeader(L.vOut),
      attention: {
        variant: L.attention.variant,
        probs: siteHeader(L.attention.probs),
        ...(L.attention.tau !== undefined ? { tau: L.attention.tau } : {}),
      },
      ctxIn: siteHeader(L.ctxIn),
      o: linearHeader(L.o),
      ln1: { eps: L.ln1.eps },
      ffnIn: siteHeader(L.ffnIn),
      ffn1: linearHeader(L.ffn1),
      activation: L.activation,
      ffn2In: siteHeader(L.ffn2In),
      ffn2: linearHeader(L.ffn2),
      ln2: { eps: L.ln2.eps },
    })),
    labels: [...model.labels],
    tokenizer: model.tokenizer,
    meta: model.meta,
  };
}

/** The dtype of packed k-bit storage codes. */
const PACKED_DTYPE: Record<4 | 2 | 1, PackedDtype> = { 4: 'i4', 2: 'i2', 1: 'b1' };

interface NamedTensor {
  name: string;
  dtype: BmtDtype;
  dims: number[];
  data: Typed;
}

/** The tensors of `model` in file order, named by their path in the model (docs/format.md, "Tensor names"). */
export function tensorsOf(model: DeployModel): NamedTensor[] {
  const out: NamedTensor[] = [];
  const f32 = (name: string, data: Float32Array, dims: number[]): void => void out.push({ name, dtype: 'f32', dims, data });
  const site = (name: string, s: ActSite): void => {
    if (s.kind === 'binary-signed' || s.kind === 'binary-unsigned') f32(`${name}.beta`, s.beta, [s.beta.length]);
  };
  const linear = (name: string, l: BinaryLinear): void => {
    l.parts.forEach((p, i) => {
      out.push({ name: `${name}.parts.${i}.weight`, dtype: 'b1', dims: [p.weight.rows, p.weight.cols], data: unpaddedRows(p.weight) });
      f32(`${name}.parts.${i}.scale`, p.scale, [l.outFeatures]);
    });
    f32(`${name}.bias`, l.bias, [l.outFeatures]);
    if (l.threshold) {
      // θ in the narrowest integer dtype that holds it; the ±1 senses one bit each (docs/format.md, "Thresholds").
      const dtype = narrowestIntDtype(l.threshold.theta);
      out.push({ name: `${name}.threshold.theta`, dtype, dims: [l.outFeatures], data: narrowed(l.threshold.theta, dtype) });
      out.push({ name: `${name}.threshold.sense`, dtype: 'b1', dims: [l.outFeatures], data: packCodes(l.threshold.sense, 1, l.outFeatures, 1) });
    }
  };
  const ln = (name: string, p: LayerNormParams): void => {
    f32(`${name}.gamma`, p.gamma, [p.gamma.length]);
    f32(`${name}.beta`, p.beta, [p.beta.length]);
  };
  const dense = (name: 'pooler' | 'classifier', d: DenseParams): void => {
    matrix(`${name}.weight`);
    f32(`${name}.bias`, d.bias, [d.outFeatures]);
  };
  /** A storable float matrix: float32 as `key`, or k-bit as `key.scale` and `key.codes` (docs/format.md, "Storage"). */
  const matrix = (key: StorableMatrix): void => {
    const { values, rows, cols } = storableMatrix(model, key);
    const q = model.storage?.[key];
    if (!q) return f32(key, values, [rows, cols]);
    f32(`${key}.scale`, q.scale, [rows]);
    if (q.bits === 8) out.push({ name: `${key}.codes`, dtype: 'i8', dims: [rows, cols], data: q.codes });
    else out.push({ name: `${key}.codes`, dtype: PACKED_DTYPE[q.bits], dims: [rows, cols], data: packCodes(q.codes, rows, cols, q.bits) });
  };
  matrix('tokenEmbedding');
  matrix('positionEmbedding');
  ln('lnEmb', model.lnEmb);
  model.layers.forEach((L, i) => {
    const p = `layers.${i}`;
    site(`${p}.qkvIn`, L.qkvIn);
    linear(`${p}.q`, L.q);
    linear(`${p}.k`, L.k);
    linear(`${p}.v`, L.v);
    site(`${p}.qOut`, L.qOut);
    site(`${p}.kOut`, L.kOut);
    site(`${p}.vOut`, L.vOut);
    site(`${p}.attention.probs`, L.attention.probs);
    site(`${p}.ctxIn`, L.ctxIn);
    linear(`${p}.o`, L.o);
    ln(`${p}.ln1`, L.ln1);
    site(`${p}.ffnIn`, L.ffnIn);
    linear(`${p}.ffn1`, L.ffn1);
    site(`${p}.ffn2In`, L.ffn2In);
    linear(`${p}.ffn2`, L.ffn2);
    ln(`${p}.ln2`, L.ln2);
  });
  dense('pooler', model.pooler);
  dense('classifier', model.classifier);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Encoder

/** Serialises a valid DeployModel to .bmt bytes (version BMT_VERSION). Throws BitedgeError on an invalid model. */
export function encodeBmt(model: DeployModel): Uint8Array {
  assertLittleEndianHost();
  validateDeployModel(model);
  const headerBytes = new TextEncoder().encode(JSON.stringify(headerOf(model)));
  const tensors = tensorsOf(model);
  const tableOffset = alignUp(PREAMBLE_BYTES + headerBytes.length);
  let offset = alignUp(tableOffset + TABLE_ENTRY_BYTES * tensors.length);
  const entries: TensorEntry[] = tensors.map((t) => {
    if (t.name.length > TENSOR_NAME_BYTES) fail('bmt_tensor', `tensor name ${t.name} is longer than ${TENSOR_NAME_BYTES} bytes`);
    const e = { name: t.name, dtype: t.dtype, dims: t.dims, offset, byteLength: t.data.byteLength };
    offset = alignUp(offset + t.data.byteLength);
    return e;
  });
  const fileBytes = offset + CHECKSUM_BYTES;
  if (fileBytes > 0xffffffff) fail('bmt_too_large', `model needs ${fileBytes} bytes; a .bmt file holds at most 4 GiB`);
  const out = new Uint8Array(fileBytes);
  const dv = new DataView(out.buffer);
  out.set(new TextEncoder().encode(BMT_MAGIC), 0);
  dv.setUint16(4, BMT_VERSION, true);
  dv.setUint16(6, 0, true);
  dv.setUint32(8, headerBytes.length, true);
  dv.setUint32(12, tensors.length, true);
  dv.setUint32(16, fileBytes, true);
  out.set(headerBytes, PREAMBLE_BYTES);
  entries.forEach((e, i) => {
    const at = tableOffset + i * TABLE_ENTRY_BYTES;
    out.set(new TextEncoder().encode(e.name), at);
    dv.setUint8(at + 40, DTYPE_CODES[e.dtype]);
    dv.setUint8(at + 41, e.dims.length);
    dv.setUint32(at + 44, e.dims[0], true);
    dv.setUint32(at + 48, e.dims.length > 1 ? e.dims[1] : 0, true);
    dv.setUint32(at + 52, e.offset, true);
    dv.setUint32(at + 56, e.byteLength, true);
    const d = tensors[i].data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), e.offset);
  });
  dv.setUint32(fileBytes - CHECKSUM_BYTES, crc32(out, 0, fileBytes - CHECKSUM_BYTES), true);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Decoder: every check happens before the allocation it guards.

const NAME_RE = /^[A-Za-z0-9_.]+$/;

/** Reads and checks the preamble and tensor table; returns the parsed header JSON and the table. */
export function readBmtLayout(bytes: Uint8Array, file?: string): { version: number; header: BmtHeader; entries: TensorEntry[]; fileBytes: number } {
  const err = (code: string, message: string, offset: number, extra: Partial<Issue> = {}): never =>
    fail(code, message, { file, offset, ...extra });
  if (!(bytes instanceof Uint8Array)) fail('bmt_input', 'expected the file as a Uint8Array', { file });
  const n = bytes.length;
  if (n < PREAMBLE_BYTES + CHECKSUM_BYTES) err('bmt_truncated', `file is ${n} bytes, shorter than the smallest .bmt file`, 0, { expected: `≥ ${PREAMBLE_BYTES + CHECKSUM_BYTES} bytes`, received: String(n) });
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== BMT_MAGIC) err('bmt_bad_magic', 'not a .bmt file (bad magic)', 0, { expected: JSON.stringify(BMT_MAGIC), received: JSON.stringify(magic) });
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint16(4, true);
  if (version > BMT_VERSION) err('bmt_version', `file version ${version} is newer than this runtime (reads up to ${BMT_VERSION})`, 4);
  if (version < 1) err('bmt_version', `file version ${version} does not exist (versions start at 1)`, 4);
  const flags = dv.getUint16(6, true);
  if (flags !== 0) err('bmt_header', 'unknown flags set in the preamble', 6, { expected: '0', received: String(flags) });
  const headerBytes = dv.getUint32(8, true);
  const count = dv.getUint32(12, true);
  const fileBytes = dv.getUint32(16, true);
  if (fileBytes > n) err('bmt_truncated', `file is truncated: ${n} bytes, the preamble says ${fileBytes}`, 16, { expected: String(fileBytes), received: String(n) });
  if (fileBytes < n) err('bmt_trailing', `file has ${n - fileBytes} bytes after its end (the preamble says ${fileBytes} bytes)`, fileBytes);
  for (let i = 20; i < PREAMBLE_BYTES; i++) if (bytes[i] !== 0) err('bmt_header', 'reserved preamble bytes must be 0', i);
  const stored = dv.getUint32(n - CHECKSUM_BYTES, true);
  const actual = crc32(bytes, 0, n - CHECKSUM_BYTES);
  if (stored !== actual) err('bmt_checksum', 'checksum mismatch: the file is corrupt', n - CHECKSUM_BYTES, { expected: hex32(stored), received: hex32(actual) });
  // From here on every length is checked against the bytes that are really there.
  const body = n - CHECKSUM_BYTES;
  if (headerBytes > body - PREAMBLE_BYTES) err('bmt_truncated', `header length ${headerBytes} runs past the end of the file`, 8);
  const tableOffset = alignUp(PREAMBLE_BYTES + headerBytes);
  if (count > Math.floor((body - tableOffset) / TABLE_ENTRY_BYTES) || tableOffset > body) err('bmt_truncated', `tensor count ${count} does not fit in the file`, 12);
  const dataStart = alignUp(tableOffset + count * TABLE_ENTRY_BYTES);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerBytes));
  } catch {
    return err('bmt_header', 'header is not valid UTF-8', PREAMBLE_BYTES);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return err('bmt_header', `header is not valid JSON: ${(e as Error).message}`, PREAMBLE_BYTES);
  }
  const parsed = headerSchema.safeParse(json, {
    error: (iss) => (iss.code === 'invalid_type' && iss.input === undefined ? `missing (expected ${iss.expected})` : undefined),
  });
  if (!parsed.success) {
    throw new BitedgeError(
      parsed.error.issues.slice(0, 10).map((i) => ({ code: 'bmt_header', message: i.message, file, offset: PREAMBLE_BYTES, path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) })),
    );
  }
  const oneBit = Object.entries(parsed.data.storage).find(([, bits]) => bits === 1);
  if (oneBit && version < 2) err('bmt_header', `1-bit storage of ${oneBit[0]} needs file version 2 (the file says ${version})`, PREAMBLE_BYTES, { path: ['storage', oneBit[0]] });

  const entries: TensorEntry[] = [];
  const names = new Set<string>();
  let prevEnd = dataStart;
  for (let i = 0; i < count; i++) {
    const at = tableOffset + i * TABLE_ENTRY_BYTES;
    let len = 0;
    while (len < TENSOR_NAME_BYTES && bytes[at + len] !== 0) len++;
    for (let j = len; j < TENSOR_NAME_BYTES; j++) if (bytes[at + j] !== 0) err('bmt_tensor', `tensor ${i}: name is not NUL-padded`, at + j);
    const name = String.fromCharCode(...bytes.subarray(at, at + len));
    if (!NAME_RE.test(name)) err('bmt_tensor', `tensor ${i}: bad name ${JSON.stringify(name)}`, at);
    if (names.has(name)) err('bmt_tensor', `tensor ${name} appears twice in the table`, at);
    names.add(name);
    const dtype = DTYPE_BY_CODE[bytes[at + 40]];
    if (!dtype) err('bmt_tensor', `tensor ${name}: unknown dtype code ${bytes[at + 40]}`, at + 40);
    if (DTYPE_SINCE[dtype] > version) err('bmt_tensor', `tensor ${name}: dtype ${dtype} needs file version ${DTYPE_SINCE[dtype]} (the file says ${version})`, at + 40);
    const rank = bytes[at + 41];
    if (rank !== 1 && rank !== 2) err('bmt_tensor', `tensor ${name}: rank must be 1 or 2`, at + 41, { received: String(rank) });
    if (dv.getUint16(at + 42, true) !== 0 || dv.getUint32(at + 60, true) !== 0) err('bmt_tensor', `tensor ${name}: reserved bytes must be 0`, at + 42);
    const dims = rank === 1 ? [dv.getUint32(at + 44, true)] : [dv.getUint32(at + 44, true), dv.getUint32(at + 48, true)];
    if (rank === 1 && dv.getUint32(at + 48, true) !== 0) err('bmt_tensor', `tensor ${name}: dim 1 of a rank-1 tensor must be 0`, at + 48);
    const offset = dv.getUint32(at + 52, true);
    const byteLength = dv.getUint32(at + 56, true);
    const expectedBytes = tensorByteLength(dtype, dims);
    if (expectedBytes !== byteLength) err('bmt_tensor', `tensor ${name}: byte length disagrees with its dims`, at + 56, { expected: String(expectedBytes), received: String(byteLength) });
    if (offset % ALIGN !== 0) err('bmt_tensor', `tensor ${name}: offset ${offset} is not ${ALIGN}-byte aligned`, at + 52);
    if (offset < prevEnd) err('bmt_tensor', `tensor ${name}: offset ${offset} overlaps the table or the previous tensor (ends at ${prevEnd})`, at + 52);
    if (byteLength > body - offset || offset > body) err('bmt_truncated', `tensor ${name}: bytes [${offset}, ${offset + byteLength}) run past the data (ends at ${body})`, at + 52);
    prevEnd = offset + byteLength;
    entries.push({ name, dtype, dims, offset, byteLength });
  }
  return { version, header: parsed.data, entries, fileBytes: n };
}

function hex32(x: number): string {
  return '0x' + x.toString(16).padStart(8, '0');
}

/** Hands out the tensors the header implies, checking each against its table entry before copying it. */
class TensorReader {
  private readonly byName = new Map<string, TensorEntry>();
  private readonly used = new Set<string>();
  constructor(private readonly bytes: Uint8Array, entries: TensorEntry[], private readonly share: boolean, readonly file?: string) {
    for (const e of entries) this.byName.set(e.name, e);
  }
  take(name: string, dtype: 'f32', dims: number[]): Float32Array;
  take(name: string, dtype: 'u32', dims: number[]): Uint32Array;
  take(name: string, dtype: 'i32', dims: number[]): Int32Array;
  take(name: string, dtype: 'i16', dims: number[]): Int16Array;
  take(name: string, dtype: 'i8', dims: number[]): Int8Array;
  take(name: string, dtype: PackedDtype, dims: number[]): Uint8Array;
  take(name: string, dtype: BmtDtype, dims: number[]): Typed {
    const e = this.entry(name, [dtype]);
    if (e.dims.length !== dims.length || e.dims.some((d, i) => d !== dims[i])) {
      fail('bmt_tensor', `tensor ${name} has the wrong shape`, { file: this.file, offset: e.offset, expected: `[${dims.join(', ')}]`, received: `[${e.dims.join(', ')}]` });
    }
    this.used.add(name);
    // A view when sharing and the data is 4-byte aligned in memory; otherwise slice() copies exactly the
    // checked, in-bounds byte length of this entry.
    const at = this.bytes.byteOffset + e.offset;
    const [buf, off] = this.share && at % 4 === 0 ? [this.bytes.buffer, at] : [this.bytes.slice(e.offset, e.offset + e.byteLength).buffer, 0];
    const n = isPacked(dtype) ? e.byteLength : e.byteLength / DTYPE_BYTES[dtype];
    if (dtype === 'f32') return new Float32Array(buf, off, n);
    if (dtype === 'u32') return new Uint32Array(buf, off, n);
    if (dtype === 'i32') return new Int32Array(buf, off, n);
    if (dtype === 'i16') return new Int16Array(buf, off, n);
    if (isPacked(dtype)) return new Uint8Array(buf, off, n);
    return new Int8Array(buf, off, n);
  }
  /** A rank-1 integer tensor stored as one of `dtypes` (its width chosen by the writer), widened to Int32Array. */
  takeInt32(name: string, dims: number[], dtypes: ('i8' | 'i16' | 'i32')[]): Int32Array {
    const dtype = this.entry(name, dtypes).dtype as 'i8' | 'i16' | 'i32';
    if (dtype === 'i32') return this.take(name, 'i32', dims);
    return Int32Array.from(dtype === 'i8' ? this.take(name, 'i8', dims) : this.take(name, 'i16', dims));
  }
  /** The table entry of `name`, which must exist with one of `dtypes`. */
  private entry(name: string, dtypes: BmtDtype[]): TensorEntry {
    const e = this.byName.get(name);
    if (!e) return fail('bmt_tensor', `tensor ${name} is missing from the table`, { file: this.file });
    if (!dtypes.includes(e.dtype)) fail('bmt_tensor', `tensor ${name} has the wrong dtype`, { file: this.file, offset: e.offset, expected: dtypes.join(' or '), received: e.dtype });
    return e;
  }
  /** Fails on a table entry the header does not account for. */
  checkAllUsed(): void {
    for (const [name, e] of this.byName) if (!this.used.has(name)) fail('bmt_tensor', `unexpected tensor ${name} in the table`, { file: this.file, offset: e.offset });
  }
  offsetOfTensor(name: string): number | undefined {
    return this.byName.get(name)?.offset;
  }
  storedDims(name: string): number[] | undefined {
    return this.byName.get(name)?.dims;
  }
  offsetOf(path: (string | number)[]): number | undefined {
    for (let k = path.length; k > 0; k--) {
      const e = this.byName.get(path.slice(0, k).join('.'));
      if (e) return e.offset;
    }
    return undefined;
  }
}

function buildModel(h: BmtHeader, r: TensorReader, version: number): DeployModel {
  const { vocabSize: V, seqLen: T, hidden: H, ffn: F, numLabels: N } = h.shape;
  const channels = siteChannels(h.shape);
  const site = (name: string, s: SiteHeader, ch: number): ActSite => {
    if (s.kind === 'binary-signed' || s.kind === 'binary-unsigned') {
      return { kind: s.kind, alpha: s.alpha, beta: r.take(`${name}.beta`, 'f32', [betaLength(r, `${name}.beta`, ch)]) };
    }
    return s.kind === 'kbit' ? { kind: 'kbit', bits: s.bits, signed: s.signed, step: s.step } : { kind: 'float' };
  };
  const linear = (name: string, l: LinearHeader, inF: number, outF: number): BinaryLinear => {
    const wpr = wordsPerRowFor(inF);
    const parts = Array.from({ length: l.parts }, (_, i) => {
      // Version 1: u32 rows with their SIMD padding; version 2: b1 rows, re-padded here (≤ 16× the stored bytes).
      const wName = `${name}.parts.${i}.weight`;
      const data = version < 2 ? r.take(wName, 'u32', [outF, wpr]) : paddedRows(r.take(wName, 'b1', [outF, inF]), outF, inF);
      const weight: PackedBits = { rows: outF, cols: inF, wordsPerRow: wpr, data };
      return { weight, scale: r.take(`${name}.parts.${i}.scale`, 'f32', [outF]) };
    });
    const lin: BinaryLinear = { inFeatures: inF, outFeatures: outF, parts, bias: r.take(`${name}.bias`, 'f32', [outF]) };
    if (l.threshold) lin.threshold = { theta: r.takeInt32(`${name}.threshold.theta`, [outF], version >= 2 ? ['i8', 'i16', 'i32'] : ['i32']), sense: sense(`${name}.threshold.sense`, outF) };
    return lin;
  };
  /** Threshold senses: ±1 as i8 (version 1) or one bit each as b1 (version 2). */
  const sense = (name: string, n: number): Int8Array =>
    version < 2 ? r.take(name, 'i8', [n]) : unpacked(name, r.take(name, 'b1', [n]), 1, n, 1);
  /** Unpacks k-bit codes (rows × cols), failing at the tensor on a set padding bit. */
  const unpacked = (name: string, packed: Uint8Array, rows: number, cols: number, bits: 4 | 2 | 1): Int8Array => {
    const { codes, badRow } = unpackCodes(packed, rows, cols, bits);
    if (badRow >= 0) fail('bmt_tensor', `${name}: row ${badRow} has non-zero padding bits`, { file: r.file, offset: r.offsetOfTensor(name) });
    return codes;
  };
  const ln = (name: string, eps: number): LayerNormParams => ({ gamma: r.take(`${name}.gamma`, 'f32', [H]), beta: r.take(`${name}.beta`, 'f32', [H]), eps });
  const storage: NonNullable<DeployModel['storage']> = {};
  /** A storable float matrix, float32 or k-bit codes expanded to float32 (≤ 32× the checked bytes of 1-bit codes). */
  const matrix = (key: StorableMatrix, rows: number, cols: number): Float32Array => {
    const bits = h.storage[key];
    if (bits === undefined) return r.take(key, 'f32', [rows, cols]);
    const scale = r.take(`${key}.scale`, 'f32', [rows]);
    const name = `${key}.codes`;
    const codes = bits === 8 ? r.take(name, 'i8', [rows, cols]) : unpacked(name, r.take(name, PACKED_DTYPE[bits], [rows, cols]), rows, cols, bits);
    storage[key] = { bits, scale, codes };
    const values = new Float32Array(rows * cols);
    for (let i = 0; i < rows * cols; i++) values[i] = codes[i] * scale[Math.floor(i / cols)];
    return values;
  };
  const dense = (name: 'pooler' | 'classifier', inF: number, outF: number): DenseParams => ({
    inFeatures: inF,
    outFeatures: outF,
    weight: matrix(`${name}.weight`, outF, inF),
    bias: r.take(`${name}.bias`, 'f32', [outF]),
  });
  const tokenEmbedding = matrix('tokenEmbedding', V, H);
  const positionEmbedding = matrix('positionEmbedding', T, H);
  const lnEmb = ln('lnEmb', h.lnEmb.eps);
  const layers: DeployLayer[] = h.layers.map((L, i) => {
    const p = `layers.${i}`;
    const qkvIn = site(`${p}.qkvIn`, L.qkvIn, channels.qkvIn);
    const q = linear(`${p}.q`, L.q, H, H);
    const k = linear(`${p}.k`, L.k, H, H);
    const v = linear(`${p}.v`, L.v, H, H);
    const qOut = site(`${p}.qOut`, L.qOut, channels.qOut);
    const kOut = site(`${p}.kOut`, L.kOut, channels.kOut);
    const vOut = site(`${p}.vOut`, L.vOut, channels.vOut);
    const probs = site(`${p}.attention.probs`, L.attention.probs, channels.probs);
    const attention: DeployLayer['attention'] = { variant: L.attention.variant, probs };
    if (L.attention.tau !== undefined) attention.tau = L.attention.tau;
    const ctxIn = site(`${p}.ctxIn`, L.ctxIn, channels.ctxIn);
    const o = linear(`${p}.o`, L.o, H, H);
    const ln1 = ln(`${p}.ln1`, L.ln1.eps);
    const ffnIn = site(`${p}.ffnIn`, L.ffnIn, channels.ffnIn);
    const ffn1 = linear(`${p}.ffn1`, L.ffn1, H, F);
    const ffn2In = site(`${p}.ffn2In`, L.ffn2In, channels.ffn2In);
    const ffn2 = linear(`${p}.ffn2`, L.ffn2, F, H);
    const ln2 = ln(`${p}.ln2`, L.ln2.eps);
    return { qkvIn, q, k, v, qOut, kOut, vOut, attention, ctxIn, o, ln1, ffnIn, ffn1, activation: L.activation, ffn2In, ffn2, ln2 };
  });
  const pooler = dense('pooler', H, H);
  const classifier = dense('classifier', H, N);
  return { shape: { ...h.shape }, tokenEmbedding, ...(Object.keys(storage).length ? { storage } : {}), positionEmbedding, lnEmb, layers, pooler, classifier, labels: h.labels, tokenizer: h.tokenizer, meta: h.meta };
}

/** A β holds one value (per tensor) or one per channel: expect 1 when the table says 1, else the channel count. */
function betaLength(r: TensorReader, name: string, channels: number): number {
  return r.storedDims(name)?.[0] === 1 ? 1 : channels;
}

export interface DecodeOptions {
  /**
   * Return tensors as views into `bytes` instead of copies (when `bytes` is 4-byte aligned in memory): no
   * second copy of the weights, but the model then aliases `bytes`, which the caller must not modify.
   * Default false. `readBmtFile` shares, since its buffer is private.
   */
  share?: boolean;
}

/**
 * Decodes .bmt bytes into a validated DeployModel. Never trusts the file: lengths and offsets are checked
 * against the bytes present before anything is allocated, and the result passes validateDeployModel.
 * Throws BitedgeError (codes bmt_truncated, bmt_trailing, bmt_bad_magic, bmt_version, bmt_checksum,
 * bmt_header, bmt_tensor, bmt_shape) with the byte offset of the offending field.
 */
export function decodeBmt(bytes: Uint8Array, fileName?: string, options: DecodeOptions = {}): DeployModel {
  assertLittleEndianHost();
  const { version, header, entries } = readBmtLayout(bytes, fileName);
  const reader = new TensorReader(bytes, entries, options.share ?? false, fileName);
  const model = buildModel(header, reader, version);
  reader.checkAllUsed();
  const issues = deployModelIssues(model);
  if (issues.length) throw new BitedgeError(issues.map((i) => ({ ...i, file: fileName, offset: i.path ? reader.offsetOf(i.path) : undefined })));
  return model;
}
