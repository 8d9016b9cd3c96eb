// End to end, same architecture, same inputs, side by side in one run: the W1A1 model on the bitedge
// runtime (wasm kernels) vs the FP32 model of the same shape in onnxruntime-node. Batch-1 latency
// (median, p95) and batch-32 throughput on 1 and 2 threads for full-length inputs (the headline), and on
// one thread for inputs with the SpamAssassin test split's real lengths and for short inputs; the two-part
// (BMT, ternary weight splitting) model at full length on one thread beside the one-part one; file sizes;
// peak RSS of `bitedge run`. Random weights (speed does not depend on them).
// Run: node --import tsx bench/runtime.ts
import { spawnSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { prepareData } from '../src/bmt/data.ts';
import { resolvePreset } from '../src/bmt/presets.ts';
import { createRng } from '../src/common/rng.ts';
import { trainTokenizer } from '../src/data/tokenizer.ts';
import { encodeBmt } from '../src/format/bmt.ts';
import { exportOnnx } from '../src/format/onnx.ts';
import { quantizeStorage } from '../src/format/quantize.ts';
import { randomDeployModel, randomFloatModel } from '../src/format/random.ts';
import { foldThresholds } from '../src/runtime/fold.ts';
import { createRuntime, type SequenceInput } from '../src/runtime/runtime.ts';

// Optimised wasm code from the first call (V8 otherwise starts wasm in its baseline compiler and tiers up in
// the background, which under load lands inside the measurements); process-wide, so the workers too.
setFlagsFromString('--no-liftoff');

const RUNS = Number(process.env.RUNS ?? 25), WARM = Number(process.env.WARM ?? 150), BATCH = 32, LAYERS = Number(process.env.LAYERS ?? 4);
const rng = createRng('bench-runtime');

// A real tokenizer in the .bmt so that `bitedge run --text` works; its vocabulary sets the shape's.
const words = Array.from({ length: 3000 }, () => Array.from({ length: 2 + rng.int(8) }, () => String.fromCharCode(97 + rng.int(26))).join(''));
const corpus = Array.from({ length: 400 }, () => Array.from({ length: 30 }, () => words[rng.int(words.length)]).join(' '));
const tokenizer = trainTokenizer(corpus, { vocabSize: 2048 });
const shape = { vocabSize: tokenizer.vocabSize, seqLen: 128, hidden: 256, heads: 4, ffn: 1024, layers: LAYERS, numLabels: 2 };
// Thresholds folded on Q, K, V and FFN-in, as the exporter (src/bmt/export.ts) and foldThresholds do.
const deploy = foldThresholds({ ...randomDeployModel(shape, 'bench', { sites: 'binary', parts: 1, variants: ['softmax-binary'] }), tokenizer: tokenizer.toJSON() });
// The BMT recipe's final model: two binary parts per linear (ternary weight splitting, docs/forward.md); its
// FP32 peer is the same onnxruntime model.
const deploySplit = foldThresholds({ ...randomDeployModel(shape, 'bench', { sites: 'binary', parts: 2, variants: ['softmax-binary'] }), tokenizer: tokenizer.toJSON() });
const onnxBytes = exportOnnx(randomFloatModel(shape, 'bench', 'relu'));
const bmtBytes = encodeBmt(deploy);
// The format's option of k-bit storage for the large float matrices, as the presets train them (1-bit token
// embedding, 8-bit rest; changes the model's function: evaluate after).
const bmtSmallBytes = encodeBmt(quantizeStorage(deploy, { tokenEmbedding: 1, positionEmbedding: 8, 'pooler.weight': 8, 'classifier.weight': 8 }));

/** A sequence of n real tokens ([CLS] first, random ids), padded to seqLen (mask 1 then 0s, the tokenizer's layout). */
function sequence(n: number): SequenceInput {
  const ids = new Int32Array(shape.seqLen), mask = new Uint8Array(shape.seqLen);
  for (let t = 0; t < n; t++) { ids[t] = t === 0 ? 1 : 3 + rng.int(shape.vocabSize - 3); mask[t] = 1; }
  return { ids, mask };
}
// The same inputs for both: full-length sequences (the costliest case for both runtimes; the headline).
const inputs: SequenceInput[] = Array.from({ length: BATCH }, () => sequence(shape.seqLen));
// Realistic lengths: the real token counts of the SpamAssassin test split under the default preset's
// tokenizer, truncated to seqLen (random ids of those lengths; speed depends on the length, not the ids).
const spam = prepareData({ dataset: 'spamassassin' }, resolvePreset('default', { seqLen: shape.seqLen })).data.test;
const lengths = Array.from({ length: spam.n }, (_, i) => spam.mask.subarray(i * spam.seqLen, (i + 1) * spam.seqLen).reduce((a, b) => a + b, 0));
const realistic = lengths.map(sequence);
const sortedLengths = [...lengths].sort((a, b) => a - b);
const SHORT = 32;
const short = Array.from({ length: BATCH }, () => sequence(SHORT));

function stats(ms: number[]): { median: number; p95: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p95: s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)] };
}
/**
 * Wall times (ms) of n runs after `warm` warm-up runs; `cpu` collects this process's CPU ms per run alongside.
 * Batch 1 warms up for WARM runs (both runtimes): V8 optimises the runtime's TypeScript glue only after it has
 * run a while, and the table reports steady-state latency.
 */
