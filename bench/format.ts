/**
 * .bmt file size against the FP32 ONNX file of the same architecture, for three storage plans of the float
 * matrices; what one encoder layer's bytes are made of; loader speed.
 * Random weights (sizes do not depend on values) with thresholds folded as the exporter does; the header
 * holds a BPE tokenizer trained on a synthetic corpus to the shape's vocabulary (its bytes are shown apart:
 * the ONNX file holds no tokenizer). Run: node --import tsx bench/format.ts
 * Timings are medians of a few runs on a shared 2-core machine: noisy, indicative only.
 */
import { createRng } from '../src/common/rng.ts';
import { trainTokenizer } from '../src/data/tokenizer.ts';
import { alignUp, decodeBmt, encodeBmt } from '../src/format/bmt.ts';
import { crc32 } from '../src/format/crc32.ts';
import { describeBmt, fp32PartBytes } from '../src/format/describe.ts';
import { exportOnnx } from '../src/format/onnx.ts';
import { quantizeStorage, type StoragePlan } from '../src/format/quantize.ts';
import { randomDeployModel, randomFloatModel } from '../src/format/random.ts';
import type { DeployModel, EncoderShape } from '../src/format/model.ts';
import { foldThresholds } from '../src/runtime/fold.ts';

const rng = createRng('bench-format');
const words = Array.from({ length: 4000 }, () => Array.from({ length: 2 + rng.int(8) }, () => String.fromCharCode(97 + rng.int(26))).join(''));
const corpus = Array.from({ length: 600 }, () => Array.from({ length: 30 }, () => words[rng.int(words.length)]).join(' '));

const shapes: [string, Omit<EncoderShape, 'vocabSize'>, number, boolean][] = [
  ['runtime bench (H 256, 4 layers)', { seqLen: 128, hidden: 256, heads: 4, ffn: 1024, layers: 4, numLabels: 2 }, 2048, true],
  ['default preset (H 64, 2 layers)', { seqLen: 128, hidden: 64, heads: 2, ffn: 128, layers: 2, numLabels: 2 }, 4000, true],
  ['BERT-base-like (H 768, 12 layers)', { seqLen: 128, hidden: 768, heads: 12, ffn: 3072, layers: 12, numLabels: 2 }, 30522, false],
];

/** Storage plans of the float matrices: none; 4-bit token embedding (8-bit rest); 1-bit token embedding (8-bit rest). */
const plans: [string, StoragePlan][] = [
  ['f32', {}],
  ['tok 4, rest 8', { tokenEmbedding: 4, positionEmbedding: 8, 'pooler.weight': 8, 'classifier.weight': 8 }],
  ['tok 1, rest 8', { tokenEmbedding: 1, positionEmbedding: 8, 'pooler.weight': 8, 'classifier.weight': 8 }],
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

const kib = (n: number) => (n / 1024).toFixed(1);

/** A model of `shape` as the exporter makes it: binary sites, one part, thresholds folded, a real tokenizer. */
function exportedModel(shape: EncoderShape, tokenizer: unknown): DeployModel {
  return foldThresholds({ ...randomDeployModel(shape, 'bench', { sites: 'binary', parts: 1, variants: ['softmax-binary'] }), tokenizer });
}

console.log('## .bmt against the FP32 ONNX file (KiB; ratio = ONNX / .bmt; the .bmt includes the tokenizer)\n');
console.log(`| model | vocab | ONNX FP32 | tokenizer in header | ${plans.map(([p]) => `.bmt (${p}) | ratio`).join(' | ')} | ratio (${plans[2][0]}) without tokenizer | decode ms (f32 / ${plans[2][0]}) | CRC-32 MB/s |`);
console.log(`|---|---|---|---|${plans.map(() => '---|---|').join('')}---|---|---|`);
let layerModel: DeployModel | undefined;
for (const [name, partial, vocab, withTokenizer] of shapes) {
  const tok = withTokenizer ? trainTokenizer(corpus, { vocabSize: vocab }) : undefined;
  const shape: EncoderShape = { ...partial, vocabSize: tok?.vocabSize ?? vocab };
  const tokenizerJson = tok ? tok.toJSON() : null;
  const tokenizerBytes = new TextEncoder().encode(JSON.stringify(tokenizerJson)).length;
  const onnx = exportOnnx(randomFloatModel(shape, 'bench', 'relu')).length;
  const model = exportedModel(shape, tokenizerJson);
  if (shape.hidden === 256) layerModel = model;
  const files = plans.map(([, plan]) => encodeBmt(quantizeStorage(model, plan)));
  const dec = files.map((b) => timeMs(() => decodeBmt(b)));
  const crc = timeMs(() => crc32(files[0]));
  const last = files[files.length - 1].length;
  const cells = files.flatMap((b) => [kib(b.length), `${(onnx / b.length).toFixed(1)}×`]);
  console.log(
    `| ${name} | ${shape.vocabSize} | ${kib(onnx)} | ${withTokenizer ? kib(tokenizerBytes) : 'none'} | ${cells.join(' | ')} | ${(onnx / (last - tokenizerBytes)).toFixed(1)}× | ${dec[0].toFixed(0)} / ${dec[dec.length - 1].toFixed(0)} | ${(files[0].length / 1e3 / crc).toFixed(0)} |`,
  );
}

// What weighs against the 1-bit weights: the encoder layers' bytes by kind of tensor (what `bitedge inspect` shows).
const d = describeBmt(layerModel!);
const layersFp32 = d.shape.layers * fp32PartBytes(d.shape).layer;
const stored = d.layerKinds.reduce((a, k) => a + k.bytes + k.padding, 0);
console.log(`\n## Encoder layers of the runtime bench model (H 256, FFN 1024, ${d.shape.layers} layers) by kind of tensor; FP32 ${kib(layersFp32)} KiB\n`);
console.log('| kind | tensors | dtypes | bytes | alignment padding | share of the layers |');
console.log('|---|---|---|---|---|---|');
for (const k of d.layerKinds) console.log(`| ${k.kind} | ${k.tensors} | ${k.dtypes.join(', ')} | ${k.bytes} | ${k.padding} | ${((100 * (k.bytes + k.padding)) / stored).toFixed(1)}% |`);
// Version 1 stored θ as i32 and senses as i8: the same tensors at those widths, each padded to 64 bytes.
const thresholds = d.tensors.filter((e) => /^layers\..*\.threshold\./.test(e.name));
const v1Stored = stored - thresholds.reduce((a, e) => a + alignUp(e.byteLength), 0) + thresholds.reduce((a, e) => a + alignUp(e.dims[0] * (e.name.endsWith('theta') ? 4 : 1)), 0);
const weights = d.layerKinds[0].bytes;
console.log(`| **all layer tensors** | | | ${stored} (padding included) | | ${(layersFp32 / stored).toFixed(2)}× smaller than FP32 |`);
console.log(`| the same with θ as i32, senses as i8 (version 1) | | | ${v1Stored} | | ${(layersFp32 / v1Stored).toFixed(2)}× |`);
console.log(`| binary weights alone | | | ${weights} | | ${(layersFp32 / weights).toFixed(2)}× |`);
