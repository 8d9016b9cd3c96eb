/**
 * Just enough MIME to read an email's text: transfer decodings (RFC 2045 §6.7 quoted-printable, §6.8 base64),
 * encoded words in header fields (RFC 2047), multipart bodies (RFC 2046 §5.1) and HTML reduced to its text.
 * Pure string functions with no Node or DOM dependency, so a deployed tokenizer reads mail the same way in the
 * browser. Bytes that are not UTF-8 by their declared charset are read as Latin-1, one character per byte.
 */

/** A header block unfolded (RFC 5322 §2.2.3) into field lines. */
export function unfoldHeader(head: string): string[] {
  return head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
}

/** The value of field `name` (case-insensitive) among unfolded field lines, or undefined. */
export function headerField(lines: readonly string[], name: string): string | undefined {
  const prefix = `${name.toLowerCase()}:`;
  const line = lines.find((l) => l.toLowerCase().startsWith(prefix));
  return line === undefined ? undefined : line.slice(prefix.length).trim();
}

/** A Content-Type value as its lower-case media type and parameters (RFC 2045 §5.1). */
export function parseContentType(value: string | undefined): { type: string; params: Record<string, string> } {
  const [type, ...rest] = (value ?? 'text/plain').split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return { type: type.trim().toLowerCase() || 'text/plain', params };
}

