/**
 * What a search leaves in its folder: the Pareto front (front.json, front.csv), every evaluation
 * (evaluations.csv), the scatter plots (pareto-latency.svg, pareto-energy.svg: accuracy against each; latency-energy.svg), and the chosen design's
 * hardware description and full BAT report (chosen/: report.json, report.html, timeline.svg), all written atomically.
 */
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../common/atomic.ts';
import { RESOURCE_KINDS } from '../bat/boards.ts';
import type { Hardware } from '../bat/hw.ts';
import { workloadFromModel, type Workload } from '../bat/workload.ts';
import { compile } from '../bat/compiler.ts';
import { simulate } from '../bat/sim.ts';
import { createDatapath } from '../bat/datapath.ts';
import { estimateSchedule } from '../bat/analytical.ts';
import { buildReport, writeReport, type BatReport } from '../report/report.ts';
import { readBmtFile } from '../format/file.ts';
import type { DeployModel } from '../format/model.ts';
import { referenceForward } from '../runtime/reference/forward.ts';
import { classification, modelTokenizer } from '../runtime/classify.ts';
import { OBJECTIVES } from './objectives.ts';
import { chooseDesign, paretoOf, type ChoiceRule } from './front.ts';
import { scatterSvg, type PlotPoint } from './plots.ts';
import { HARDWARE_FIELDS, MODEL_FIELDS, geneNames, type Scope, type Space } from './space.ts';
import type { EvaluatedPoint, ExploreResult } from './explore.ts';

export interface FrontDocument {
  format: 'bitedge-front';
  version: 1;
  scope: Scope;
  objectives: typeof OBJECTIVES;
  constraints: { latencyBudgetMs: number | null; utilisationCeilings: 'FINN defaults (LUT 0.7, FF 0.5, BRAM 0.8, DSP 0.8, URAM 0.8)' };
  rule: ChoiceRule;
  chosen: EvaluatedPoint | null;
  front: EvaluatedPoint[];
  counts: { evaluated: number; feasible: number; front: number };
  stats: ExploreResult['stats'];
}

const hwFlat = (h: Hardware): Record<string, unknown> => ({
  board: h.board, clockMHz: h.clockMHz, bmuPe: h.bmu.pe, bmuSimd: h.bmu.simd, accBits: h.bmu.accBits,
  atuHeadsParallel: h.atu.headsParallel, atuPe: h.atu.pe, atuSimd: h.atu.simd,
  softmaxLanes: h.sfu.softmaxLanes, layernormLanes: h.sfu.layernormLanes, thresholdLanes: h.sfu.thresholdLanes,
  weightBufferKiB: h.memory.weightBufferKiB, activationBufferKiB: h.memory.activationBufferKiB, fifoKiB: h.memory.fifoKiB,
  ram: h.memory.ram, ddrBandwidthGBps: h.memory.ddrBandwidthGBps, ddrLatencyNs: h.memory.ddrLatencyNs,
});

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One row per design: key, objectives, violation, metrics, then every model and hardware field. */
export function pointsCsv(points: EvaluatedPoint[]): string {
  const head = [
    'key', 'error', 'latency_ms', 'energy_mJ', 'violation', 'accuracy', 'test_accuracy', 'bitflip_accuracy_1e-3',
    'throughput_per_s', 'gops', 'gops_per_w', 'energy_asic45_mJ', ...RESOURCE_KINDS.map((k) => `${k}_of_ceiling`), 'bottleneck',
    ...MODEL_FIELDS.map((f) => `model.${f}`), ...HARDWARE_FIELDS.map((f) => `hardware.${f}`),
  ];
  const rows = points.map((p) => {
    const m = p.metrics, hw = hwFlat(p.hardware);
    return [
      p.key, ...p.objectives, p.violation, m.accuracy, m.testAccuracy, m.bitflipAccuracy, m.throughputPerS, m.gops, m.gopsPerW, m.energyAsicMJ,
      ...RESOURCE_KINDS.map((k) => m.ceilingUse[k]), m.bottleneck,
      ...MODEL_FIELDS.map((f) => (p.model ? p.model[f] : '')), ...HARDWARE_FIELDS.map((f) => hw[f]),
    ].map(csvCell).join(',');
  });
  return [head.join(','), ...rows].join('\n') + '\n';
}

function plotPoints(all: EvaluatedPoint[], front: EvaluatedPoint[], chosen: EvaluatedPoint | null, y: (p: EvaluatedPoint) => number, x: (p: EvaluatedPoint) => number): PlotPoint[] {
  const onFront = new Set(front.map((p) => p.key));
  const pts: PlotPoint[] = all.filter((p) => p.metrics.runs).map((p) => ({
    x: x(p), y: y(p), kind: p.violation > 0 ? 'infeasible' : onFront.has(p.key) ? 'front' : 'feasible',
  }));
  if (chosen) pts.push({ x: x(chosen), y: y(chosen), kind: 'chosen' });
  return pts;
}

