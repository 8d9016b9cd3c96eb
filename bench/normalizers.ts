/**
 * How much of an email's class fits in a model's window, per tokenizer normalizer: a multinomial naive Bayes
 * (Laplace smoothing) over the first n text tokens of each message, trained on the train split and scored on
 * the validation and test splits of SpamAssassin. A quick proxy for choosing a normalizer before training a
 * Transformer on it (docs/data.md quotes its table).
 *
 *   node --import tsx bench/normalizers.ts [--normalizers none,mail,mime] [--windows 64,128,160,256] [--vocab 4000] [--split-seed 1]
 */
import { parseArgs } from 'node:util';
import { loadDataset, NORMALIZERS, splitDataset, trainTokenizer, type Dataset, type Normalizer, type Tokenizer } from '../src/data/index.ts';

const { values: v } = parseArgs({
  strict: true,
  options: {
    normalizers: { type: 'string', default: NORMALIZERS.join(',') },
    windows: { type: 'string', default: '64,128,160,256' },
    vocab: { type: 'string', default: '4000' },
    'split-seed': { type: 'string', default: '1' },
  },
});
const normalizers = v.normalizers!.split(',') as Normalizer[];
for (const n of normalizers) if (!NORMALIZERS.includes(n)) throw new Error(`unknown normalizer ${n}; expected ${NORMALIZERS.join(' | ')}`);
const windows = v.windows!.split(',').map(Number);
const vocab = Number(v.vocab);
const { train, validation, test } = splitDataset(loadDataset('spamassassin'), { seed: Number(v['split-seed']) });

/** Token ids of the first `seqLen − 2` text tokens of every example, with its class (spam = 1). */
const encode = (tok: Tokenizer, ds: Dataset, seqLen: number) =>
  ds.examples.map((e) => ({ ids: Array.from(tok.encodeForModel(e.text, seqLen).ids).filter((id) => id > 2), spam: e.label === 'spam' ? 1 : 0 }));

/** Naive Bayes accuracy (%) on `evalRows` after counting `trainRows`. */
function naiveBayes(trainRows: ReturnType<typeof encode>, evalRows: ReturnType<typeof encode>): number {
  const counts = [new Float64Array(vocab).fill(1), new Float64Array(vocab).fill(1)], totals = [vocab, vocab], prior = [0, 0];
  for (const r of trainRows) { prior[r.spam]++; for (const id of r.ids) { counts[r.spam][id]++; totals[r.spam]++; } }
  let ok = 0;
  for (const r of evalRows) {
    let score = Math.log(prior[1] / prior[0]);
    for (const id of r.ids) score += Math.log(counts[1][id] / totals[1]) - Math.log(counts[0][id] / totals[0]);
    if ((score > 0 ? 1 : 0) === r.spam) ok++;
  }
  return (100 * ok) / evalRows.length;
}

console.log(`SpamAssassin, naive Bayes over the first n tokens; vocabulary ${vocab}, split seed ${v['split-seed']}\n`);
console.log('| normalizer | tokenizer s | ' + windows.map((w) => `n=${w - 2} test % | val %`).join(' | ') + ' |');
console.log('|---|---|' + windows.map(() => '---|---').join('|') + '|');
for (const normalizer of normalizers) {
  const t0 = performance.now();
  const tok = trainTokenizer(train.examples.map((e) => e.text), { vocabSize: vocab, normalizer });
  const secs = (performance.now() - t0) / 1000;
  const cells = windows.map((w) => {
    const tr = encode(tok, train, w);
    return `${naiveBayes(tr, encode(tok, test, w)).toFixed(2)} | ${naiveBayes(tr, encode(tok, validation, w)).toFixed(2)}`;
  });
  console.log(`| ${normalizer} | ${secs.toFixed(1)} | ${cells.join(' | ')} |`);
}
