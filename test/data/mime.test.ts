import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/common/rng.ts';
import { decodeBase64, decodeEncodedWords, decodeQuotedPrintable, entityText, htmlToText, splitMultipart, squeezeWhitespace, unfoldHeader } from '../../src/data/mime.ts';
import { mimeView, normalizeText } from '../../src/data/normalize.ts';
import { Tokenizer, trainTokenizer } from '../../src/data/tokenizer.ts';

const randomBytes = (seed: string, n: number) => {
  const rng = createRng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(rng.next() * 256));
};
const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');

/** A reference quoted-printable encoder (RFC 2045 §6.7 rules 1, 2 and 5: = and non-printables escaped, 76-column soft breaks). */
function encodeQuotedPrintable(bytes: Uint8Array): string {
  let out = '', col = 0;
  for (const b of bytes) {
    const piece = (b >= 33 && b <= 126 && b !== 61) || b === 32 ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    if (col + piece.length > 75) { out += '=\n'; col = 0; }
    out += piece;
    col += piece.length;
  }
  return out;
}

test('quoted-printable: hand cases, and random bytes through a reference encoder come back exactly', () => {
  assert.equal(decodeQuotedPrintable('a=3Db=\nc=\r\nd'), 'a=bcd');
  assert.equal(decodeQuotedPrintable('=E9t=E9', 'iso-8859-1'), 'été');
  assert.equal(decodeQuotedPrintable('=C3=A9t=C3=A9', 'UTF-8'), 'été');
  assert.equal(decodeQuotedPrintable('50=% off =ZZ ='), '50=% off =ZZ =', 'malformed escapes are kept as they are');
  assert.equal(decodeQuotedPrintable('soft break with trailing space= \nok'), 'soft break with trailing spaceok');
  for (let k = 0; k < 20; k++) {
    const bytes = randomBytes(`qp${k}`, 50 + k * 37);
    assert.equal(decodeQuotedPrintable(encodeQuotedPrintable(bytes)), latin1(bytes));
  }
});

test('base64: agrees with Node on random bytes, line-wrapped or not; nothing decodable gives undefined', () => {
  for (let k = 0; k < 20; k++) {
    const bytes = randomBytes(`b64${k}`, k * 13 + (k % 3));
    const b64 = Buffer.from(bytes).toString('base64');
    const wrapped = b64.replace(/.{1,76}/g, '$&\r\n');
    assert.equal(decodeBase64(wrapped), bytes.length ? latin1(bytes) : undefined);
  }
  assert.equal(decodeBase64('w6l0w6k=', 'utf-8'), 'été');
  assert.equal(decodeBase64('***'), undefined);
});

test('encoded words (RFC 2047): B and Q forms, adjacent words joined, plain text untouched', () => {
  assert.equal(decodeEncodedWords('=?iso-8859-1?Q?Matrox_Parhelia=AE_now?= available'), 'Matrox Parhelia® now available');
  assert.equal(decodeEncodedWords('Re: =?utf-8?B?w6k=?= =?utf-8?B?w6k=?= x'), 'Re: éé x');
  assert.equal(decodeEncodedWords('=?utf-8?B?*?= plain = text ?='), '=?utf-8?B?*?= plain = text ?=');
});

test('HTML as text: comments, styles and scripts gone, links kept, block ends as line breaks, entities decoded', () => {
  const html = '<html><head><title>t</title><style>p{color:red}</style></head><body><!-- hidden --><p>Buy&nbsp;now &amp; save</p>'
    + '<a href="http://x.example/buy">click</a><br><img src="a.gif"><script>evil()</script>&#169;&#x41;&bogus;</body></html>';
  assert.equal(squeezeWhitespace(htmlToText(html)), 'Buy now & save\nhttp://x.example/buy click\n[image] ©A&bogus;');
});

/** The slow reference: the passes of htmlToText as the regular expressions they stand for (quadratic on hostile input). */
function htmlToTextRef(html: string): string {
  const ENT: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '©', reg: '®' };
  return html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<a\b[^>]*?\bhref\s*=\s*["']?([^"'\s>]+)[^>]*>/gi, ' $1 ')
    .replace(/<img\b[^>]*>/gi, ' [image] ')
    .replace(/<(br|\/p|\/div|\/tr|\/h\d|li|\/li|\/table)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
      if (e[0] !== '#') return ENT[e.toLowerCase()] ?? all;
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : all;
    });
}

