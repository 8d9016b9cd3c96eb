/**
 * The bitedge tokenizer: byte-level BPE (bpe.ts) over GPT-2 pre-tokens (pretokenize.ts), with the
 * special tokens a BERT-style classifier needs, truncation and padding, and a versioned JSON form.
 *
 * Id layout: 0 [PAD], 1 [CLS], 2 [SEP]; 3 + b for byte b (0..255); 259 + k for merge k.
 * There is no [UNK]: every string is a sequence of bytes, and every byte has an id.
 * Text is taken as UTF-8: a lone surrogate (not encodable) becomes U+FFFD, exactly as TextEncoder
 * does, so decode(encode(s)) === s.toWellFormed() for every JS string, and === s for well-formed ones.
 * Platform-neutral (Node and browsers); reading and writing files is in tokenizer-file.ts.
 */
import { z } from 'zod';
import { BitedgeError, fail } from '../common/errors.ts';
import { applyMerges, BYTE_SYMBOLS, MAX_BPE_SYMBOLS, mergeRanks, trainBpe, type Merge } from './bpe.ts';
import { NORMALIZERS, normalizeText, type Normalizer } from './normalize.ts';
import { forEachPretoken } from './pretokenize.ts';

export const TOKENIZER_FORMAT = 'bitedge-tokenizer';
/** Version 2 added the normalizer; a file without one is written as version 1, which version-1 readers load. */
export const TOKENIZER_VERSION = 2;
export const SPECIAL_TOKENS = ['[PAD]', '[CLS]', '[SEP]'] as const;
/** Id of byte 0; byte b has id BYTE_OFFSET + b. */
export const BYTE_OFFSET = SPECIAL_TOKENS.length;
/** Smallest vocabulary: the special tokens and the 256 bytes, no merges. */
export const MIN_VOCAB = BYTE_OFFSET + BYTE_SYMBOLS;
export const MAX_VOCAB = BYTE_OFFSET + MAX_BPE_SYMBOLS - 1;

/** The tokenizer file. `merges[k] = [left, right]` (tokenizer ids) makes id MIN_VOCAB + k. */
export const TokenizerJsonSchema = z.object({
  format: z.literal(TOKENIZER_FORMAT),
  version: z.union([z.literal(1), z.literal(TOKENIZER_VERSION)]),
  /** Applied to every text before BPE (normalize.ts); absent = 'none'. */
  normalizer: z.enum(NORMALIZERS).optional(),
  model: z.literal('byte-bpe'),
  pretokenizer: z.literal('gpt2'),
  specialTokens: z.tuple([z.literal('[PAD]'), z.literal('[CLS]'), z.literal('[SEP]')]),
  merges: z.array(z.tuple([z.int().nonnegative(), z.int().nonnegative()])),
});
export type TokenizerJson = z.infer<typeof TokenizerJsonSchema>;

/** Words (pre-tokens) longer than this (UTF-16 units) are not cached: a long run is rarely repeated. */
const CACHE_MAX_WORD = 64;
const CACHE_MAX_ENTRIES = 1 << 17;

export interface ModelInput {
  /** `[CLS] tokens [SEP]` then `[PAD]` up to seqLen. */
  ids: Int32Array;
  /** 1 on real tokens ([CLS], text, [SEP]), 0 on padding. */
  mask: Uint8Array;
  /** True when text tokens were dropped to fit seqLen. */
  truncated: boolean;
}

export class Tokenizer {
  readonly vocabSize: number;
  readonly padId = 0;
  readonly clsId = 1;
  readonly sepId = 2;
  /** Merges in tokenizer ids, in rank order. */
  readonly merges: readonly Merge[];
  readonly normalizer: Normalizer;
  private readonly ranks: Map<number, number>;
  private readonly bytesOf: Uint8Array[];
  private readonly cache = new Map<string, number[]>();
  private readonly utf8 = new TextEncoder();

