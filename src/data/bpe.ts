/**
 * Byte-level byte-pair encoding (Sennrich et al. 2016, on bytes as in GPT-2, Radford et al. 2019).
 *
 * Ids here are local to BPE: 0..255 are the bytes, 256 + k is the symbol made by merge k.
 * Training repeatedly merges the most frequent adjacent pair of symbols inside pre-tokenized words.
 * Tie rule (deterministic, independent of any map's iteration order): among pairs with the highest
 * count, the one with the smallest key `left · 65536 + right`, i.e. the lexicographically smallest
 * (left id, right id). Pair counts are kept incrementally: a pair → words index and a max-heap with
 * lazy invalidation, so each merge only touches the words that contain the merged pair.
 *
 * `trainBpeReference` recounts every pair of every word each step (the slow, obvious definition);
 * `applyMergesReference` merges the lowest-rank pair everywhere, then looks again. Tests check the
 * fast paths (`trainBpe`, `applyMerges`) against them on random inputs.
 */

export const BYTE_SYMBOLS = 256;
/** Largest vocabulary a pair key can address (ids < 65536). */
export const MAX_BPE_SYMBOLS = 65536;

export type Merge = readonly [left: number, right: number];

const pairKey = (a: number, b: number): number => a * 65536 + b;

/** A max-heap of (count, key): highest count first, then smallest key. Parallel arrays, no objects. */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];
  get size(): number { return this.keys.length; }
  private above(i: number, j: number): boolean {
    const ci = this.counts[i], cj = this.counts[j];
    return ci > cj || (ci === cj && this.keys[i] < this.keys[j]);
  }
  private swap(i: number, j: number): void {
    const c = this.counts[i]; this.counts[i] = this.counts[j]; this.counts[j] = c;
    const k = this.keys[i]; this.keys[i] = this.keys[j]; this.keys[j] = k;
  }
  push(count: number, key: number): void {
    this.counts.push(count); this.keys.push(key);
    let i = this.keys.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p); i = p;
    }
  }
  /** Removes the top; returns [count, key]. */
  pop(): [number, number] {
    const top: [number, number] = [this.counts[0], this.keys[0]];
    const lastC = this.counts.pop()!, lastK = this.keys.pop()!;
    const n = this.keys.length;
    if (n > 0) {
      this.counts[0] = lastC; this.keys[0] = lastK;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < n && this.above(l, m)) m = l;
        if (r < n && this.above(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m); i = m;
      }
    }
    return top;
  }
}

export interface TrainBpeOptions {
  /** Called after each merge with the number of merges done so far. */
  onMerge?: (done: number) => void;
}

/** Words as byte symbol arrays and their counts. (Their order cannot change the merges: each choice
 * depends only on the total pair counts and the tie rule.) */
function wordsAsBytes(wordCounts: Map<string, number>): { words: number[][]; freq: number[] } {
  const enc = new TextEncoder();
  const words: number[][] = [], freq: number[] = [];
  for (const [w, c] of wordCounts) { words.push(Array.from(enc.encode(w))); freq.push(c); }
  return { words, freq };
}

/** Rewrites `word` in place, merging each non-overlapping (a, b) left to right into z. */
function mergeInWord(word: number[], a: number, b: number, z: number): void {
  let w = 0;
  for (let r = 0; r < word.length; r++) {
    if (r + 1 < word.length && word[r] === a && word[r + 1] === b) { word[w++] = z; r++; }
    else word[w++] = word[r];
  }
  word.length = w;
}

/**
 * Learns up to `numMerges` merges from word counts (fewer if no pair is left).
 * Each merge is a function of the pair counts and the tie rule only, so the result depends only on
 * the word counts (not on the order of the map or of the words).
 */
export function trainBpe(wordCounts: Map<string, number>, numMerges: number, opts: TrainBpeOptions = {}): Merge[] {
  if (BYTE_SYMBOLS + numMerges > MAX_BPE_SYMBOLS) throw new RangeError(`trainBpe: at most ${MAX_BPE_SYMBOLS - BYTE_SYMBOLS} merges`);
  const { words, freq } = wordsAsBytes(wordCounts);
  const count = new Map<number, number>();
  const where = new Map<number, number[]>();
  for (let wi = 0; wi < words.length; wi++) {
    const w = words[wi], f = freq[wi];
    for (let j = 0; j + 1 < w.length; j++) {
      const k = pairKey(w[j], w[j + 1]);
      count.set(k, (count.get(k) ?? 0) + f);
      const list = where.get(k);
      if (list === undefined) where.set(k, [wi]);
      else if (list[list.length - 1] !== wi) list.push(wi);
    }
  }
  const heap = new PairHeap();
  for (const [k, c] of count) heap.push(c, k);
  const visited = new Int32Array(words.length).fill(-1);
  const merges: Merge[] = [];
  const delta = new Map<number, number>();
  while (merges.length < numMerges && heap.size > 0) {
    const [c, key] = heap.pop();
    const current = count.get(key) ?? 0;
    if (current !== c) { if (current > 0) heap.push(current, key); continue; }
    const step = merges.length;
    const a = Math.floor(key / 65536), b = key % 65536, z = BYTE_SYMBOLS + step;
    merges.push([a, b]);
    delta.clear();
    for (const wi of where.get(key)!) {
      if (visited[wi] === step) continue;
      visited[wi] = step;
      const w = words[wi], f = freq[wi];
      let has = false;
      for (let j = 0; j + 1 < w.length; j++) if (w[j] === a && w[j + 1] === b) { has = true; break; }
      if (!has) continue; // stale index entry: an earlier merge consumed the pair here
      for (let j = 0; j + 1 < w.length; j++) { const k = pairKey(w[j], w[j + 1]); delta.set(k, (delta.get(k) ?? 0) - f); }
      mergeInWord(w, a, b, z);
      for (let j = 0; j + 1 < w.length; j++) {
        const k = pairKey(w[j], w[j + 1]);
        delta.set(k, (delta.get(k) ?? 0) + f);
        if (w[j] === z || w[j + 1] === z) {
          const list = where.get(k);
          if (list === undefined) where.set(k, [wi]);
          else if (list[list.length - 1] !== wi) list.push(wi);
        }
      }
    }
    for (const [k, d] of delta) {
      if (d === 0) continue;
      const next = (count.get(k) ?? 0) + d;
      if (next > 0) count.set(k, next); else count.delete(k);
      if (d > 0) heap.push(next, k);
    }
    count.delete(key);
    where.delete(key);
    opts.onMerge?.(merges.length);
  }
  return merges;
}

