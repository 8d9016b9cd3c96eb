/**
 * Tokenizer speed: encode throughput on the SpamAssassin emails (MB/s of UTF-8 input), bitedge's
 * byte-level BPE (vocabulary 4,096) side by side with gpt-tokenizer and js-tiktoken (both cl100k_base),
 * same texts, same run, median of several passes; plus BPE training time for 4,096 merges on the
 * SpamAssassin train split (seed 0). Run: node --import tsx bench/tokenizer.ts [--passes N]
 */
import { parseArgs } from 'node:util';
import { encode as gptTokenizerEncode } from 'gpt-tokenizer/encoding/cl100k_base';
import { getEncoding } from 'js-tiktoken';
import { loadDataset } from '../src/data/dataset.ts';
import { splitDataset } from '../src/data/split.ts';
import { MIN_VOCAB, Tokenizer, trainTokenizer } from '../src/data/tokenizer.ts';

const { values } = parseArgs({ options: { passes: { type: 'string', default: '3' } }, strict: true });
const passes = Number(values.passes);

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

const ds = loadDataset('spamassassin');
const train = splitDataset(ds, { seed: 0 }).train.examples.map((e) => e.text);
const texts = ds.examples.map((e) => e.text);
const megabytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0) / 1e6;

// Training: 4,096 merges (vocabulary 4,355); the vocabulary-4,096 tokenizer is its first 3,837 merges
// (training is greedy, so a shorter run learns exactly this prefix).
const trainSeconds: number[] = [];
let big: Tokenizer | undefined;
for (let r = 0; r < 2; r++) {
  const t0 = performance.now();
  big = trainTokenizer(train, { vocabSize: MIN_VOCAB + 4096 });
  trainSeconds.push((performance.now() - t0) / 1000);
}
const bitedge = new Tokenizer(big!.merges.slice(0, 4096 - MIN_VOCAB));
const tiktoken = getEncoding('cl100k_base');

interface Contender { name: string; encode: (s: string) => ArrayLike<number> }
const contenders: Contender[] = [
  // A fresh tokenizer per pass would measure the cold cache; every peer keeps its own cache too.
  { name: 'bitedge byte-level BPE (vocab 4,096)', encode: (s) => bitedge.encode(s) },
  { name: 'gpt-tokenizer (cl100k_base)', encode: (s) => gptTokenizerEncode(s) },
  { name: 'js-tiktoken (cl100k_base)', encode: (s) => tiktoken.encode(s) },
];

const rows = contenders.map((c) => {
  let tokens = 0;
  const seconds: number[] = [];
  for (let p = 0; p < passes + 1; p++) {
    const t0 = performance.now();
    let n = 0;
    for (const t of texts) n += c.encode(t).length;
    const dt = (performance.now() - t0) / 1000;
    if (p > 0) seconds.push(dt); // pass 0 warms up the JIT and the caches
    tokens = n;
  }
  return { name: c.name, mbps: megabytes / median(seconds), tokens };
});
const fastestPeer = Math.max(rows[1].mbps, rows[2].mbps);

console.log(`SpamAssassin, ${texts.length} emails, ${megabytes.toFixed(1)} MB; median of ${passes} passes after one warm-up pass; Node ${process.version}.`);
console.log('Noisy: 2 shared cores, other jobs running.\n');
console.log('| tokenizer | encode MB/s | tokens | bytes/token | × fastest peer |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.name} | ${r.mbps.toFixed(2)} | ${r.tokens} | ${((megabytes * 1e6) / r.tokens).toFixed(2)} | ${(r.mbps / fastestPeer).toFixed(2)} |`);
console.log(`\n| BPE training, 4,096 merges, ${train.length} train emails (${(train.reduce((a, t) => a + Buffer.byteLength(t), 0) / 1e6).toFixed(1)} MB) | seconds |`);
console.log('|---|---:|');
console.log(`| median of ${trainSeconds.length} runs (bar: < 60 s) | ${median(trainSeconds).toFixed(2)} |`);
