/**
 * The BAT report: latency, throughput (GOPS, convention stated), GOPS/W, energy per inference (FPGA and
 * 45 nm ASIC tables), utilisation per engine, the bottleneck, the pipeline phases, resources against the
 * board, the analytical model's agreement, and BAT next to the published accelerators. Plain data (JSON);
 * html.ts and timeline.ts draw it.
 */
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../common/atomic.ts';
import type { Hardware } from '../bat/hw.ts';
import type { Schedule } from '../bat/compiler.ts';
import type { SimResult, EngineCycles, PhaseTiming } from '../bat/sim.ts';
import type { Estimate } from '../bat/analytical.ts';
import { ENGINES, type EngineName } from '../bat/ops.ts';
import { budgetIssues, resourceReport, type ResourceReport } from '../bat/resources.ts';
import type { Issue } from '../common/errors.ts';
import { ENERGY_TABLES, energyReport, type EnergyReport } from '../bat/energy.ts';
import { BOARDS } from '../bat/boards.ts';
import { PAPER_CLAIM, PUBLISHED } from './baselines.ts';
import { timelineSvg } from './timeline.ts';
import { reportHtml } from './html.ts';

export const OPS_CONVENTION = 'an M×K by K×N matrix product counts 2·M·N·K ops whatever the precision (one multiply and one add per MAC), as accelerator papers count; LayerNorm, softmax and thresholds are not counted';

export interface ComparisonRow {
  design: string;
  platform: string;
  workload: string;
  gops: number | null;
  gopsPerW: number | null;
  other: string | null;
  /** 'published figure' for the others, 'bitedge model estimate' for ours. */
  kind: 'published figure' | 'bitedge model estimate';
  source: string;
}

export interface BatReport {
  format: 'bitedge-bat-report';
  version: 1;
  hardware: Hardware;
  workload: Schedule['workload'];
  mapping: Pick<Schedule, 'placement' | 'blockTokens' | 'blocks' | 'fifoDepthBlocks' | 'layerWeightBytes' | 'activationBytes'>;
  latency: { cycles: number; seconds: number; clockMHz: number };
  throughput: { ops: number; gops: number; inferencesPerSecond: number; convention: string };
  energy: Record<string, EnergyReport & { gopsPerW: number; joulesPerInference: number }>;
  engines: Record<EngineName, EngineCycles & { utilisation: number }>;
  bottleneck: { engine: EngineName; busyFraction: number; explanation: string };
  pipeline: PhaseTiming[];
  resources: ResourceReport & { overBudget: Issue[] };
  analytical: { cycles: number; relativeError: number } | null;
  comparison: ComparisonRow[];
  paperClaim: string;
  functional: { logits: number[]; label: string | null; equalsReferenceForward: boolean | null } | null;
}

export interface ReportInputs {
  hardware: Hardware;
  schedule: Schedule;
  sim: SimResult;
  estimate?: Estimate;
  functional?: BatReport['functional'];
}

function bottleneckOf(sim: SimResult, s: Schedule): BatReport['bottleneck'] {
  let best: EngineName = 'bmu';
  for (const e of ENGINES) if (sim.engines[e].busy > sim.engines[best].busy) best = e;
  const c = sim.engines[best], frac = c.busy / sim.cycles;
  const mem = ENGINES.reduce((s, e) => s + sim.engines[e].stallMemory, 0);
  const ddrWhat = s.placement === 'streamed' ? 'weights streamed from DDR for every block'
    : s.placement === 'layer-double-buffered' ? 'per-layer weight loads, embedding rows and the float head from DDR'
    : 'embedding rows and the float head\'s weights from DDR (the encoder weights are resident)';
  const why = best === 'ddr'
    ? `${ddrWhat} dominate: more bandwidth${s.placement === 'resident' ? '' : ' or on-chip weight buffer'} would help`
    : mem > 0.2 * sim.cycles
      ? `engines wait on DDR for ${(100 * mem / sim.cycles / ENGINES.length).toFixed(0)}% of the time on average`
      : `${best} has the most work; more ${best === 'bmu' ? 'PE × SIMD' : best === 'atu' ? 'heads in parallel / PE' : 'lanes'} would shorten the steady state`;
  return { engine: best, busyFraction: frac, explanation: `${best} busy ${(100 * frac).toFixed(1)}% of the inference; ${why}` };
}

