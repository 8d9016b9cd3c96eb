/**
 * Pre-tokenization: cut text into the pieces BPE never merges across. The rule is GPT-2's
 * (Radford et al. 2019, the `pat` of its encoder), fixed here as PRETOKEN_PATTERN:
 *   contractions 's 't 're 've 'm 'll 'd | optional space + letters | optional space + digits
 *   | optional space + other non-space symbols | a whitespace run not followed by a non-space
 *   | any other whitespace run.
 * Every code point falls into exactly one piece, so the pieces concatenate back to the input.
 *
 * `pretokenize` is a hand-written scanner (the fast path); `pretokenizeReference` runs the regular
 * expression itself (the slow, obvious definition). Tests check they agree on random text.
 */

export const PRETOKEN_PATTERN =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** The definition: all matches of PRETOKEN_PATTERN, in order. */
export function pretokenizeReference(text: string): string[] {
  return text.match(PRETOKEN_PATTERN) ?? [];
}

// Character classes as the pattern sees them (`\s`, `\p{L}`, `\p{N}`, anything else).
const OTHER = 1, LETTER = 2, NUMBER = 3, SPACE = 4;
const IS_LETTER = /^\p{L}$/u, IS_NUMBER = /^\p{N}$/u, IS_SPACE = /^\s$/u;

/** Class of every BMP code unit, filled lazily from the regular expressions (0 = not yet known). */
const bmpClass = new Uint8Array(65536);

function classifySlow(cp: number): number {
  const ch = String.fromCodePoint(cp);
  if (IS_LETTER.test(ch)) return LETTER;
  if (IS_NUMBER.test(ch)) return NUMBER;
  if (IS_SPACE.test(ch)) return SPACE;
  return OTHER;
}

function classOf(cp: number): number {
  if (cp < 65536) {
    let c = bmpClass[cp];
    if (c === 0) c = bmpClass[cp] = classifySlow(cp);
    return c;
  }
  return classifySlow(cp);
}

/** Code point at `i` (a lone surrogate is its own code point, as with the `u` flag). */
function codePointLength(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

function classAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdfff) return classOf(c);
  return codePointLength(text, i) === 2 ? classOf(text.codePointAt(i)!) : OTHER;
}

/** End of the run of class `cls` starting at `i`. */
function runEnd(text: string, i: number, cls: number): number {
  const n = text.length;
  while (i < n && classAt(text, i) === cls) i += codePointLength(text, i);
  return i;
}

/** Length of a contraction ('s 't 'm 'd 're 've 'll) starting at `i`, or 0. */
function contractionLength(text: string, i: number): number {
  const a = text.charCodeAt(i + 1);
  if (a === 115 || a === 116 || a === 109 || a === 100) return 2; // s t m d
  const b = text.charCodeAt(i + 2);
  if ((a === 114 && b === 101) || (a === 118 && b === 101) || (a === 108 && b === 108)) return 3; // re ve ll
  return 0;
}

/**
 * Calls `emit(start, end)` for each piece of `text`, in order; the same pieces as
 * pretokenizeReference, without building substrings the caller may not need.
 */
export function forEachPretoken(text: string, emit: (start: number, end: number) => void): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 39) {
      const k = contractionLength(text, i);
      if (k > 0) { emit(i, i + k); i += k; continue; }
    }
    const cls = classAt(text, i);
    if (cls !== SPACE) {
      const end = runEnd(text, i, cls);
      emit(i, end);
      i = end;
      continue;
    }
    // ` ?X+` where the space is a literal U+0020 followed by a non-space run.
    if (c === 32 && i + 1 < n) {
      const next = classAt(text, i + 1);
      if (next !== SPACE) {
        const end = runEnd(text, i + 1, next);
        emit(i, end);
        i = end;
        continue;
      }
    }
    // Whitespace run: `\s+(?!\S)` keeps the last space for the next piece when a non-space follows.
    const end = runEnd(text, i, SPACE);
    if (end < n && end - i > 1) {
      const last = end - 1; // whitespace is never a surrogate, so one unit per code point
      emit(i, last);
      i = last;
    } else {
      emit(i, end);
      i = end;
    }
  }
}

/** The pieces of `text` as strings (fast path of pretokenizeReference). */
export function pretokenize(text: string): string[] {
  const out: string[] = [];
  forEachPretoken(text, (s, e) => out.push(text.slice(s, e)));
  return out;
}