  /** From merges in tokenizer ids; each merge may only use ids that exist before it. */
  constructor(merges: readonly Merge[], normalizer: Normalizer = 'none') {
    this.normalizer = normalizer;
    if (MIN_VOCAB + merges.length > MAX_VOCAB + 1) throw new RangeError(`Tokenizer: at most ${MAX_VOCAB + 1 - MIN_VOCAB} merges`);
    const local: Merge[] = [];
    this.bytesOf = SPECIAL_TOKENS.map(() => new Uint8Array(0));
    for (let b = 0; b < BYTE_SYMBOLS; b++) this.bytesOf.push(Uint8Array.of(b));
    merges.forEach(([a, b], k) => {
      const limit = MIN_VOCAB + k;
      for (const id of [a, b]) {
        if (!Number.isInteger(id) || id < BYTE_OFFSET || id >= limit) {
          fail('tokenizer_bad_merge', `merge ${k} uses id ${id}, expected a byte or an earlier merge (${BYTE_OFFSET} ≤ id < ${limit})`, { path: ['merges', k] });
        }
      }
      local.push([a - BYTE_OFFSET, b - BYTE_OFFSET]);
      const ab = new Uint8Array(this.bytesOf[a].length + this.bytesOf[b].length);
      ab.set(this.bytesOf[a]); ab.set(this.bytesOf[b], this.bytesOf[a].length);
      this.bytesOf.push(ab);
    });
    this.merges = merges.map(([a, b]) => [a, b] as const);
    this.ranks = mergeRanks(local);
    this.vocabSize = MIN_VOCAB + merges.length;
  }

  /** Token ids of one pre-token. */
  private encodeWord(word: string): number[] {
    let bytes: ArrayLike<number>;
    let ascii = true;
    for (let i = 0; i < word.length; i++) if (word.charCodeAt(i) > 127) { ascii = false; break; }
    if (ascii) {
      const b = new Array<number>(word.length);
      for (let i = 0; i < word.length; i++) b[i] = word.charCodeAt(i);
      bytes = b;
    } else bytes = this.utf8.encode(word);
    const ids = applyMerges(bytes, this.ranks);
    for (let i = 0; i < ids.length; i++) ids[i] += BYTE_OFFSET;
    return ids;
  }

  /** Token ids of `text` (no special tokens, no normalizer: `decode(encode(s))` gives `s` back). */
  encode(text: string): number[] {
    const out: number[] = [];
    const cache = this.cache;
    forEachPretoken(text, (s, e) => {
      const word = text.slice(s, e);
      let ids = cache.get(word);
      if (ids === undefined) {
        ids = this.encodeWord(word);
        if (e - s <= CACHE_MAX_WORD) {
          if (cache.size >= CACHE_MAX_ENTRIES) cache.clear();
          cache.set(word, ids);
        }
      }
      for (let k = 0; k < ids.length; k++) out.push(ids[k]);
    });
    return out;
  }

  /** The bytes a token stands for (empty for special tokens). */
  tokenBytes(id: number): Uint8Array {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new RangeError(`token id ${id} outside [0, ${this.vocabSize})`);
    return this.bytesOf[id];
  }

