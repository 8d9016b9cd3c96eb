/**
 * What dropout costs the FP32 stage: the default preset's training step on SpamAssassin, with dropout 0 and 0.1
 * alternating in one process (so both see the same machine), printed as a table of ms per step.
 *
 *   node --import tsx bench/dropout-cost.ts [--steps 30] [--rounds 2]
 */
import { parseArgs } from 'node:util';
import { initEngine, prepareData, resolvePreset, trainStage, initParams, FP32 } from '../src/bmt/index.ts';
import { createRng } from '../src/common/rng.ts';

const { values: v } = parseArgs({ strict: true, options: { steps: { type: 'string', default: '30' }, rounds: { type: 'string', default: '2' } } });
const steps = Number(v.steps), rounds = Number(v.rounds);
await initEngine('wasm');
const base = resolvePreset('default');
const prep = prepareData({ dataset: 'spamassassin', seed: 1 }, base);
const train = { ...prep.data.train, n: Math.min(prep.data.train.n, steps * base.train.batchSize) };
console.log(`default preset, batch ${base.train.batchSize} × ${base.seqLen} tokens, ${steps} steps per cell\n`);
console.log('| round | dropout 0 ms/step | dropout 0.1 ms/step | ratio |');
console.log('|---|---|---|---|');
for (let r = 1; r <= rounds; r++) {
  const ms = [0, 0.1].map((rate) => {
    const c = { ...base, train: { ...base.train, dropout: rate } };
    const t0 = performance.now();
    trainStage({ stage: 'fp32', config: c, variant: FP32, labels: prep.data.labels, params: initParams(c, FP32, 2, createRng(1)), train, epochs: 1, lr: 2e-3, quiet: true });
    return (performance.now() - t0) / Math.ceil(train.n / base.train.batchSize);
  });
  console.log(`| ${r} | ${ms[0].toFixed(0)} | ${ms[1].toFixed(0)} | ${(ms[1] / ms[0]).toFixed(2)} |`);
}
