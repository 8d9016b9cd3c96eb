import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset, labelIds, type Dataset } from '../../src/data/dataset.ts';
import { splitAssignment, splitDataset } from '../../src/data/split.ts';
import { passages, splitSentences } from '../../src/data/sotu.ts';
import { stripMailHeaders } from '../../src/data/spamassassin.ts';
import { hashString } from '../../src/common/rng.ts';

const spam = loadDataset('spamassassin');

test('spamassassin: 6,046 emails, 1,896 spam (groups spam-1, spam-2) and 4,150 ham', () => {
  assert.equal(spam.examples.length, 6046);
  assert.deepEqual(spam.labels, ['ham', 'spam']);
  assert.equal(spam.examples.filter((e) => e.label === 'spam').length, 1896);
  assert.match(spam.examples[0].text, /^From /);
});

test('stripHeaders keeps the body after the first empty line', () => {
  assert.equal(stripMailHeaders('From: a\r\nSubject: b\r\n\r\nHello\n\nworld'), 'Hello\n\nworld');
  assert.equal(stripMailHeaders('Subject: only headers\n'), '');
  const stripped = loadDataset('spamassassin', { stripHeaders: true });
  assert.equal(stripped.examples.length, 6046);
  assert.ok(stripped.examples.every((e, i) => e.text.length < spam.examples[i].text.length && spam.examples[i].text.endsWith(e.text)));
  const first = spam.examples[0].text;
  assert.equal(stripped.examples[0].text, first.slice(first.indexOf('\n\n') + 2));
});

test('sotu: passages of whole sentences, democratic vs republican since 1934', () => {
  const ds = loadDataset('sotu');
  assert.deepEqual(ds.labels, ['democratic', 'republican']);
  assert.ok(ds.examples.length > 5000, `${ds.examples.length} passages`);
  assert.ok(ds.examples.every((e) => /[.!?'"”’)\]]$/.test(e.text) || e.text.split(/\s+/).length >= 64));
  assert.deepEqual(splitSentences('One. Two? "Three!" Four'), ['One.', 'Two?', '"Three!"', 'Four']);
  assert.deepEqual(passages('a b. c d. e.', 2), ['a b.', 'c d. e.']);
});

test('names: female/male, no name in both classes', () => {
  const ds = loadDataset('names');
  assert.deepEqual(ds.labels, ['female', 'male']);
  const female = new Set(ds.examples.filter((e) => e.label === 'female').map((e) => e.text));
  assert.ok(ds.examples.filter((e) => e.label === 'male').every((e) => !female.has(e.text)));
  assert.ok(female.size > 4000);
});

const countBy = (ds: Dataset): Record<string, number> => {
  const c: Record<string, number> = {};
  for (const e of ds.examples) c[e.label] = (c[e.label] ?? 0) + 1;
  return c;
};

test('split is stratified: each label is cut 80/10/10 (rounded) and nothing is lost or duplicated', () => {
  const s = splitDataset(spam, { seed: 7 });
  assert.deepEqual(countBy(s.test), { ham: 415, spam: 190 });
  assert.deepEqual(countBy(s.validation), { ham: 415, spam: 190 });
  assert.deepEqual(countBy(s.train), { ham: 3320, spam: 1516 });
  assert.deepEqual(s.train.labels, spam.labels);
  const texts = [...s.train.examples, ...s.validation.examples, ...s.test.examples];
  assert.equal(new Set(texts).size, 6046);
});

test('split is deterministic from the seed and pinned; another seed gives another split', () => {
  const a = splitAssignment(spam, { seed: 0 }), b = splitAssignment(spam, { seed: 0 }), c = splitAssignment(spam, { seed: 1 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  // A change of the split rule or of the generator changes this; it must be deliberate.
  assert.equal(hashString(Array.from(a).join('')).toString(16), '5a8ee3e2');
});

test('limit keeps a seeded subset in the original order', () => {
  const a = loadDataset('spamassassin', { limit: 300 }), b = loadDataset('spamassassin', { limit: 300 });
  assert.equal(a.examples.length, 300);
  assert.deepEqual(a.examples, b.examples);
  assert.deepEqual(a.labels, ['ham', 'spam']);
  const pos = a.examples.map((e) => spam.examples.indexOf(e));
  assert.deepEqual(pos, [...pos].sort((x, y) => x - y));
});

test('labelIds are indices into the sorted label vocabulary', () => {
  const ids = labelIds(spam);
  assert.equal(ids[0], 0);
  assert.equal(ids.reduce((a, b) => a + b, 0), 1896);
});

test('bad options and unknown names are one-line errors', () => {
  assert.throws(() => loadDataset('nope'), /nope: unknown dataset/);
  assert.throws(() => splitDataset(spam, { validation: 0.5, test: 0.5 }), /validation \+ test must be below 1/);
  assert.throws(() => loadDataset('names', { limit: 0 }), /invalid dataset option/);
});