export function buildReport(inp: ReportInputs): BatReport {
  const { hardware: hw, schedule: s, sim } = inp;
  const resources = resourceReport(hw);
  const gops = sim.ops / sim.latencySeconds / 1e9;
  const energy: BatReport['energy'] = {};
  for (const [key, table] of Object.entries(ENERGY_TABLES)) {
    const e = energyReport(sim.actions, sim.cycles, hw.clockMHz, resources.total, table, BOARDS[hw.board]);
    energy[key] = { ...e, joulesPerInference: e.totalJ, gopsPerW: sim.ops / 1e9 / e.totalJ };
  }
  const engines = {} as BatReport['engines'];
  for (const e of ENGINES) engines[e] = { ...sim.engines[e], utilisation: sim.engines[e].busy / sim.cycles };
  const w = s.workload.shape;
  const ours: ComparisonRow = {
    design: `BAT, this instance (${hw.name})`, platform: `${hw.board}, ${hw.clockMHz} MHz`,
    workload: `${w.layers}×${w.hidden} encoder, ${w.heads} heads, FFN ${w.ffn}, seq ${w.seqLen}, ${s.workload.weightParts} weight part(s)`,
    gops, gopsPerW: energy.fpga.gopsPerW, other: `${(1 / sim.latencySeconds).toFixed(1)} inferences/s`,
    kind: 'bitedge model estimate', source: 'bitedge cycle-level simulator, FPGA energy table (docs/bat.md)',
  };
  const comparison: ComparisonRow[] = [ours, ...PUBLISHED.map((p): ComparisonRow => ({
    design: p.design, platform: p.platform, workload: p.workload, gops: p.gops ?? null, gopsPerW: p.gopsPerW ?? null,
    other: p.other ?? null, kind: 'published figure', source: p.source,
  }))];
  return {
    format: 'bitedge-bat-report', version: 1, hardware: hw, workload: s.workload,
    mapping: { placement: s.placement, blockTokens: s.blockTokens, blocks: s.blocks, fifoDepthBlocks: s.fifoDepthBlocks, layerWeightBytes: s.layerWeightBytes, activationBytes: s.activationBytes },
    latency: { cycles: sim.cycles, seconds: sim.latencySeconds, clockMHz: hw.clockMHz },
    throughput: { ops: sim.ops, gops, inferencesPerSecond: 1 / sim.latencySeconds, convention: OPS_CONVENTION },
    energy, engines, bottleneck: bottleneckOf(sim, s), pipeline: sim.phases, resources: { ...resources, overBudget: budgetIssues(resources) },
    analytical: inp.estimate ? { cycles: inp.estimate.cycles, relativeError: (inp.estimate.cycles - sim.cycles) / sim.cycles } : null,
    comparison, paperClaim: PAPER_CLAIM, functional: inp.functional ?? null,
  };
}

/** report.json, timeline.svg and report.html into `dir`, each written atomically. */
export function writeReport(dir: string, report: BatReport, sim: SimResult): string[] {
  const svg = timelineSvg(sim, { title: `BAT ${report.hardware.name}: ${report.comparison[0].workload}` });
  const files = [join(dir, 'report.json'), join(dir, 'timeline.svg'), join(dir, 'report.html')];
  writeJsonAtomic(files[0], report);
  writeFileAtomic(files[1], svg);
  writeFileAtomic(files[2], reportHtml(report, svg));
  return files;
}