async function timeRuns(n: number, fn: () => Promise<unknown>, cpu: number[] = [], warm = 2): Promise<number[]> {
  for (let i = 0; i < warm; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = process.cpuUsage(), t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
    const c = process.cpuUsage(u);
    cpu.push((c.user + c.system) / 1000);
  }
  return out;
}

async function onnxSession(threads: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(onnxBytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
}
function onnxFeeds(batch: SequenceInput[]): Record<string, ort.Tensor> {
  const T = shape.seqLen;
  const ids = new BigInt64Array(batch.length * T), mask = new BigInt64Array(batch.length * T);
  batch.forEach((x, b) => { for (let t = 0; t < T; t++) { ids[b * T + t] = BigInt(x.ids[t]); mask[b * T + t] = BigInt(x.mask[t]); } });
  return { input_ids: new ort.Tensor('int64', ids, [batch.length, T]), attention_mask: new ort.Tensor('int64', mask, [batch.length, T]) };
}

type Row = { inputs: string; threads: number; b1: { median: number; p95: number }; b1cpu: number; b32: number };
/** A bitedge row, its model's label and the index of its onnxruntime peer row. */
type EngineRow = Row & { label: string; peer: number };
const results: { bitedge: EngineRow[]; onnx: Row[] } = { bitedge: [], onnx: [] };
/** The next item of `xs` on every call (batch-1 runs walk through an input set). */
function cycle<X>(xs: X[]): () => X {
  let i = 0;
  return () => xs[i++ % xs.length];
}
const FULL = `full length (${shape.seqLen} real tokens)`;
// `split`: the two-part model on the bitedge side only, compared with the one-part set's onnxruntime row
const sets: { name: string; threads: number[]; seqs: SequenceInput[]; split?: boolean }[] = [
  { name: FULL, threads: [1, 2], seqs: inputs },
  { name: FULL, threads: [1], seqs: inputs, split: true },
  { name: `SpamAssassin test lengths (median ${sortedLengths[sortedLengths.length >> 1]} real)`, threads: [1], seqs: realistic },
  { name: `short (${SHORT} real tokens)`, threads: [1], seqs: short },
];
for (const set of sets) {
  for (const threads of set.threads) {
    const batch = set.seqs.slice(0, BATCH);
    const rt = await createRuntime(set.split ? deploySplit : deploy, { threads });
    const cpu1: number[] = [], next = cycle(set.seqs);
    const b1 = stats(await timeRuns(RUNS, () => rt.run([next()]), cpu1, WARM));
    const b32 = stats(await timeRuns(Math.max(3, RUNS / 5), () => rt.run(batch))).median;
    const label = set.split ? 'bitedge W1A1, two parts (BMT)' : 'bitedge W1A1';
    const peer = set.split ? results.onnx.findIndex((o) => o.inputs === set.name && o.threads === threads) : results.onnx.length;
    results.bitedge.push({ inputs: set.name, threads, b1, b1cpu: stats(cpu1).median, b32: (BATCH * 1000) / b32, label, peer });
    await rt.close();
    if (set.split) continue;
    const sess = await onnxSession(threads);
    const feeds = set.seqs.map((x) => onnxFeeds([x])), all = onnxFeeds(batch), nextFeed = cycle(feeds);
    const ocpu1: number[] = [];
    const o1 = stats(await timeRuns(RUNS, () => sess.run(nextFeed()), ocpu1, WARM));
    const o32 = stats(await timeRuns(Math.max(3, RUNS / 5), () => sess.run(all))).median;
    results.onnx.push({ inputs: set.name, threads, b1: o1, b1cpu: stats(ocpu1).median, b32: (BATCH * 1000) / o32 });
    await sess.release();
  }
}

// Peak RSS of `bitedge run` on one input (from the TypeScript sources under tsx), and of an empty
// node + tsx process for reference, by /usr/bin/time -f %M (KiB).
const dir = mkdtempSync(join(tmpdir(), 'bitedge-bench-'));
const modelPath = join(dir, 'model.bmt');
writeFileSync(modelPath, bmtBytes);
const BOOT = "import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })";
function peakRssMiB(args: string[]): number {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, '--import', 'tsx', ...args], { encoding: 'utf8', cwd: join(import.meta.dirname, '..') });
  if (r.status !== 0) throw new Error(`peak RSS run failed: ${r.stderr}`);
  return Number(r.stderr.trim().split('\n').pop()) / 1024;
}
const rssRun = peakRssMiB(['-e', BOOT, 'run', modelPath, '--text', 'free money, reply now']);
const rssEmpty = peakRssMiB(['-e', '0']);
rmSync(dir, { recursive: true, force: true });

