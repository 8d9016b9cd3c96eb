/**
 * .bmt file size against the FP32 ONNX file of the same architecture, and loader speed.
 * Random weights (sizes do not depend on values). Run: node --import tsx bench/format.ts
 * Timings are medians of a few runs on a shared 2-core machine: noisy, indicative only.
 */
import { decodeBmt, encodeBmt } from '../src/format/bmt.ts';
import { crc32 } from '../src/format/crc32.ts';
import { exportOnnx } from '../src/format/onnx.ts';
import { randomDeployModel, randomFloatModel } from '../src/format/random.ts';
import type { EncoderShape, StorableMatrix } from '../src/format/model.ts';

const shapes: [string, EncoderShape][] = [
  ['small (V 4096, H 128, 4 layers)', { vocabSize: 4096, seqLen: 128, hidden: 128, heads: 4, ffn: 512, layers: 4, numLabels: 2 }],
  ['medium (V 8192, H 256, 4 layers)', { vocabSize: 8192, seqLen: 128, hidden: 256, heads: 4, ffn: 1024, layers: 4, numLabels: 2 }],
  ['BERT-base-like (V 30522, H 768, 12 layers)', { vocabSize: 30522, seqLen: 128, hidden: 768, heads: 12, ffn: 3072, layers: 12, numLabels: 2 }],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeMs(f: () => void, runs = 3): number {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  return median(t);
}

const mib = (n: number) => (n / 2 ** 20).toFixed(2);
/** Storage plans: all float; 8-bit embeddings and head; 4-bit token embedding, 8-bit rest; 2-bit token embedding. */
const plans: [string, Partial<Record<StorableMatrix, 8 | 4 | 2>>][] = [
  ['f32', {}],
  ['all 8-bit', { tokenEmbedding: 8, positionEmbedding: 8, 'pooler.weight': 8, 'classifier.weight': 8 }],
  ['tok 4-bit, rest 8', { tokenEmbedding: 4, positionEmbedding: 8, 'pooler.weight': 8, 'classifier.weight': 8 }],
  ['tok 2-bit, rest 8', { tokenEmbedding: 2, positionEmbedding: 8, 'pooler.weight': 8, 'classifier.weight': 8 }],
];
console.log(`| model | ONNX FP32 MiB | ${plans.map(([p]) => `.bmt MiB (${p}) | ratio`).join(' | ')} | decode ms (f32) | decode MB/s | CRC-32 MB/s |`);
console.log(`|---|---|${plans.map(() => '---|---|').join('')}---|---|---|`);
for (const [name, shape] of shapes) {
  const onnx = exportOnnx(randomFloatModel(shape, 1)).length;
  const sizes = plans.map(([, storage]) => encodeBmt(randomDeployModel(shape, 1, { sites: 'binary', parts: 1, storage })).length);
  const bytes = encodeBmt(randomDeployModel(shape, 1, { sites: 'binary', parts: 1 }));
  const dec = timeMs(() => decodeBmt(bytes));
  const crc = timeMs(() => crc32(bytes));
  const cells = sizes.flatMap((s) => [mib(s), `${(onnx / s).toFixed(1)}×`]);
  console.log(`| ${name} | ${mib(onnx)} | ${cells.join(' | ')} | ${dec.toFixed(0)} | ${(bytes.length / 1e3 / dec).toFixed(0)} | ${(bytes.length / 1e3 / crc).toFixed(0)} |`);
}
