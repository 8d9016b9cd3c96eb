/**
 * Memories: the on-chip weight buffer, activation buffer and FIFOs (BRAM18 or URAM), and DDR
 * (bandwidth and latency) with its DMA engine.
 */
import { ddrBytesPerCycle, ddrLatencyCycles, type Hardware } from '../hw.ts';
import type { Resources } from '../boards.ts';
import { noActions, type Actions, type Op } from '../ops.ts';

type Transfer = Extract<Op, { kind: 'transfer' }>;

/** A DDR burst: fixed latency, then bytes at the sustained bandwidth (one transfer at a time). */
export function cycles(op: Transfer, hw: Hardware): number {
  return ddrLatencyCycles(hw) + Math.ceil(op.bytes / ddrBytesPerCycle(hw));
}

export function actions(op: Transfer): Actions {
  const a = noActions();
  a.ddrByte = op.bytes;
  a.sramBit = op.bytes * 8; // written into the on-chip buffer
  return a;
}

/**
 * BRAM18 count of a depth × width memory (FINN-R / FINN bram_estimation): 1-, 2-, 4-, 9-, 18-bit aspect
 * ratios for narrow memories, 512 × 36 for wide ones.
 */
export function bram18For(depth: number, width: number): number {
  if (depth <= 0 || width <= 0) return 0;
  if (width === 1) return Math.ceil(depth / 16384);
  if (width === 2) return Math.ceil(depth / 8192);
  if (width <= 4) return Math.ceil(depth / 4096) * Math.ceil(width / 4);
  if (width <= 9) return Math.ceil(depth / 2048) * Math.ceil(width / 9);
  if (width <= 18 || depth > 512) return Math.ceil(depth / 1024) * Math.ceil(width / 18);
  return Math.ceil(depth / 512) * Math.ceil(width / 36);
}

/** URAM288 count (4096 × 72 per block, FINN uram_estimation). */
export function uramFor(depth: number, width: number): number {
  return Math.ceil(depth / 4096) * Math.ceil(width / 72);
}

/** Word width of each buffer: the weight buffer feeds PE·SIMD bits a cycle; activations and FIFOs are 64-bit [ours]. */
export function bufferShapes(hw: Hardware): { name: string; bits: number; width: number }[] {
  const kib = 8192;
  return [
    { name: 'weights', bits: hw.memory.weightBufferKiB * kib, width: hw.bmu.pe * hw.bmu.simd },
    { name: 'activations', bits: hw.memory.activationBufferKiB * kib, width: 64 },
    { name: 'fifos', bits: hw.memory.fifoKiB * kib, width: 64 },
  ];
}

/** AXI DMA engine between DDR and the buffers [ours, typical size of a 128-bit datamover]. */
const DMA: Resources = { lut: 2_500, ff: 3_500, dsp: 0, bram18: 4, uram: 0 };

export function resources(hw: Hardware): Resources {
  const r: Resources = { ...DMA };
  for (const b of bufferShapes(hw)) {
    const depth = Math.ceil(b.bits / b.width);
    if (hw.memory.ram === 'uram') r.uram += uramFor(depth, b.width);
    else r.bram18 += bram18For(depth, b.width);
  }
  return r;
}
