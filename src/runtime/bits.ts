/**
 * Packed-bit matrices in the layout of src/format/model.ts `PackedBits`: row r, column c is bit (c & 31)
 * of word r·wordsPerRow + (c >>> 5); rows padded to a multiple of 128 bits with zeros.
 */
import { wordsPerRowFor, type PackedBits } from '../format/model.ts';

export function emptyBits(rows: number, cols: number): PackedBits {
  const wordsPerRow = wordsPerRowFor(cols);
  return { rows, cols, wordsPerRow, data: new Uint32Array(rows * wordsPerRow) };
}

export function getBit(p: PackedBits, r: number, c: number): number {
  return (p.data[r * p.wordsPerRow + (c >>> 5)] >>> (c & 31)) & 1;
}

export function setBit(p: PackedBits, r: number, c: number): void {
  p.data[r * p.wordsPerRow + (c >>> 5)] |= 1 << (c & 31);
}

/** Rows [0, n) of `p`, a view on its data (no copy). */
export function leadingRows(p: PackedBits, n: number): PackedBits {
  return { ...p, rows: n, data: p.data.subarray(0, n * p.wordsPerRow) };
}

/** Columns [start, start + cols) of `p` as a new packed matrix (a head's slice of Q, K, V or a plane). */
export function sliceColumns(p: PackedBits, start: number, cols: number): PackedBits {
  const out = emptyBits(p.rows, cols);
  const shift = start & 31;
  const w0 = start >>> 5;
  const words = (cols + 31) >>> 5;
  for (let r = 0; r < p.rows; r++) {
    const src = r * p.wordsPerRow + w0;
    const dst = r * out.wordsPerRow;
    for (let i = 0; i < words; i++) {
      const lo = p.data[src + i] >>> shift;
      const hi = shift && w0 + i + 1 < p.wordsPerRow ? p.data[src + i + 1] << (32 - shift) : 0;
      out.data[dst + i] = (lo | hi) >>> 0;
    }
    const rem = cols & 31; // clear bits beyond `cols` (padding must stay 0)
    if (rem) out.data[dst + words - 1] &= (1 << rem) - 1;
  }
  return out;
}

/** The transpose of a packed matrix (V of one head becomes d rows over the T keys). */
export function transposeBits(p: PackedBits): PackedBits {
  const out = emptyBits(p.cols, p.rows);
  for (let r = 0; r < p.rows; r++) {
    for (let i = 0; i < p.wordsPerRow; i++) {
      let w = p.data[r * p.wordsPerRow + i];
      while (w !== 0) { // visit set bits only
        const c = i * 32 + (31 - Math.clz32(w & -w));
        setBit(out, c, r);
        w &= w - 1;
      }
    }
  }
  return out;
}
