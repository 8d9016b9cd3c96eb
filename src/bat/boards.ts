/**
 * FPGA boards: resource budget, DDR peak bandwidth, and the utilisation ceilings for timing closure.
 * ZCU102 figures are in ../shared/spec/baselines.md; the others are from the vendors' Zynq UltraScale+
 * product tables (device totals), marked [ours] in docs/bat.md because baselines.md does not give them.
 */

export interface Resources {
  lut: number;
  ff: number;
  dsp: number;
  bram18: number;
  uram: number;
}

export interface Board {
  name: string;
  part: string;
  budget: Resources;
  /** Peak DDR bandwidth of the board's memory interface, GB/s. */
  ddrPeakGBps: number;
  /** Static power of the programmable logic at 25 °C, W [ours: power-estimator order of magnitude, ∝ device size]. */
  plStaticW: number;
  source: string;
}

/** FINN's default utilisation ceilings (LUT 0.7, FF 0.5, BRAM 0.8, DSP 0.8); URAM 0.8 is ours. */
export const UTILISATION_CEILINGS: Resources = { lut: 0.7, ff: 0.5, dsp: 0.8, bram18: 0.8, uram: 0.8 };

export const BOARDS: Record<string, Board> = {
  zcu102: {
    name: 'zcu102', part: 'XCZU9EG-2',
    budget: { lut: 274_080, ff: 548_160, dsp: 2_520, bram18: 1_824, uram: 0 },
    ddrPeakGBps: 19.2, plStaticW: 0.6, source: 'baselines.md (PS DDR4 64-bit, 2400 MT/s)',
  },
  kv260: {
    name: 'kv260', part: 'XCK26',
    budget: { lut: 117_120, ff: 234_240, dsp: 1_248, bram18: 288, uram: 64 },
    ddrPeakGBps: 19.2, plStaticW: 0.35, source: 'vendor product table (K26 SOM), DDR4 64-bit 2400 MT/s [ours]',
  },
  ultra96: {
    name: 'ultra96', part: 'XCZU3EG',
    budget: { lut: 70_560, ff: 141_120, dsp: 360, bram18: 432, uram: 0 },
    ddrPeakGBps: 8.5, plStaticW: 0.25, source: 'vendor product table (ZU3EG), LPDDR4 32-bit 2133 MT/s [ours]',
  },
};

export const RESOURCE_KINDS = ['lut', 'ff', 'dsp', 'bram18', 'uram'] as const;

export function addResources(...rs: Resources[]): Resources {
  const out: Resources = { lut: 0, ff: 0, dsp: 0, bram18: 0, uram: 0 };
  for (const r of rs) for (const k of RESOURCE_KINDS) out[k] += r[k];
  return out;
}
