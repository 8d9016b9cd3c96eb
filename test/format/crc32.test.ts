import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/common/rng.ts';
import { crc32 } from '../../src/format/crc32.ts';

/** CRC-32 bit by bit, no table: the slow obvious reference (reflected polynomial 0xEDB88320). */
function crc32Bitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

test('crc32 matches the standard check values', () => {
  const ascii = (s: string) => new TextEncoder().encode(s);
  assert.equal(crc32(ascii('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  assert.equal(crc32(ascii('The quick brown fox jumps over the lazy dog')), 0x414fa339);
});

test('crc32 equals the bitwise reference on random inputs and sub-ranges', () => {
  const rng = createRng('crc32');
  for (let t = 0; t < 50; t++) {
    const bytes = Uint8Array.from({ length: rng.int(300) }, () => rng.int(256));
    assert.equal(crc32(bytes), crc32Bitwise(bytes));
    const a = rng.int(bytes.length + 1), b = a + rng.int(bytes.length - a + 1);
    assert.equal(crc32(bytes, a, b), crc32Bitwise(bytes.subarray(a, b)));
  }
});
