import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mailView, normalizeText } from '../../src/data/normalize.ts';
import { Tokenizer, trainTokenizer } from '../../src/data/tokenizer.ts';

const email = [
  'From alice@example.org  Thu Aug 22 12:36:23 2002',
  'Return-Path: <alice@example.org>',
  'Received: from relay (relay [10.0.0.1])',
  '\tby mx.example.org with ESMTP id 42',
  'From: Alice <alice@example.org>',
  'Subject: cheap',
  '  watches',
  'Content-Type: text/plain',
  '',
  'Buy now.',
  '',
  'Subject: not a header any more',
].join('\n');

test('mail view keeps the key header fields, unfolded, and the whole body', () => {
  assert.equal(mailView(email), 'From alice@example.org\nFrom: Alice <alice@example.org>\nSubject: cheap watches\nContent-Type: text/plain\n\nBuy now.\n\nSubject: not a header any more');
  // Fixed field order, whatever the message's; folded continuation lines belong to their field
  assert.equal(mailView('X-Mailer: m\nReceived: r\nTo: t\nSubject: s\n\tmore\nFrom: f\n\nbody'), 'From: f\nSubject: s more\nTo: t\nX-Mailer: m\n\nbody');
  assert.equal(mailView(email.replace(/\n/g, '\r\n')), mailView(email).replace('Buy now.\n\nSubject', 'Buy now.\r\n\r\nSubject'));
  // Not a message: unchanged
  for (const t of ['', 'hello world', 'Note that: x', ' From: indented']) assert.equal(normalizeText(t, 'mail'), t);
  // A first line that looks like a header field makes the text a header block without a body
  assert.equal(mailView('Note: x\nSubject: y'), 'Subject: y\n\n');
  assert.equal(normalizeText(email, 'none'), email);
});

test('a tokenizer applies its normalizer when encoding for the model, and keeps it through JSON', () => {
  const texts = Array.from({ length: 40 }, (_, i) => email.replace('cheap', `cheap${i % 7}`));
  const tok = trainTokenizer(texts, { vocabSize: 400, normalizer: 'mail' });
  const json = tok.toJSON();
  assert.equal(json.version, 2);
  assert.equal(json.normalizer, 'mail');
  const back = Tokenizer.fromJSON(JSON.parse(JSON.stringify(json)));
  assert.equal(back.normalizer, 'mail');
  const m = back.encodeForModel(email, 64);
  const plain = new Tokenizer(tok.merges).encodeForModel(mailView(email), 64);
  assert.deepEqual(m.ids, plain.ids);
  assert.notDeepEqual(m.ids, new Tokenizer(tok.merges).encodeForModel(email, 64).ids);
  // Without a normalizer the file stays version 1
  assert.equal(new Tokenizer(tok.merges).toJSON().version, 1);
  assert.equal('normalizer' in new Tokenizer(tok.merges).toJSON(), false);
});