const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const f1 = (x: number) => x.toFixed(2);
console.log(`\nEnd to end: ${shape.layers} layers × ${shape.hidden}, ${shape.heads} heads, FFN ${shape.ffn}, seq ${shape.seqLen}, vocab ${shape.vocabSize}; same inputs.`);
console.log(`bitedge: W1A1 (all sites binary, BiT assignment, thresholds folded), wasm kernels. onnxruntime-node ${ort.env.versions?.common ?? ''}: FP32, same architecture.`);
console.log(`Batch 1: ${RUNS} runs after ${WARM} warm-up runs (walking through the input set), median and p95 (ms); batch ${BATCH}: the set's first ${BATCH} sequences, sequences/s (median). Shared 2-core machine: noisy.`);
console.log(`bitedge computes only the rows the logits need (the real tokens; [CLS] alone from the last layer's queries on); onnxruntime runs the full graph it is given, padding included (an ONNX graph pruned the same way is possible but not built here).`);
console.log(`SpamAssassin test split: ${lengths.length} messages, real lengths min ${sortedLengths[0]}, median ${sortedLengths[sortedLengths.length >> 1]}, ${lengths.filter((n) => n === shape.seqLen).length} of ${lengths.length} at ${shape.seqLen}.\n`);
console.log(line(['runtime', 'inputs', 'threads', 'batch 1 median (ms)', 'batch 1 p95 (ms)', 'batch 1 CPU (ms, median)', `batch ${BATCH} (seq/s)`]));
console.log(line(['---', '---', '---:', '---:', '---:', '---:', '---:']));
for (const r of [...results.bitedge, ...results.onnx.map((o) => ({ ...o, label: 'onnxruntime FP32' }))]) {
  console.log(line([r.label, r.inputs, r.threads, f1(r.b1.median), f1(r.b1.p95), f1(r.b1cpu), r.b32.toFixed(1)]));
}
console.log('');
console.log(line(['bitedge speed-up over onnxruntime', 'inputs', 'threads', 'batch 1 median (wall)', 'batch 1 (CPU)', `batch ${BATCH} throughput`]));
console.log(line(['---', '---', '---:', '---:', '---:', '---:']));
results.bitedge.forEach((b) => {
  const o = results.onnx[b.peer];
  console.log(line([b.label, b.inputs, b.threads, `${(o.b1.median / b.b1.median).toFixed(2)}×`, `${(o.b1cpu / b.b1cpu).toFixed(2)}×`, `${(b.b32 / o.b32).toFixed(2)}×`]));
});
const embBytes = 4 * (shape.vocabSize + shape.seqLen) * shape.hidden;
console.log(`\nBar: ≥ 3× at batch 1, one thread (goal 8×). bitedge runs batch 1 on the calling thread, so its 2-thread batch-1 row equals the 1-thread one.\n`);
console.log(line(['file', 'bytes', 'MiB', 'ratio']));
console.log(line(['---', '---:', '---:', '---:']));
console.log(line(['FP32 .onnx', onnxBytes.length, (onnxBytes.length / 2 ** 20).toFixed(2), '1.00']));
console.log(line(['W1A1 .bmt', bmtBytes.length, (bmtBytes.length / 2 ** 20).toFixed(2), `${(onnxBytes.length / bmtBytes.length).toFixed(1)}× smaller`]));
console.log(line(['of which FP32 embeddings (token + position)', embBytes, (embBytes / 2 ** 20).toFixed(2), '']));
console.log(line(['W1A1 .bmt, token embedding 1-bit, position/pooler/classifier 8-bit storage (format option)', bmtSmallBytes.length, (bmtSmallBytes.length / 2 ** 20).toFixed(2), `${(onnxBytes.length / bmtSmallBytes.length).toFixed(1)}× smaller`]));
console.log(line(['.bmt without the embeddings vs .onnx without them', bmtBytes.length - embBytes, ((bmtBytes.length - embBytes) / 2 ** 20).toFixed(2), `${((onnxBytes.length - embBytes) / (bmtBytes.length - embBytes)).toFixed(1)}× smaller`]));
console.log(`\nBar: ≥ 20× smaller file.\n`);
console.log(line(['process', 'peak RSS (MiB)']));
console.log(line(['---', '---:']));
console.log(line(['`bitedge run model.bmt --text …` (one input, under tsx)', rssRun.toFixed(1)]));
console.log(line(['empty `node --import tsx` process, for reference', rssEmpty.toFixed(1)]));
