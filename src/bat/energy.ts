/**
 * Power and energy (Accelergy's habit): energy = Σ action counts × energy per action, plus static power ×
 * latency, plus for FPGAs a clock/idle term per resource per cycle. FPGA and 45 nm ASIC are two TABLES
 * of the same model, not two code paths. Every coefficient's source or derivation is in docs/bat.md.
 */
import type { Board, Resources } from './boards.ts';
import { ACTION_KINDS, type Actions } from './ops.ts';

export interface EnergyTable {
  name: string;
  /** pJ per action. */
  pJ: Actions;
  /** Static (leakage) power, W; `board`: the board's programmable-logic static power (boards.ts). */
  staticW: number | 'board';
  /** Clock-tree and idle dynamic energy per resource per cycle, pJ (FPGA: resources toggle with the clock). */
  pJPerResourceCycle: Resources;
  source: string;
}

/** Horowitz (ISSCC 2014) 45 nm energies; XNOR-popcount per bit derived from the 8-bit add (docs/bat.md). */
export const ASIC_45NM: EnergyTable = {
  name: 'asic-45nm',
  pJ: {
    // 0.03 pJ per 8-bit add → 0.00375 pJ per full adder; popcount of K bits ≈ K full adders, XNOR ≈ 0.5 FA
    xnorPopBit: 0.03 / 8 * 1.5,
    accAdd: 0.1, // 32-bit add (accumulators are ≤ 32 bits)
    fpMac: 3.7 + 0.9, // fp32 multiply + add
    fpAdd: 0.9,
    exp: 2 * (3.7 + 0.9), // table value + one interpolation MAC ≈ two fp32 MACs [ours]
    compare: 0.1, // a compare is a 32-bit subtract
    sramBit: 10 / 64, // 8 KB SRAM, 64-bit access ≈ 10 pJ
    ddrByte: 1950 / 8, // DRAM 64-bit access 1.3–2.6 nJ, midpoint 1.95 nJ per 8 bytes
  },
  staticW: 0,
  pJPerResourceCycle: { lut: 0, ff: 0, dsp: 0, bram18: 0, uram: 0 },
  source: 'Horowitz, "Computing\'s energy problem", ISSCC 2014 (45 nm), as tabulated in baselines.md',
};

/**
 * FPGA (UltraScale+ class, 16 nm) [ours: order-of-magnitude coefficients, not measured on a board].
 * Per-action energies are the LUT/DSP/BRAM toggles an action causes × energy per toggle; the clock term
 * charges every placed resource each cycle at a low activity.
 */
export const FPGA_ULTRASCALE: EnergyTable = {
  name: 'fpga-ultrascale+',
  pJ: {
    xnorPopBit: 3 * 0.05, // FINN-R: ≈ 3 LUTs per bit lane (2 multiply + ~1 adder tree), 0.05 pJ per LUT toggle
    accAdd: 24 * 0.05, // one LUT per accumulator bit
    fpMac: 6, // one DSP48E2 MAC ≈ 4 pJ plus routing
    fpAdd: 2,
    exp: 8,
    compare: 24 * 0.05,
    sramBit: 0.25, // BRAM18 read ≈ 9 pJ per 36-bit port access
    ddrByte: 1950 / 8, // same DRAM access energy as the ASIC table (Horowitz), DDR4 PHY not included
  },
  staticW: 'board', // PL static power of the device (boards.ts, power-estimator order of magnitude)
  pJPerResourceCycle: { lut: 0.002, ff: 0.004, dsp: 0.05, bram18: 0.2, uram: 0.5 },
  source: 'ours, order-of-magnitude UltraScale+ figures (docs/bat.md); DRAM from Horowitz ISSCC 2014',
};

export const ENERGY_TABLES: Record<string, EnergyTable> = { fpga: FPGA_ULTRASCALE, asic45: ASIC_45NM };

export interface EnergyReport {
  table: string;
  /** Energy per action kind, J. */
  byAction: Actions;
  /** Clock/idle energy, J. */
  clockJ: number;
  /** Static energy over the latency, J. */
  staticJ: number;
  totalJ: number;
  /** Average power over the inference, W. */
  averageW: number;
}

export function energyReport(actions: Actions, cycles: number, clockMHz: number, resources: Resources, table: EnergyTable, board: Board): EnergyReport {
  const seconds = cycles / (clockMHz * 1e6);
  const byAction = { ...actions };
  let dyn = 0;
  for (const k of ACTION_KINDS) { byAction[k] = actions[k] * table.pJ[k] * 1e-12; dyn += byAction[k]; }
  let perCycle = 0;
  for (const k of Object.keys(resources) as (keyof Resources)[]) perCycle += resources[k] * table.pJPerResourceCycle[k];
  const clockJ = perCycle * cycles * 1e-12;
  const staticJ = (table.staticW === 'board' ? board.plStaticW : table.staticW) * seconds;
  const totalJ = dyn + clockJ + staticJ;
  return { table: table.name, byAction, clockJ, staticJ, totalJ, averageW: totalJ / seconds };
}