/** Bytes as text: UTF-8 when the charset says so, else one Latin-1 character per byte. */
function bytesToText(bytes: Uint8Array, charset: string): string {
  if (/^utf-?8$/i.test(charset)) return new TextDecoder('utf-8').decode(bytes);
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

/** RFC 2045 §6.7: soft line breaks (`=` at a line end) removed, `=XX` replaced by byte XX; malformed `=` kept. */
export function decodeQuotedPrintable(s: string, charset = ''): string {
  const joined = s.replace(/=[ \t]*\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined[i] === '=' ? /^[0-9A-Fa-f]{2}$/.exec(joined.slice(i + 1, i + 3)) : null;
    if (hex) { bytes.push(parseInt(hex[0], 16)); i += 2; }
    else { const c = joined.charCodeAt(i); bytes.push(c < 256 ? c : 63); }
  }
  return bytesToText(Uint8Array.from(bytes), charset);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** RFC 2045 §6.8: characters outside the alphabet ignored, decoding stops at `=`; undefined if nothing decodes. */
export function decodeBase64(s: string, charset = ''): string | undefined {
  const bytes: number[] = [];
  let acc = 0, n = 0;
  for (const ch of s) {
    if (ch === '=') break;
    const v = B64.indexOf(ch);
    if (v < 0) continue;
    acc = (acc << 6) | v;
    if (++n === 4) { bytes.push((acc >> 16) & 255, (acc >> 8) & 255, acc & 255); acc = 0; n = 0; }
  }
  if (n === 2) bytes.push((acc >> 4) & 255);
  if (n === 3) bytes.push((acc >> 10) & 255, (acc >> 2) & 255);
  return bytes.length ? bytesToText(Uint8Array.from(bytes), charset) : undefined;
}

/** RFC 2047: `=?charset?B|Q?text?=` words decoded; whitespace between two adjacent encoded words dropped (§6.2). */
export function decodeEncodedWords(value: string): string {
  const word = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
  return value.replace(/(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?)/g, '$1').replace(word, (all, charset: string, enc: string, text: string) => {
    if (enc.toUpperCase() === 'B') return decodeBase64(text, charset) ?? all;
    return decodeQuotedPrintable(text.replace(/_/g, ' '), charset);
  });
}

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '©', reg: '®' };

/** One match of a pass at a candidate start: its end and replacement; null: no match here; 'stop': none from here on. */
type PassMatch = { end: number; text: string } | null | 'stop';

/**
 * `s` with the matches of one pass replaced, left to right, each scan resuming after the last match (the semantics
 * of `String.replace` with a global regular expression). `starts` finds candidate starts; `at` decides each.
 */
function replaceScan(s: string, starts: RegExp, at: (p: number, m: RegExpExecArray) => PassMatch): string {
  let out = '', pos = 0;
  starts.lastIndex = 0;
  for (let m = starts.exec(s); m; m = starts.exec(s)) {
    const r = at(m.index, m);
    if (r === 'stop') break;
    if (r === null) { starts.lastIndex = m.index + 1; continue; }
    out += s.slice(pos, m.index) + r.text;
    pos = starts.lastIndex = r.end;
  }
  return out + s.slice(pos);
}

/** The first index ≥ `from` where `re` (global) matches in `s`, remembered: calls must not go backwards. */
function forwardFinder(s: string, re: RegExp): (from: number) => RegExpExecArray | null {
  let last: RegExpExecArray | null | undefined;
  return (from) => {
    if (last === null || (last && last.index >= from)) return last;
    re.lastIndex = from;
    return (last = re.exec(s));
  };
}

/** Tag-shaped passes share this: the match runs to the first `>` at or after the candidate, if there is one. */
const toNextGt = (s: string, text: string) => {
  const gt = forwardFinder(s, />/g);
  return (p: number): PassMatch => { const g = gt(p); return g ? { end: g.index + 1, text } : 'stop'; };
};

/**
 * HTML as its readable text: comments, scripts, styles and the head dropped, link targets kept, images as
 * `[image]`, line-ending tags as line breaks, other tags removed, entities decoded. Each pass is the replacement of
 * one regular expression (the test file keeps them as the reference, bit-exact), run as a forward scan that never
 * searches the same text twice, so hostile markup (thousands of unclosed `<!--`, `<script` or `<a`) costs linear
 * time instead of the backtracking engine's quadratic.
 */
export function htmlToText(html: string): string {
  // <!--[\s\S]*?-->
  let s = replaceScan(html, /<!--/g, (p) => { const e = html.indexOf('-->', p + 4); return e < 0 ? 'stop' : { end: e + 3, text: ' ' }; });
  // <(script|style|head)\b[\s\S]*?<\/\1\s*>
  const t = s, closers = new Map<string, ReturnType<typeof forwardFinder>>();
  s = replaceScan(t, /<(script|style|head)\b/gi, (p, m) => {
    const name = m[1].toLowerCase();
    if (!closers.has(name)) closers.set(name, forwardFinder(t, new RegExp(`<\\/${name}\\s*>`, 'gi')));
    const c = closers.get(name)!(p + m[0].length);
    return c ? { end: c.index + c[0].length, text: ' ' } : null;
  });
  // <a\b[^>]*?\bhref\s*=\s*["']?([^"'\s>]+)[^>]*>
  const u = s, gt = forwardFinder(u, />/g), href = forwardFinder(u, /\bhref\s*=\s*["']?([^"'\s>]+)/gi);
  s = replaceScan(u, /<a\b/gi, (p) => {
    const g = gt(p);
    if (!g) return 'stop';
    const h = href(p + 2);
    return h && h.index < g.index ? { end: g.index + 1, text: ` ${h[1]} ` } : null;
  });
  // <img\b[^>]*>, line-ending tags, then every other tag <[^>]*>
  s = replaceScan(s, /<img\b/gi, toNextGt(s, ' [image] '));
  s = replaceScan(s, /<(br|\/p|\/div|\/tr|\/h\d|li|\/li|\/table)\b/gi, toNextGt(s, '\n'));
  s = replaceScan(s, /</g, toNextGt(s, ''));
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
    if (e[0] !== '#') return ENTITIES[e.toLowerCase()] ?? all;
    const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : all;
  });
}

/** Runs of spaces and tabs as one space, lines trimmed, at most one blank line in a row. */
export function squeezeWhitespace(s: string): string {
  return s.replace(/[ \t\u00a0]+/g, ' ').replace(/ ?\r?\n ?/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

/** Deepest multipart nesting followed; deeper parts are kept as their raw text. */
const MAX_DEPTH = 4;

/**
 * The readable text of a MIME entity with header field lines `fields` and body `body`: transfer encoding undone,
 * HTML reduced to text, multipart/alternative as its plain-text part (else its first part), other multiparts as
 * their parts in order, non-text parts as a `[type]` marker.
 */
export function entityText(fields: readonly string[], body: string, depth = 0): string {
  const ct = parseContentType(headerField(fields, 'content-type'));
  const cte = (headerField(fields, 'content-transfer-encoding') ?? '').toLowerCase();
  const boundary = ct.params.boundary;
  if (ct.type.startsWith('multipart/') && boundary && depth < MAX_DEPTH) {
    const parts = splitMultipart(body, boundary);
    if (parts.length) {
      const texts = parts.map((p) => ({ type: parseContentType(headerField(p.fields, 'content-type')).type, text: entityText(p.fields, p.body, depth + 1) }));
      if (ct.type === 'multipart/alternative') return (texts.find((t) => t.type === 'text/plain' && t.text.trim()) ?? texts[0]).text;
      return texts.map((t) => t.text).filter((t) => t.trim()).join('\n\n');
    }
  }
  if (ct.type.startsWith('multipart/') || ct.type === 'message/rfc822') return body;
  if (!ct.type.startsWith('text/')) return `[${ct.type}]`;
  const charset = ct.params.charset ?? '';
  const decoded = cte === 'quoted-printable' ? decodeQuotedPrintable(body, charset) : cte === 'base64' ? decodeBase64(body, charset) ?? body : body;
  return ct.type === 'text/html' ? htmlToText(decoded) : decoded;
}

/** The parts between `--boundary` delimiter lines (RFC 2046 §5.1.1), each split into header fields and body. */
export function splitMultipart(body: string, boundary: string): { fields: string[]; body: string }[] {
  const lines = body.split(/\r?\n/);
  const delim = `--${boundary}`;
  const parts: string[][] = [];
  let current: string[] | null = null;
  for (const line of lines) {
    const l = line.trimEnd();
    if (l === delim || l === `${delim}--`) {
      if (current) parts.push(current);
      current = l === delim ? [] : null;
      if (!current) break;
    } else if (current) current.push(line);
  }
  if (current) parts.push(current);
  return parts.map((p) => {
    const blank = p.findIndex((l) => l.trim() === '');
    const head = blank < 0 ? p : p.slice(0, blank);
    return { fields: unfoldHeader(head.join('\n')), body: blank < 0 ? '' : p.slice(blank + 1).join('\n') };
  });
}