  /** A readable form of one token: a special token's name, or its bytes as UTF-8 (invalid bytes as \xNN). */
  tokenText(id: number): string {
    if (id < BYTE_OFFSET && id >= 0) return SPECIAL_TOKENS[id];
    const bytes = this.tokenBytes(id);
    try { return new TextDecoder('utf-8', { fatal: true }).decode(bytes); }
    catch { return Array.from(bytes, (b) => (b < 128 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join(''); }
  }

  /** Text of token ids; special tokens are skipped; invalid UTF-8 (from an arbitrary id list) becomes U+FFFD. */
  decode(ids: ArrayLike<number>): string {
    let len = 0;
    for (let i = 0; i < ids.length; i++) len += this.tokenBytes(ids[i]).length;
    const bytes = new Uint8Array(len);
    let off = 0;
    for (let i = 0; i < ids.length; i++) { const b = this.bytesOf[ids[i]]; bytes.set(b, off); off += b.length; }
    return new TextDecoder('utf-8').decode(bytes);
  }

  /** `[CLS] text [SEP]` then `[PAD]` to `seqLen`; text tokens beyond seqLen − 2 are dropped. */
  encodeForModel(text: string, seqLen: number): ModelInput {
    if (!Number.isInteger(seqLen) || seqLen < 2) throw new RangeError(`seqLen must be an integer ≥ 2, got ${seqLen}`);
    const tokens = this.encode(normalizeText(text, this.normalizer));
    const keep = Math.min(tokens.length, seqLen - 2);
    const ids = new Int32Array(seqLen).fill(this.padId);
    const mask = new Uint8Array(seqLen);
    ids[0] = this.clsId;
    for (let i = 0; i < keep; i++) ids[1 + i] = tokens[i];
    ids[1 + keep] = this.sepId;
    mask.fill(1, 0, keep + 2);
    return { ids, mask, truncated: keep < tokens.length };
  }

  toJSON(): TokenizerJson {
    return {
      format: TOKENIZER_FORMAT,
      ...(this.normalizer === 'none' ? { version: 1 } : { version: TOKENIZER_VERSION, normalizer: this.normalizer }),
      model: 'byte-bpe',
      pretokenizer: 'gpt2',
      specialTokens: [...SPECIAL_TOKENS],
      merges: this.merges.map(([a, b]) => [a, b]),
    };
  }

  /** From the JSON document; `file` names the source in errors. */
  static fromJSON(json: unknown, file?: string): Tokenizer {
    const where = file ? { file } : {};
    if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('tokenizer_bad_json', 'not a tokenizer: expected a JSON object', where);
    const doc = json as Record<string, unknown>;
    if (doc.format !== TOKENIZER_FORMAT) {
      fail('tokenizer_bad_json', 'not a bitedge tokenizer', { ...where, path: ['format'], expected: JSON.stringify(TOKENIZER_FORMAT), received: JSON.stringify(doc.format) ?? 'nothing' });
    }
    if (doc.version !== 1 && doc.version !== TOKENIZER_VERSION) {
      fail('tokenizer_version', 'unsupported tokenizer version', { ...where, path: ['version'], expected: `1 or ${TOKENIZER_VERSION}`, received: JSON.stringify(doc.version) ?? 'nothing' });
    }
    const parsed = TokenizerJsonSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      fail('tokenizer_bad_json', `invalid tokenizer: ${issue.message}`, { ...where, path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) });
    }
    try {
      if (parsed.data.version === 1 && parsed.data.normalizer) fail('tokenizer_bad_json', 'a version-1 tokenizer has no normalizer', { ...where, path: ['normalizer'] });
      return new Tokenizer(parsed.data.merges, parsed.data.normalizer);
    } catch (e) {
      if (e instanceof BitedgeError) throw new BitedgeError(e.issues.map((i) => ({ ...i, ...where })));
      throw e;
    }
  }
}

export interface TrainTokenizerOptions {
  /** Final vocabulary size, special tokens and bytes included (≥ 259). */
  vocabSize: number;
  /** Normalizer applied to the texts here and to every text the tokenizer encodes for the model (default 'none'). */
  normalizer?: Normalizer;
  /** Progress callback: merges done out of merges requested. */
  onProgress?: (done: number, total: number) => void;
}

const TrainTokenizerOptionsSchema = z.object({ vocabSize: z.int().min(MIN_VOCAB).max(MAX_VOCAB) });

/** Counts of each pre-token over `texts` (the words BPE trains on). */
export function countPretokens(texts: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) forEachPretoken(text, (s, e) => { const w = text.slice(s, e); counts.set(w, (counts.get(w) ?? 0) + 1); });
  return counts;
}

/** Trains a tokenizer on `texts` (the train split): merges until vocabSize, or until no pair is left. */
export function trainTokenizer(texts: Iterable<string>, opts: TrainTokenizerOptions): Tokenizer {
  const checked = TrainTokenizerOptionsSchema.safeParse({ vocabSize: opts.vocabSize });
  if (!checked.success) fail('tokenizer_bad_option', `vocabSize must be an integer in [${MIN_VOCAB}, ${MAX_VOCAB}]`, { path: ['vocabSize'], received: String(opts.vocabSize) });
  const numMerges = opts.vocabSize - MIN_VOCAB;
  const normalizer = opts.normalizer ?? 'none';
  const normalized = normalizer === 'none' ? texts : Array.from(texts, (t) => normalizeText(t, normalizer));
  const local = trainBpe(countPretokens(normalized), numMerges, { onMerge: (k) => opts.onProgress?.(k, numMerges) });
  return new Tokenizer(local.map(([a, b]) => [a + BYTE_OFFSET, b + BYTE_OFFSET] as const), normalizer);
}
