/**
 * Training throughput of the FP32 model (forward + backward + Adam update), bitedge (tfjs-wasm) vs PyTorch CPU
 * (Debian python3-torch, same shape, batch, sequence length and thread count), side by side in one run, plus
 * peak memory (process RSS). Also the engine decision: the same bitedge step on the tfjs cpu backend, and the
 * plain-TypeScript matMul rate that bounds a hand-written autograd.
 *
 *   node --import tsx bench/train-speed.ts [--steps 5] [--shapes default,small] [--no-cpu-backend]
 * The machine is shared; numbers are medians of --steps timed steps after one warm-up step.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initEngine, type EngineBackend } from '../src/bmt/engine.ts';
import { resolvePreset } from '../src/bmt/presets.ts';
import { FP32, initParams } from '../src/bmt/model.ts';
import { trainStage } from '../src/bmt/train.ts';
import { createRng } from '../src/common/rng.ts';
import type { BmtConfigInput } from '../src/bmt/config.ts';

const { values: v } = parseArgs({ strict: true, options: { steps: { type: 'string', default: '5' }, shapes: { type: 'string', default: 'default,bert-small' }, 'no-cpu-backend': { type: 'boolean', default: false } } });
const steps = Number(v.steps);
const SHAPES: Record<string, Partial<BmtConfigInput>> = {
  default: {},
  'bert-small': { layers: 4, hidden: 256, heads: 4, ffn: 1024, seqLen: 128 }, // the baselines.md training shape
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const mb = () => process.resourceUsage().maxRSS / 1024;

function bitedgeStep(shape: Partial<BmtConfigInput>, n: number): { stepSeconds: number; B: number; T: number; c: ReturnType<typeof resolvePreset> } {
  const c = resolvePreset('default', { ...shape, train: { batchSize: 32 } });
  const B = c.train.batchSize, T = c.seqLen;
  const r = createRng(1);
  const split = { ids: Int32Array.from({ length: B * T }, () => 3 + r.int(c.vocabSize - 3)), mask: new Uint8Array(B * T).fill(1), labels: Int32Array.from({ length: B }, () => r.int(2)), n: B, seqLen: T };
  let params = initParams(c, FP32, 2, createRng(2));
  const times: number[] = [];
  for (let i = 0; i <= n; i++) {
    const t0 = performance.now();
    params = trainStage({ stage: 'bench', config: c, variant: FP32, labels: ['a', 'b'], params, train: split, epochs: 1, lr: 1e-3, quiet: true }).params;
    if (i > 0) times.push((performance.now() - t0) / 1000);
  }
  return { stepSeconds: median(times), B, T, c };
}

function plainTsMatMulGflops(): number {
  const N = 256, a = new Float32Array(N * N).fill(0.5), b = new Float32Array(N * N).fill(0.25), out = new Float32Array(N * N);
  const t0 = performance.now();
  for (let rep = 0; rep < 3; rep++)
    for (let i = 0; i < N; i++) for (let k = 0; k < N; k++) { const x = a[i * N + k]; for (let j = 0; j < N; j++) out[i * N + j] += x * b[k * N + j]; }
  return (3 * 2 * N ** 3) / ((performance.now() - t0) / 1000) / 1e9;
}

const rows: string[] = [];
const engineRows: string[] = [];
for (const name of v.shapes!.split(',')) {
  await initEngine('wasm');
  const ours = bitedgeStep(SHAPES[name], steps);
  const rssOurs = mb();
  const c = ours.c;
  const py = fileURLToPath(new URL('./train_speed_torch.py', import.meta.url));
  const arg = JSON.stringify({ layers: c.layers, hidden: c.hidden, heads: c.heads, ffn: c.ffn, seqLen: c.seqLen, vocab: c.vocabSize, batch: ours.B, threads: 2, warmup: 1, steps });
  let torch: { stepSeconds: number; tokensPerSecond: number; peakRssMB: number; torch: string } | null = null;
  try { torch = JSON.parse(execFileSync('/usr/bin/python3', [py, arg], { encoding: 'utf8' }).trim().split('\n').pop()!); } catch (e) { process.stderr.write(`PyTorch run failed: ${(e as Error).message}\n`); }
  const tokOurs = (ours.B * ours.T) / ours.stepSeconds;
  const shape = `${c.layers}×${c.hidden}, ${c.heads} heads, FFN ${c.ffn}, B ${ours.B} × T ${ours.T}`;
  rows.push(`| ${shape} | ${tokOurs.toFixed(0)} | ${torch ? torch.tokensPerSecond.toFixed(0) : 'n/a'} | ${torch ? (tokOurs / torch.tokensPerSecond).toFixed(2) + '×' : 'n/a'} | ${rssOurs.toFixed(0)} | ${torch ? torch.peakRssMB.toFixed(0) : 'n/a'} |`);
  if (!v['no-cpu-backend'] && name === 'default') {
    await initEngine('cpu' as EngineBackend);
    const cpu = bitedgeStep(SHAPES[name], 1);
    engineRows.push(`| tfjs wasm (SIMD, 1 thread) | ${(ours.stepSeconds * 1000).toFixed(0)} | 1.00× |`, `| tfjs cpu (plain JS kernels) | ${(cpu.stepSeconds * 1000).toFixed(0)} | ${(cpu.stepSeconds / ours.stepSeconds).toFixed(1)}× slower |`);
    await initEngine('wasm');
  }
}
process.stdout.write(`## FP32 training throughput (forward + backward + Adam), bitedge vs PyTorch ${''}CPU, 2 threads\n\n`);
process.stdout.write('| shape | bitedge tokens/s | PyTorch tokens/s | ratio | bitedge peak RSS MB | PyTorch peak RSS MB |\n|---|---|---|---|---|---|\n' + rows.join('\n') + '\n');
if (engineRows.length) {
  process.stdout.write('\n## Engine decision: one FP32 training step of the default model\n\n| engine | step ms | vs wasm |\n|---|---|---|\n' + engineRows.join('\n') + '\n');
  process.stdout.write(`\nPlain-TypeScript matMul (the ceiling of a hand-written autograd without wasm kernels): ${plainTsMatMulGflops().toFixed(2)} GFLOP/s.\n`);
}
process.stdout.write('\nMedians of timed steps after one warm-up; the 2-core machine is shared with other jobs, so both sides are noisy.\n');