/** Slow definition of trainBpe: recount all pairs of all words every step; same tie rule. */
export function trainBpeReference(wordCounts: Map<string, number>, numMerges: number): Merge[] {
  const { words, freq } = wordsAsBytes(wordCounts);
  const merges: Merge[] = [];
  while (merges.length < numMerges) {
    const count = new Map<number, number>();
    words.forEach((w, wi) => {
      for (let j = 0; j + 1 < w.length; j++) { const k = pairKey(w[j], w[j + 1]); count.set(k, (count.get(k) ?? 0) + freq[wi]); }
    });
    let best = -1, bestCount = 0;
    for (const [k, c] of count) if (c > bestCount || (c === bestCount && k < best)) { best = k; bestCount = c; }
    if (best < 0) break;
    const a = Math.floor(best / 65536), b = best % 65536;
    for (const w of words) mergeInWord(w, a, b, BYTE_SYMBOLS + merges.length);
    merges.push([a, b]);
  }
  return merges;
}

/** Merge ranks as a lookup: pair key → rank (the merge's index). */
export function mergeRanks(merges: readonly Merge[]): Map<number, number> {
  const ranks = new Map<number, number>();
  merges.forEach(([a, b], r) => ranks.set(pairKey(a, b), r));
  return ranks;
}

/** Definition of applying merges: merge every occurrence of the lowest-rank pair, then look again. */
export function applyMergesReference(bytes: ArrayLike<number>, ranks: Map<number, number>): number[] {
  const word = Array.from(bytes);
  for (;;) {
    let best = Infinity;
    for (let j = 0; j + 1 < word.length; j++) {
      const r = ranks.get(pairKey(word[j], word[j + 1]));
      if (r !== undefined && r < best) best = r;
    }
    if (best === Infinity) return word;
    let a = -1, b = -1;
    for (let j = 0; j + 1 < word.length; j++) if (ranks.get(pairKey(word[j], word[j + 1])) === best) { a = word[j]; b = word[j + 1]; break; }
    mergeInWord(word, a, b, BYTE_SYMBOLS + best);
  }
}

/** Words longer than this go through the heap-based merge (O(n log n) instead of O(n²)). */
const LONG_WORD = 48;

/**
 * Applies merges to a byte sequence: the same result as applyMergesReference. Short words use the
 * reference loop; long ones a linked list with a min-heap of (rank, position) (lowest rank first,
 * then leftmost, which is the reference's order since a merge never creates a pair of lower rank).
 */
export function applyMerges(bytes: ArrayLike<number>, ranks: Map<number, number>): number[] {
  if (bytes.length <= LONG_WORD) return applyMergesReference(bytes, ranks);
  const n = bytes.length;
  const sym = Int32Array.from(bytes as ArrayLike<number>);
  const next = new Int32Array(n), prev = new Int32Array(n);
  for (let i = 0; i < n; i++) { next[i] = i + 1 < n ? i + 1 : -1; prev[i] = i - 1; }
  const alive = new Uint8Array(n).fill(1);
  // Min-heap of (rank, position), packed as rank · n + position (exact in a double: rank < 2^16, n < 2^37).
  const heap: number[] = [];
  const push = (v: number): void => {
    heap.push(v);
    let i = heap.length - 1;
    while (i > 0) { const p = (i - 1) >> 1; if (heap[p] <= v) break; heap[i] = heap[p]; i = p; }
    heap[i] = v;
  };
  const pop = (): number => {
    const top = heap[0], last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      const m = heap.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= m) break;
        const c = l + 1 < m && heap[l + 1] < heap[l] ? l + 1 : l;
        if (heap[c] >= last) break;
        heap[i] = heap[c]; i = c;
      }
      heap[i] = last;
    }
    return top;
  };
  const offer = (i: number): void => {
    const j = next[i];
    if (j < 0) return;
    const r = ranks.get(pairKey(sym[i], sym[j]));
    if (r !== undefined) push(r * n + i);
  };
  for (let i = 0; i + 1 < n; i++) offer(i);
  while (heap.length > 0) {
    const v = pop();
    const r = Math.floor(v / n), i = v - r * n;
    const j = next[i];
    if (!alive[i] || j < 0 || ranks.get(pairKey(sym[i], sym[j])) !== r) continue; // stale entry
    sym[i] = BYTE_SYMBOLS + r;
    alive[j] = 0;
    next[i] = next[j];
    if (next[j] >= 0) prev[next[j]] = i;
    if (prev[i] >= 0) offer(prev[i]);
    offer(i);
  }
  const out: number[] = [];
  for (let i = 0; i >= 0; i = next[i]) out.push(sym[i]);
  return out;
}
