/**
 * SFU, the special function units, three lane arrays running as separate pipeline engines:
 * softmax (exp look-up table, or compare-only for thresholded attention, or base-2 shift),
 * LayerNorm (residual add, mean/variance, normalize; its multiply-accumulators also run the float head),
 * thresholding (per-channel compare: binarization, or k-bit requantization one compare per bit).
 */
import type { Hardware } from '../hw.ts';
import { addResources, type Resources } from '../boards.ts';
import { noActions, type Actions, type Op } from '../ops.ts';

type SfuOp = Extract<Op, { kind: 'softmax' | 'layernorm' | 'threshold' | 'dense' }>;

/** Passes over a score row: max+exp+sum, then normalize+binarize; thresholded attention compares once [ours]. */
export function softmaxPasses(variant: Extract<Op, { kind: 'softmax' }>['variant']): number {
  return variant === 'threshold' ? 1 : 2;
}

/** LayerNorm passes over a row: residual add + Σx + Σx², then (x − μ)·rstd·γ + β [ours]. */
export const LAYERNORM_PASSES = 2;

/** Cycles: passes · ⌈elements / lanes⌉ (lanes fully pipelined, one element per lane per cycle). */
export function cycles(op: SfuOp, hw: Hardware): number {
  switch (op.kind) {
    case 'softmax':
      return softmaxPasses(op.variant) * Math.ceil((op.rows * op.keys * op.heads) / hw.sfu.softmaxLanes);
    case 'layernorm':
      return LAYERNORM_PASSES * Math.ceil((op.rows * op.width) / hw.sfu.layernormLanes);
    case 'threshold':
      return op.bits * Math.ceil((op.rows * op.width) / hw.sfu.thresholdLanes);
    case 'dense':
      return Math.ceil((op.rows * op.k * op.n) / hw.sfu.layernormLanes);
  }
}

export function actions(op: SfuOp): Actions {
  const a = noActions();
  switch (op.kind) {
    case 'softmax': {
      const e = op.rows * op.keys * op.heads;
      if (op.variant === 'softmax-binary') a.exp = e;
      if (op.variant === 'shift-softmax') a.fpAdd += e; // 2^x: a shift and an add of the fraction
      if (op.variant !== 'threshold') { a.fpAdd += 2 * e; a.fpMac = e; } // max, sum; normalize
      a.compare = e;
      a.sramBit = e * (16 + 1); // 16-bit score in, one probability bit out
      return a;
    }
    case 'layernorm': {
      const e = op.rows * op.width;
      a.fpAdd = e * (op.residual ? 3 : 2);
      a.fpMac = e * 3; // x², (x − μ)·rstd, ·γ + β
      a.sramBit = e * 32 * (op.residual ? 3 : 2);
      return a;
    }
    case 'threshold': {
      const e = op.rows * op.width;
      a.compare = e * op.bits;
      a.sramBit = e * (32 + op.bits);
      return a;
    }
    case 'dense': {
      a.fpMac = op.rows * op.k * op.n;
      a.sramBit = op.rows * op.k * op.n * 32;
      return a;
    }
  }
}

/** Lane and shared-unit costs [ours, order-of-magnitude figures for 32-bit fixed-point datapaths]. */
const SOFTMAX_LANE: Resources = { lut: 120, ff: 150, dsp: 1, bram18: 0, uram: 0 }; // exp table (LUTRAM) + multiply
const SOFTMAX_SHARED: Resources = { lut: 400, ff: 500, dsp: 2, bram18: 0, uram: 0 }; // reciprocal of the row sum
const LAYERNORM_LANE: Resources = { lut: 150, ff: 200, dsp: 2, bram18: 0, uram: 0 }; // x², scale·γ
const LAYERNORM_SHARED: Resources = { lut: 600, ff: 800, dsp: 4, bram18: 0, uram: 0 }; // 1/√(var + ε)

/** One threshold lane: an accBits-wide comparator and its output register (FINN's comp_luts = acc_bits). */
function thresholdLane(hw: Hardware): Resources {
  return { lut: hw.bmu.accBits + 4, ff: hw.bmu.accBits + 1, dsp: 0, bram18: 0, uram: 0 };
}

function times(r: Resources, n: number): Resources {
  return { lut: r.lut * n, ff: r.ff * n, dsp: r.dsp * n, bram18: r.bram18 * n, uram: r.uram * n };
}

export function resources(hw: Hardware): Resources {
  return addResources(
    times(SOFTMAX_LANE, hw.sfu.softmaxLanes), SOFTMAX_SHARED,
    times(LAYERNORM_LANE, hw.sfu.layernormLanes), LAYERNORM_SHARED,
    times(thresholdLane(hw), hw.sfu.thresholdLanes),
  );
}
