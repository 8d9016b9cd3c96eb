/**
 * BMU, the binary matrix unit: PE × SIMD XNOR-popcount lanes, adder trees, accumulators and a per-PE
 * output unit (per-channel scale and bias). k-bit activations take k bit-serial passes (BETA).
 */
import type { Hardware } from '../hw.ts';
import type { Resources } from '../boards.ts';
import { noActions, type Actions, type Op } from '../ops.ts';

type MatMul = Extract<Op, { kind: 'matmul' }>;

/** FINN MVAU cycle count with passes: ⌈N/PE⌉·⌈K/SIMD⌉·M·passes·parts (matrixvectoractivation.py). */
export function cycles(op: MatMul, hw: Hardware): number {
  return Math.ceil(op.n / hw.bmu.pe) * Math.ceil(op.k / hw.bmu.simd) * op.rows * op.passes * op.parts;
}

/** Lanes idle because N or K does not divide by PE or SIMD: padded / real work. */
export function paddingFactor(op: MatMul, hw: Hardware): number {
  const padded = Math.ceil(op.n / hw.bmu.pe) * hw.bmu.pe * Math.ceil(op.k / hw.bmu.simd) * hw.bmu.simd;
  return padded / (op.n * op.k);
}

export function actions(op: MatMul, hw: Hardware): Actions {
  const a = noActions();
  const real = op.rows * op.n * op.k * op.passes * op.parts;
  a.xnorPopBit = real;
  a.accAdd = op.rows * op.n * Math.ceil(op.k / hw.bmu.simd) * op.passes * op.parts;
  a.fpMac = op.rows * op.n * op.parts; // output unit: scale_p · dot_p, then + bias
  const c = cycles(op, hw);
  // weights: PE·SIMD bits per cycle; activations: one SIMD slice per cycle; outputs: 32-bit words to the FIFO
  a.sramBit = c * hw.bmu.pe * hw.bmu.simd + c * hw.bmu.simd + op.rows * op.n * 32;
  return a;
}

/** Per-PE multiply and add LUTs of the FINN-R estimate, W = A = 1 (one bit plane per pass). */
export function finnrMvauLut(pe: number, simd: number, accBits: number): number {
  const W = 1, A = 1;
  const mult = simd * (2 * Math.ceil((W + A) / 6) - 1) * (W + A); // FINN-R: LUTs of SIMD (W×A)-bit products
  const adderTree = (W + A) * (2 * simd - 1); // FINN-R: adder tree
  return 300 + 1.1 * pe * (mult + adderTree + accBits); // FINN-R constants c0 = 300, c1 = 1.1
}

/** Pipeline registers of a PE × SIMD array [ours]: input slice, a register per adder-tree level, accumulator. */
export function mvauFf(pe: number, simd: number, accBits: number): number {
  return simd + pe * (simd + accBits * (Math.ceil(Math.log2(simd)) + 1));
}

/** Output unit per PE [ours]: one DSP48 for scale × dot and ~60 LUT / 100 FF of float add and control. */
const OUTPUT_UNIT = { lut: 60, ff: 100, dsp: 1 };

export function resources(hw: Hardware): Resources {
  const { pe, simd, accBits } = hw.bmu;
  return {
    lut: Math.round(finnrMvauLut(pe, simd, accBits)) + pe * OUTPUT_UNIT.lut,
    ff: mvauFf(pe, simd, accBits) + pe * OUTPUT_UNIT.ff,
    dsp: pe * OUTPUT_UNIT.dsp,
    bram18: 0,
    uram: 0,
  };
}
