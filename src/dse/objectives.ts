/**
 * The objectives and constraints of one design point. Minimised: error = 1 − validation accuracy (from a
 * real bmt training run, src/dse/trainer.ts), latency (ms per inference, BAT analytical model), energy
 * (mJ per inference, FPGA energy table). Constraints: the board's resources under FINN's utilisation
 * ceilings, and an optional latency budget; violation = Σ normalised overshoots (0 when feasible).
 */
import { evaluateDesign } from '../bat/evaluate.ts';
import { BOARDS, RESOURCE_KINDS, UTILISATION_CEILINGS, type Resources } from '../bat/boards.ts';
import type { Hardware } from '../bat/hw.ts';
import type { Workload } from '../bat/workload.ts';
import type { EngineName } from '../bat/ops.ts';

export const OBJECTIVES = [
  { name: 'error', unit: '1 − validation accuracy' },
  { name: 'latency', unit: 'ms per inference' },
  { name: 'energy', unit: 'mJ per inference (FPGA table)' },
] as const;

/**
 * A design BAT cannot run at all (e.g. a workload the compiler refuses) gets this violation on top of its
 * resource overshoot, and finite stand-in objectives, so that crowding distances stay finite [ours].
 */
export const UNRUNNABLE_VIOLATION = 10;
const UNRUNNABLE_VALUE = 1e9;

/** What the analytical model says about one (workload, hardware) pair. */
export interface HardwareMetrics {
  runs: boolean;
  fits: boolean;
  latencyMs: number;
  /** Inferences per second, one at a time (batch 1). */
  throughputPerS: number;
  gops: number;
  /** Energy per inference, mJ: FPGA table (the objective) and 45 nm ASIC table. */
  energyMJ: number;
  energyAsicMJ: number;
  gopsPerW: number;
  bottleneck: EngineName | null;
  /** Used / (budget × ceiling) per resource kind: above 1 is over the ceiling. */
  ceilingUse: Resources;
  issues: string[];
}

/** The accuracy side of a design: the trained model's scores. */
export interface AccuracyMetrics {
  /** Validation accuracy: the objective (the test split is kept for reporting); null when unknown (a hardware-only search of a model without recorded accuracy). */
  accuracy: number | null;
  testAccuracy: number | null;
  /** Validation accuracy with binary weights and activations flipped at rate 1e-3 (mean over noise seeds). */
  bitflipAccuracy: number | null;
  /** The trained model's cache key (joint scope) or file (hardware scope). */
  model: string;
}

export type DesignMetrics = HardwareMetrics & AccuracyMetrics;

export interface Constraints {
  /** Latency budget per inference, ms (absent: no latency constraint). */
  latencyBudgetMs?: number;
}

/** used / (budget · ceiling); a kind the board lacks counts 1 over per unit used (any use is a violation). */
function ceilingUse(total: Resources, board: string): Resources {
  const b = BOARDS[board].budget, out = { ...total };
  for (const k of RESOURCE_KINDS) {
    const limit = b[k] * UTILISATION_CEILINGS[k];
    out[k] = limit > 0 ? total[k] / limit : total[k] > 0 ? 1 + total[k] : 0;
  }
  return out;
}

export function hardwareMetrics(w: Workload, hw: Hardware): HardwareMetrics {
  const e = evaluateDesign(w, hw);
  const use = ceilingUse(e.resources.total, hw.board);
  const issues = e.issues.map((i) => i.message);
  if (!e.runs) {
    return {
      runs: false, fits: e.fits, latencyMs: UNRUNNABLE_VALUE, throughputPerS: 0, gops: 0, energyMJ: UNRUNNABLE_VALUE, energyAsicMJ: UNRUNNABLE_VALUE,
      gopsPerW: 0, bottleneck: null, ceilingUse: use, issues,
    };
  }
  return {
    runs: true, fits: e.fits, latencyMs: 1e3 * e.latencySeconds, throughputPerS: 1 / e.latencySeconds, gops: e.gops,
    energyMJ: 1e3 * e.energyJ.fpga, energyAsicMJ: 1e3 * e.energyJ.asic45, gopsPerW: e.gopsPerW.fpga, bottleneck: e.bottleneck, ceilingUse: use, issues,
  };
}

/** Σ_k max(0, use_k − 1) over resource kinds + max(0, latency/budget − 1) (+ UNRUNNABLE_VIOLATION). */
export function violation(h: HardwareMetrics, c: Constraints): number {
  let v = h.runs ? 0 : UNRUNNABLE_VIOLATION;
  for (const k of RESOURCE_KINDS) v += Math.max(0, h.ceilingUse[k] - 1);
  if (c.latencyBudgetMs !== undefined && h.runs) v += Math.max(0, h.latencyMs / c.latencyBudgetMs - 1);
  return v;
}

/** [1 − accuracy, latency ms, energy mJ], all minimised; an unknown accuracy counts as 0 (error 1). */
export function objectiveVector(m: DesignMetrics): number[] {
  return [1 - (m.accuracy ?? 0), m.latencyMs, m.energyMJ];
}
