import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyMerges, applyMergesReference, mergeRanks, trainBpe, trainBpeReference } from '../../src/data/bpe.ts';
import { createRng } from '../../src/common/rng.ts';

/** Random word counts over a small alphabet, so that pairs repeat and counts tie often. */
const wordCounts = fc.array(fc.tuple(fc.stringMatching(/^[abcé😀 ]{1,12}$/), fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 30 })
  .map((xs) => { const m = new Map<string, number>(); for (const [w, c] of xs) m.set(w, (m.get(w) ?? 0) + c); return m; });

test('incremental training learns the same merges as recounting every step', () => {
  fc.assert(fc.property(wordCounts, fc.integer({ min: 1, max: 40 }), (counts, k) => {
    assert.deepEqual(trainBpe(counts, k), trainBpeReference(counts, k));
  }), { numRuns: 300 });
});

test('training does not depend on the order of the word map', () => {
  fc.assert(fc.property(wordCounts, (counts) => {
    const reversed = new Map([...counts.entries()].reverse());
    assert.deepEqual(trainBpe(reversed, 30), trainBpe(counts, 30));
  }), { numRuns: 100 });
});

test('a shorter run learns a prefix of a longer one (so a smaller vocabulary is a prefix of the merges)', () => {
  fc.assert(fc.property(wordCounts, fc.integer({ min: 0, max: 20 }), (counts, k) => {
    assert.deepEqual(trainBpe(counts, k), trainBpe(counts, 40).slice(0, k));
  }), { numRuns: 100 });
});

test('ties go to the smallest (left, right) pair of ids', () => {
  // "ab" and "cd" both occur 3 times; (a, b) = (97, 98) is smaller than (99, 100), so it is merged first.
  const merges = trainBpe(new Map([['cd', 3], ['ab', 3]]), 2);
  assert.deepEqual(merges, [[97, 98], [99, 100]]);
  // A more frequent pair wins over a smaller one.
  assert.deepEqual(trainBpe(new Map([['ab', 1], ['cd', 2]]), 1), [[99, 100]]);
});

test('overlapping runs: "aaaa" merges (a, a) twice, then (aa, aa)', () => {
  assert.deepEqual(trainBpe(new Map([['aaaa', 1]]), 5), [[97, 97], [256, 256]]);
});

test('the heap-based merge equals the reference on random long and short words', () => {
  // Merges learned from random text over a small alphabet, applied to random byte strings.
  const rng = createRng('bpe-apply');
  const alphabet = [97, 98, 99, 32, 0xc3, 0xa9];
  const randomBytes = (n: number): number[] => Array.from({ length: n }, () => alphabet[rng.int(alphabet.length)]);
  const decoder = new TextDecoder();
  const corpus = new Map<string, number>();
  for (let i = 0; i < 300; i++) { const w = decoder.decode(Uint8Array.from(randomBytes(1 + rng.int(20)))); corpus.set(w, (corpus.get(w) ?? 0) + 1 + rng.int(3)); }
  const ranks = mergeRanks(trainBpe(corpus, 200));
  assert.ok(ranks.size > 50, `only ${ranks.size} merges learned`);
  for (let t = 0; t < 400; t++) {
    const bytes = randomBytes(rng.int(300));
    assert.deepEqual(applyMerges(bytes, ranks), applyMergesReference(bytes, ranks));
  }
  const run = new Array(5000).fill(97);
  assert.deepEqual(applyMerges(run, ranks), applyMergesReference(run, ranks));
});
