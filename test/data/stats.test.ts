import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { codePointLength, percentileNearestRank, splitStats } from '../../src/data/stats.ts';
import { firstInvalidUtf8 } from '../../src/data/text-file.ts';

test('nearest-rank percentile: the smallest value with at least p% of values at or below it', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 100 }), (xs, p) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const definition = sorted.find((v) => sorted.filter((w) => w <= v).length >= (p / 100) * sorted.length);
    assert.equal(percentileNearestRank(sorted, p), definition);
  }), { numRuns: 500 });
  assert.equal(percentileNearestRank([1, 2, 3, 4], 50), 2);
});

test('codePointLength counts a surrogate pair once and a lone surrogate once', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => assert.equal(codePointLength(s), Array.from(s).length)), { numRuns: 1000 });
});

test('splitStats counts per label and length', () => {
  const s = splitStats({ name: 't', labels: ['a', 'b', 'c'], examples: [{ text: 'xx', label: 'a' }, { text: '😀', label: 'b' }, { text: 'xyzw', label: 'a' }] });
  assert.deepEqual(s.perLabel, { a: 2, b: 1, c: 0 });
  assert.deepEqual([s.count, s.length.min, s.length.max, s.length.p50], [3, 1, 4, 2]);
});

test('firstInvalidUtf8 agrees with the strict TextDecoder on random bytes', () => {
  const strict = new TextDecoder('utf-8', { fatal: true });
  const bytes = fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x80, 0xbf, 0xc0, 0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0x9f, 0xa0, 0x8f, 0x90)), { maxLength: 12 }).map((xs) => Uint8Array.from(xs));
  fc.assert(fc.property(fc.oneof(bytes, fc.string({ unit: 'grapheme' }).map((s) => new TextEncoder().encode(s))), (b) => {
    let valid = true;
    try { strict.decode(b); } catch { valid = false; }
    const at = firstInvalidUtf8(b);
    assert.equal(at === -1, valid);
    if (!valid) { try { strict.decode(b.subarray(0, at)); } catch { assert.fail(`prefix before ${at} should be valid`); } }
  }), { numRuns: 5000 });
});
