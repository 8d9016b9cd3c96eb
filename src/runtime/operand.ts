/**
 * An activation after its quantizer site (docs/forward.md): what the integer products consume.
 * Real value of element (r, c): `scale · sign` (signs), `scale · bit` (bits), `scale · code` (planes, the code
 * rebuilt from its two's-complement bit planes), or the float itself (float).
 */
import { fail } from '../common/errors.ts';
import type { ActSite, PackedBits } from '../format/model.ts';
import { emptyBits, getBit, leadingRows, setBit, sliceColumns, transposeBits } from './bits.ts';
import { lsqCode, signBit, unsignedBit } from './float.ts';

export type Operand =
  | { kind: 'signs'; bits: PackedBits; scale: number }
  | { kind: 'bits'; bits: PackedBits; scale: number }
  | { kind: 'planes'; planes: PackedBits[]; signed: boolean; scale: number }
  | { kind: 'float'; rows: number; cols: number; values: Float32Array };

export function operandRows(x: Operand): number {
  return x.kind === 'float' ? x.rows : x.kind === 'planes' ? x.planes[0].rows : x.bits.rows;
}

export function operandCols(x: Operand): number {
  return x.kind === 'float' ? x.cols : x.kind === 'planes' ? x.planes[0].cols : x.bits.cols;
}

/** Quantize a float matrix (rows × cols) at a site; the site's channel is the column. */
export function encodeSite(x: Float32Array, rows: number, cols: number, site: ActSite): Operand {
  switch (site.kind) {
    case 'float':
      return { kind: 'float', rows, cols, values: x };
    case 'binary-signed':
    case 'binary-unsigned': {
      const bits = emptyBits(rows, cols);
      const beta = site.beta.length === 1 ? new Float32Array(cols).fill(site.beta[0]) : site.beta;
      if (site.kind === 'binary-signed') packSignBits(x, rows, cols, beta, bits.data, bits.wordsPerRow);
      else packUnsignedBits(x, rows, cols, site.alpha, beta, bits.data, bits.wordsPerRow);
      return { kind: site.kind === 'binary-signed' ? 'signs' : 'bits', bits, scale: site.alpha };
    }
    case 'kbit': {
      const planes = Array.from({ length: site.bits }, () => emptyBits(rows, cols));
      const mask = (1 << site.bits) - 1;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const code = lsqCode(x[r * cols + c], site.step, site.bits, site.signed) & mask; // two's complement
          for (let b = 0; b < site.bits; b++) if ((code >>> b) & 1) setBit(planes[b], r, c);
        }
      }
      return { kind: 'planes', planes, signed: site.signed, scale: site.step };
    }
    default:
      return fail('runtime_site', `unknown activation site kind ${JSON.stringify((site as { kind: unknown }).kind)}`);
  }
}

/** Bits of Bs: bit (r, c) = signBit(x[r, c], β[c]), packed 32 columns per word. */
function packSignBits(x: Float32Array, rows: number, cols: number, beta: Float32Array, out: Uint32Array, wordsPerRow: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols, wo = r * wordsPerRow;
    for (let c0 = 0; c0 < cols; c0 += 32) {
      let word = 0;
      const end = Math.min(32, cols - c0);
      for (let b = 0; b < end; b++) word |= (signBit(x[o + c0 + b], beta[c0 + b]) ? 1 : 0) << b;
      out[wo + (c0 >>> 5)] = word;
    }
  }
}

/** Bits of Bu: bit (r, c) = unsignedBit(x[r, c], α, β[c]), packed 32 columns per word. */
function packUnsignedBits(x: Float32Array, rows: number, cols: number, alpha: number, beta: Float32Array, out: Uint32Array, wordsPerRow: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols, wo = r * wordsPerRow;
    for (let c0 = 0; c0 < cols; c0 += 32) {
      let word = 0;
      const end = Math.min(32, cols - c0);
      for (let b = 0; b < end; b++) word |= (unsignedBit(x[o + c0 + b], alpha, beta[c0 + b]) ? 1 : 0) << b;
      out[wo + (c0 >>> 5)] = word;
    }
  }
}

/** The integer code of element (r, c) (±1, 0/1, or the k-bit code); float operands have none. */
export function codeAt(x: Exclude<Operand, { kind: 'float' }>, r: number, c: number): number {
  if (x.kind === 'signs') return getBit(x.bits, r, c) ? 1 : -1;
  if (x.kind === 'bits') return getBit(x.bits, r, c);
  let code = 0;
  const k = x.planes.length;
  for (let b = 0; b < k; b++) if (getBit(x.planes[b], r, c)) code += x.signed && b === k - 1 ? -(2 ** b) : 2 ** b;
  return code;
}

/** Real values, rows × cols (for the products no kernel covers). */
export function operandValues(x: Operand): Float64Array {
  if (x.kind === 'float') return Float64Array.from(x.values);
  const rows = operandRows(x), cols = operandCols(x);
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = x.scale * codeAt(x, r, c);
  return out;
}

/** Rows [0, n) of an operand (the [CLS] row's queries), views on its data. */
export function firstRows(x: Operand, n: number): Operand {
  switch (x.kind) {
    case 'float':
      return { ...x, rows: n, values: x.values.subarray(0, n * x.cols) };
    case 'planes':
      return { ...x, planes: x.planes.map((p) => leadingRows(p, n)) };
    default:
      return { ...x, bits: leadingRows(x.bits, n) };
  }
}

/** Columns [start, start + cols) of an operand (one head). */
export function sliceOperand(x: Operand, start: number, cols: number): Operand {
  switch (x.kind) {
    case 'float': {
      const values = new Float32Array(x.rows * cols);
      for (let r = 0; r < x.rows; r++) values.set(x.values.subarray(r * x.cols + start, r * x.cols + start + cols), r * cols);
      return { kind: 'float', rows: x.rows, cols, values };
    }
    case 'planes':
      return { ...x, planes: x.planes.map((p) => sliceColumns(p, start, cols)) };
    default:
      return { ...x, bits: sliceColumns(x.bits, start, cols) };
  }
}

/** The transpose of an operand (V of a head: T × d becomes d × T). */
export function transposeOperand(x: Operand): Operand {
  switch (x.kind) {
    case 'float': {
      const values = new Float32Array(x.rows * x.cols);
      for (let r = 0; r < x.rows; r++) for (let c = 0; c < x.cols; c++) values[c * x.rows + r] = x.values[r * x.cols + c];
      return { kind: 'float', rows: x.cols, cols: x.rows, values };
    }
    case 'planes':
      return { ...x, planes: x.planes.map(transposeBits) };
    default:
      return { ...x, bits: transposeBits(x.bits) };
  }
}