test('HTML as text equals its regular-expression reference on random malformed markup, and stays linear on hostile input', () => {
  const pieces = ['<', '>', '<!--', '-->', '<a', '<A ', ' href=', 'HREF = "', 'x.example/', '"', "'", ' ', '\n', '<script>', '</script >', '</SCRIPT',
    '<style', '</style>', '<head>', '</head>', '</header>', '<img', '<br', '</p>', '<li>', '</h2>', '<b>', 'text', '&amp;', '&#65;', '&#x42;', '&nbsp;', '&bogus;', '&#', '/', '='];
  const rng = createRng('html');
  for (let k = 0; k < 400; k++) {
    const html = Array.from({ length: 1 + rng.int(60) }, () => pieces[rng.int(pieces.length)]).join('');
    assert.equal(htmlToText(html), htmlToTextRef(html), JSON.stringify(html));
  }
  // 10^5 unclosed openers: the reference would backtrack ~10^10 steps; the scan returns (a hang fails the run)
  for (const opener of ['<!--', '<script ', '<a href=', '<img', '<']) assert.equal(typeof htmlToText(opener.repeat(100_000)), 'string');
});

test('multipart: alternative takes the plain part, mixed keeps its parts in order, attachments become markers', () => {
  const alt = ['--b1', 'Content-Type: text/html', '', '<p>html version</p>', '--b1', 'Content-Type: text/plain; charset=us-ascii',
    'Content-Transfer-Encoding: quoted-printable', '', 'plain =3D version', '--b1--', 'epilogue'].join('\n');
  assert.equal(entityText(['Content-Type: multipart/alternative; boundary="b1"'], alt).trim(), 'plain = version');
  // No plain part: the first part, HTML reduced to text
  const htmlOnly = ['--b1', 'Content-Type: text/html', '', '<b>only html</b>', '--b1--'].join('\n');
  assert.equal(entityText(['Content-Type: multipart/alternative; boundary=b1'], htmlOnly), 'only html');
  const mixed = ['preamble', '--outer', `Content-Type: multipart/alternative; boundary="b1"`, '', alt, '--outer',
    'Content-Type: application/pdf; name=x.pdf', 'Content-Transfer-Encoding: base64', '', 'JVBERi0=', '--outer',
    'Content-Type: text/plain', 'Content-Transfer-Encoding: base64', '', Buffer.from('second text part').toString('base64'), '--outer--'].join('\n');
  assert.equal(entityText(unfoldHeader('Content-Type: multipart/mixed;\n boundary="outer"'), mixed), 'plain = version\n\n[application/pdf]\n\nsecond text part');
  // A boundary that never occurs: the body as it is
  assert.equal(entityText(['Content-Type: multipart/mixed; boundary=zz'], 'just text'), 'just text');
  assert.deepEqual(splitMultipart('--zz\n\nno headers\n--zz--', 'zz'), [{ fields: [''], body: 'no headers' }]);
});

const email = [
  'From bob@example.org  Thu Aug 22 12:36:23 2002',
  'Received: from relay (relay [10.0.0.1])',
  'From: =?iso-8859-1?Q?Bj=F6rn?= <bob@example.org>',
  'Subject: cheap',
  '  watches',
  'Content-Type: multipart/alternative;',
  '\tboundary="----=_NextPart_000"',
  '',
  'This is a multi-part message in MIME format.',
  '',
  '------=_NextPart_000',
  'Content-Type: text/plain; charset="iso-8859-1"',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Buy    now,=20',
  'only =A35!',
  '',
  '',
  '',
  'Bye',
  '------=_NextPart_000',
  'Content-Type: text/html',
  '',
  '<p>Buy now</p>',
  '------=_NextPart_000--',
].join('\n');

test('mime view: key fields decoded, Content-Type as its media type, the body as squeezed readable text', () => {
  assert.equal(mimeView(email), 'From bob@example.org\nFrom: Björn <bob@example.org>\nSubject: cheap watches\nContent-Type: multipart/alternative\n\nBuy now,\nonly £5!\n\nBye');
  for (const t of ['', 'hello world', ' From: indented']) assert.equal(normalizeText(t, 'mime'), t);
  // A tokenizer keeps the normalizer through JSON and applies it when encoding for the model
  const tok = trainTokenizer(Array.from({ length: 30 }, (_, i) => email.replace('cheap', `cheap${i % 5}`)), { vocabSize: 350, normalizer: 'mime' });
  const back = Tokenizer.fromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
  assert.equal(back.normalizer, 'mime');
  assert.deepEqual(back.encodeForModel(email, 48).ids, new Tokenizer(tok.merges).encodeForModel(mimeView(email), 48).ids);
});
