/**
 * ATU, the attention unit: `headsParallel` head units, each a PE × SIMD XNOR/AND-popcount array.
 * Scores Q·Kᵀ: PE keys × SIMD head-dimension bits per cycle; context P·V: PE output channels × SIMD keys.
 */
import type { Hardware } from '../hw.ts';
import type { Resources } from '../boards.ts';
import { noActions, type Actions, type Op } from '../ops.ts';
import { finnrMvauLut, mvauFf } from './bmu.ts';

type AttnOp = Extract<Op, { kind: 'scores' | 'context' }>;

/** Score accumulators: ⌈log2(d·passes)⌉ + 2 bits would do; a fixed 16 bits per lane [ours]. */
const ATU_ACC_BITS = 16;

/** Head groups × the MVAU count per head (FINN): scores ⌈T/PE⌉·⌈d/SIMD⌉·rows, context ⌈d/PE⌉·⌈T/SIMD⌉·rows. */
export function cycles(op: AttnOp, hw: Hardware): number {
  const groups = Math.ceil(op.heads / hw.atu.headsParallel);
  const [outer, inner] = op.kind === 'scores' ? [op.keys, op.headDim] : [op.headDim, op.keys];
  return groups * op.rows * Math.ceil(outer / hw.atu.pe) * Math.ceil(inner / hw.atu.simd) * op.passes;
}

export function actions(op: AttnOp, hw: Hardware): Actions {
  const a = noActions();
  a.xnorPopBit = op.heads * op.rows * op.keys * op.headDim * op.passes;
  const inner = op.kind === 'scores' ? op.headDim : op.keys;
  const outs = op.heads * op.rows * (op.kind === 'scores' ? op.keys : op.headDim);
  a.accAdd = outs * Math.ceil(inner / hw.atu.simd) * op.passes;
  const c = cycles(op, hw);
  // operand slices from the activation buffer, one per cycle per head unit; 16-bit results out
  a.sramBit = c * hw.atu.headsParallel * (hw.atu.pe * hw.atu.simd + hw.atu.simd) + outs * ATU_ACC_BITS;
  if (op.kind === 'context') a.fpMac = outs; // α_p · α_v scale of the context
  return a;
}

export function resources(hw: Hardware): Resources {
  const { headsParallel: hp, pe, simd } = hw.atu;
  return {
    lut: Math.round(hp * finnrMvauLut(pe, simd, ATU_ACC_BITS)),
    ff: hp * mvauFf(pe, simd, ATU_ACC_BITS),
    dsp: hp * pe, // context scale, one DSP per output lane [ours]
    bram18: 0,
    uram: 0,
  };
}
