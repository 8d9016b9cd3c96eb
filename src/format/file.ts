/** .bmt and .onnx files on disk (Node only; the browser passes fetched bytes to decodeBmt). */
import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../common/atomic.ts';
import { fail } from '../common/errors.ts';
import { decodeBmt, encodeBmt } from './bmt.ts';
import type { DeployModel, FloatModel } from './model.ts';
import { exportOnnx } from './onnx.ts';

/** Encodes `model` and writes it atomically: the target holds the old file or the whole new one. */
export function writeBmtFile(path: string, model: DeployModel): number {
  const bytes = encodeBmt(model);
  writeFileAtomic(path, bytes);
  return bytes.length;
}

/** Exports the FP32 model to ONNX and writes it atomically; returns the byte count. */
export function writeOnnxFile(path: string, model: FloatModel): number {
  const bytes = exportOnnx(model);
  writeFileAtomic(path, bytes);
  return bytes.length;
}

/**
 * Reads and decodes a .bmt file; a missing or unreadable file is a BitedgeError (`bmt_io`). The model's
 * tensors are views into the file's buffer (one copy of the weights in memory, not two).
 */
export function readBmtFile(path: string): DeployModel {
  return decodeBmt(readBmtBytes(path), path, { share: true });
}

/** The bytes of a .bmt file, refusing directories and files over the format's 4 GiB limit before reading. */
export function readBmtBytes(path: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) fail('bmt_io', 'not a regular file', { file: path });
    size = st.size;
  } catch (e) {
    if (e instanceof Error && e.name === 'BitedgeError') throw e;
    return fail('bmt_io', `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: path });
  }
  if (size > 0xffffffff) fail('bmt_too_large', `file is ${size} bytes; a .bmt file holds at most 4 GiB`, { file: path });
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength); // the Buffer's own memory, no copy
  } catch (e) {
    return fail('bmt_io', `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: path });
  }
}
