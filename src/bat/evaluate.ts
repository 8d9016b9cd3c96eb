/**
 * One call for the design space exploration: the analytical latency, energy (both tables), resources and
 * whether the design fits its board, for a (workload, hardware) pair. No task graph, no weights.
 */
import { BitedgeError, type Issue } from '../common/errors.ts';
import type { Hardware } from './hw.ts';
import type { Workload } from './workload.ts';
import type { CompileOptions } from './compiler.ts';
import { estimate } from './analytical.ts';
import { budgetIssues, resourceReport, type ResourceReport } from './resources.ts';
import { ASIC_45NM, FPGA_ULTRASCALE, energyReport } from './energy.ts';
import type { EngineName } from './ops.ts';
import { BOARDS } from './boards.ts';

export interface DesignEvaluation {
  /** False when the workload cannot run on the hardware at all (`issues` says why). */
  runs: boolean;
  /** Resources within the board budget × ceilings. */
  fits: boolean;
  issues: Issue[];
  latencySeconds: number;
  cycles: number;
  gops: number;
  /** Energy per inference, J, FPGA table and 45 nm ASIC table. */
  energyJ: { fpga: number; asic45: number };
  gopsPerW: { fpga: number; asic45: number };
  bottleneck: EngineName | null;
  resources: ResourceReport;
}

export function evaluateDesign(w: Workload, hw: Hardware, opts: CompileOptions = {}): DesignEvaluation {
  const resources = resourceReport(hw);
  const budget = budgetIssues(resources);
  let e;
  try {
    e = estimate(w, hw, opts);
  } catch (err) {
    if (!(err instanceof BitedgeError)) throw err;
    return {
      runs: false, fits: budget.length === 0, issues: [...err.issues, ...budget], latencySeconds: Infinity, cycles: Infinity, gops: 0,
      energyJ: { fpga: Infinity, asic45: Infinity }, gopsPerW: { fpga: 0, asic45: 0 }, bottleneck: null, resources,
    };
  }
  const fpga = energyReport(e.actions, e.cycles, hw.clockMHz, resources.total, FPGA_ULTRASCALE, BOARDS[hw.board]).totalJ;
  const asic45 = energyReport(e.actions, e.cycles, hw.clockMHz, resources.total, ASIC_45NM, BOARDS[hw.board]).totalJ;
  const gop = e.ops / 1e9;
  return {
    runs: true, fits: budget.length === 0, issues: budget, latencySeconds: e.latencySeconds, cycles: e.cycles,
    gops: gop / e.latencySeconds, energyJ: { fpga, asic45 }, gopsPerW: { fpga: gop / fpga, asic45: gop / asic45 },
    bottleneck: e.bottleneck, resources,
  };
}
