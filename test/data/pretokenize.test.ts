import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pretokenize, pretokenizeReference } from '../../src/data/pretokenize.ts';

// Characters that stress each branch of the rule: contractions, spaces of many kinds, digits of
// other scripts, letters with combining marks, emoji (surrogate pairs), lone surrogates, controls.
const TRICKY = [
  "'", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", ' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u2003', '\u3000', '\ufeff',
  'a', 'Z', 'é', 'e\u0301', 'ß', 'Ж', '中', '٣', '½', '7', '42', '!', '...', '$', '—', '\u0000', '\u001f',
  '😀', '👩‍👩‍👧', '🇫🇷', '\ud800', '\udfff', '\u{1d400}', '\u{10ffff}',
];
const trickyString = fc.array(fc.constantFrom(...TRICKY), { maxLength: 40 }).map((xs) => xs.join(''));

test('the scanner cuts exactly as the GPT-2 regular expression on random text', () => {
  fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 60 }), trickyString), (s) => {
    assert.deepEqual(pretokenize(s), pretokenizeReference(s));
  }), { numRuns: 3000 });
});

test('the pieces concatenate back to the input, and none is empty', () => {
  fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary' }), trickyString), (s) => {
    const pieces = pretokenize(s);
    assert.equal(pieces.join(''), s);
    assert.ok(pieces.every((p) => p.length > 0));
  }), { numRuns: 1000 });
});

test('worked example: spaces attach to the next word; the last space of a run is kept for it', () => {
  assert.deepEqual(pretokenize("I'll pay $100 now!!\n\n  Really?"), ['I', "'ll", ' pay', ' $', '100', ' now', '!!', '\n\n ', ' Really', '?']);
});
