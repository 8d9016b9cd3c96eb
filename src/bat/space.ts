/**
 * A sampler of (workload, hardware) design points in the ranges the exploration searches: hidden 128–768
 * with head size 32 or 64, FFN 4× hidden, sequence 64–256, 1–6 layers, per-site bits 1/2/4, BMU 8–64 PE ×
 * 64–512 SIMD, buffers and DDR from edge to ZCU102 class. Seeded; used by the analytical-vs-simulator
 * test and the benchmark.
 */
import type { Rng } from '../common/rng.ts';
import { parseHardware, type Hardware } from './hw.ts';
import { workloadFromShape, type Workload } from './workload.ts';

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)];
}

export function randomDesignPoint(rng: Rng): { workload: Workload; hardware: Hardware } {
  const headDim = pick(rng, [32, 64] as const);
  const hidden = pick(rng, [128, 256, 384, 512, 768] as const);
  const heads = hidden / headDim;
  const b = (): 1 | 2 | 4 => pick(rng, [1, 1, 1, 2, 4] as const);
  const workload = workloadFromShape(
    { vocabSize: 8192, seqLen: pick(rng, [64, 128, 256] as const), hidden, heads, ffn: 4 * hidden, layers: 1 + rng.int(6), numLabels: 2 },
    { qkvIn: b(), q: 1, k: 1, v: 1, probs: 1, ctxIn: b(), ffnIn: b(), ffn2In: b() },
    { attention: pick(rng, ['softmax-binary', 'threshold', 'shift-softmax'] as const), weightParts: pick(rng, [1, 2] as const) },
  );
  const hardware = parseHardware({
    format: 'bitedge-hw', version: 1, name: 'sampled', board: 'zcu102', clockMHz: pick(rng, [100, 150, 200, 250] as const),
    bmu: { pe: pick(rng, [8, 16, 32, 64] as const), simd: pick(rng, [64, 128, 256, 512] as const), accBits: 24 },
    atu: { headsParallel: pick(rng, [1, 2, 4, 8] as const), pe: pick(rng, [8, 16, 32] as const), simd: pick(rng, [32, 64] as const) },
    sfu: { softmaxLanes: pick(rng, [16, 32, 64] as const), layernormLanes: pick(rng, [16, 32, 64] as const), thresholdLanes: pick(rng, [64, 128, 256] as const) },
    memory: {
      weightBufferKiB: pick(rng, [256, 1024, 2048, 8192] as const), activationBufferKiB: 8192, fifoKiB: pick(rng, [256, 512, 1024] as const),
      ram: 'bram', ddrBandwidthGBps: pick(rng, [4, 8, 12.8, 19.2] as const), ddrLatencyNs: pick(rng, [100, 200] as const),
    },
  });
  return { workload, hardware };
}
