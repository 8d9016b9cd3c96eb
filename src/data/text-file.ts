/**
 * Reading user text files: the bytes must be UTF-8 (strict, as TextDecoder with fatal: true), so a
 * Latin-1 or UTF-16 file is an error naming the file, the line and the byte offset, not mojibake.
 */
import { readFileSync } from 'node:fs';
import { fail } from '../common/errors.ts';

/**
 * Offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF),
 * or -1 when all of `bytes` is valid. Used only to locate the error TextDecoder found.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) { i++; continue; }
    let need: number, lo = 0x80, hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) { need = 2; if (b === 0xe0) lo = 0xa0; if (b === 0xed) hi = 0x9f; }
    else if (b >= 0xf0 && b <= 0xf4) { need = 3; if (b === 0xf0) lo = 0x90; if (b === 0xf4) hi = 0x8f; }
    else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (i + k >= n || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Decodes strict UTF-8 (a leading BOM is dropped); otherwise fails with file, line and byte offset. */
export function decodeUtf8Strict(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 10) line++;
    fail('file_not_utf8', `not valid UTF-8 (byte 0x${bytes[offset]?.toString(16).padStart(2, '0')} at offset ${offset})`, { file, line });
  }
}

/** A read error in words: "no such file", "is a directory", … (the errno code otherwise). */
function readErrorText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = { ENOENT: 'no such file', EISDIR: 'is a directory', EACCES: 'permission denied' };
  return (code && words[code]) ?? code ?? (e as Error).message;
}

/** Reads a whole file as strict UTF-8; a missing or unreadable file is a one-line error. */
export function readTextFile(file: string): string {
  let bytes: Uint8Array;
  try { bytes = readFileSync(file); }
  catch (e) { fail('file_unreadable', `cannot read file (${readErrorText(e)})`, { file }); }
  return decodeUtf8Strict(bytes, file);
}