/** Compile, simulate (functionally, when the model's weights are given) and write the full BAT report into `dir`. */
export function writeBatReport(dir: string, hw: Hardware, workload: Workload, model: DeployModel | null): BatReport {
  const schedule = compile(workload, hw);
  let datapath: ReturnType<typeof createDatapath> | undefined;
  let input: ReturnType<ReturnType<typeof modelTokenizer>['encodeForModel']> | undefined;
  if (model) {
    input = modelTokenizer(model).encodeForModel('', model.shape.seqLen);
    datapath = createDatapath(model, input.ids, input.mask);
  }
  const sim = simulate(schedule, hw, { datapath });
  let functional: BatReport['functional'] = null;
  if (model && datapath && input) {
    const logits = datapath.logits!, ref = referenceForward(model, input.ids, input.mask);
    functional = { logits: Array.from(logits), label: classification(model, logits, input.truncated).label, equalsReferenceForward: logits.every((v, i) => Object.is(v, ref[i])) };
  }
  const report = buildReport({ hardware: hw, schedule, sim, estimate: estimateSchedule(schedule, hw), functional });
  writeJsonAtomic(join(dir, 'hardware.json'), hw);
  writeReport(dir, report, sim);
  return report;
}

export interface OutputOptions {
  space: Space;
  scope: Scope;
  latencyBudgetMs?: number;
  /** The chosen design's workload and deployable model file (null: timing-only report). */
  chosenModel(p: EvaluatedPoint): { workload: Workload; modelFile: string | null };
}

/** Write every output of a finished search into `dir`; returns the front document. */
export function writeExploreOutputs(dir: string, r: ExploreResult, o: OutputOptions): FrontDocument {
  const front = paretoOf(r.all);
  const { point: chosen, rule } = chooseDesign(front, o.latencyBudgetMs);
  const doc: FrontDocument = {
    format: 'bitedge-front', version: 1, scope: o.scope, objectives: OBJECTIVES,
    constraints: { latencyBudgetMs: o.latencyBudgetMs ?? null, utilisationCeilings: 'FINN defaults (LUT 0.7, FF 0.5, BRAM 0.8, DSP 0.8, URAM 0.8)' },
    rule, chosen, front, counts: { evaluated: r.all.length, feasible: r.all.filter((p) => p.violation === 0).length, front: front.length }, stats: r.stats,
  };
  writeJsonAtomic(join(dir, 'front.json'), doc);
  writeFileAtomic(join(dir, 'front.csv'), pointsCsv(front));
  writeFileAtomic(join(dir, 'evaluations.csv'), pointsCsv(r.all));
  writeJsonAtomic(join(dir, 'genes.json'), { genes: geneNames(o.space, o.scope), chosenGenome: chosen?.x ?? null });
  const acc = (p: EvaluatedPoint) => 100 * (p.metrics.accuracy ?? 0);
  writeFileAtomic(join(dir, 'pareto-latency.svg'), scatterSvg({
    title: `${o.scope === 'joint' ? 'Joint' : 'Hardware'} exploration: accuracy vs latency`, xLabel: 'latency per inference (ms)', yLabel: 'validation accuracy (%)',
    points: plotPoints(r.all, front, chosen, acc, (p) => p.metrics.latencyMs),
  }));
  writeFileAtomic(join(dir, 'pareto-energy.svg'), scatterSvg({
    title: `${o.scope === 'joint' ? 'Joint' : 'Hardware'} exploration: accuracy vs energy`, xLabel: 'energy per inference (mJ, FPGA table)', yLabel: 'validation accuracy (%)',
    points: plotPoints(r.all, front, chosen, acc, (p) => p.metrics.energyMJ),
  }));
  writeFileAtomic(join(dir, 'latency-energy.svg'), scatterSvg({
    title: `${o.scope === 'joint' ? 'Joint' : 'Hardware'} exploration: energy vs latency (front by all three objectives)`, xLabel: 'latency per inference (ms)', yLabel: 'energy per inference (mJ, FPGA table)',
    points: plotPoints(r.all, front, chosen, (p) => p.metrics.energyMJ, (p) => p.metrics.latencyMs),
  }));
  if (chosen) {
    const c = o.chosenModel(chosen);
    const model = c.modelFile ? readBmtFile(c.modelFile) : null;
    writeBatReport(join(dir, 'chosen'), chosen.hardware, model ? workloadFromModel(model) : c.workload, model);
  }
  return doc;
}
