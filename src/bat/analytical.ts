/**
 * The analytical model: the latency of a (workload, hardware) pair in closed form, for the design space
 * exploration (no task graph, no weights). Per phase, a token-block pipeline whose steady state is set by
 * its busiest engine (FINN: a dataflow pipeline's throughput is its slowest stage), plus the fill before
 * and the drain after that engine; phases run one after another; per-layer weight loads overlap the
 * previous layer (double buffering). Agrees with the cycle-level simulator within 5% (test/bat/analytical.test.ts).
 */
import type { Hardware } from './hw.ts';
import { compile, type CompileOptions, type Phase, type Schedule } from './compiler.ts';
import type { Workload } from './workload.ts';
import { addActionsInto, noActions, opsCount, type Actions, type EngineName, type Op } from './ops.ts';
import { memory, opActions, opCycles } from './engines/index.ts';

export interface Estimate {
  cycles: number;
  latencySeconds: number;
  /** Busy cycles per engine. */
  busy: Record<EngineName, number>;
  actions: Actions;
  ops: number;
  /** The engine with the most busy cycles. */
  bottleneck: EngineName;
}

interface StageCost { engine: EngineName; full: number; last: number; ddrFull: number; ddrLast: number }

/** Per-block cost of each stage; a streamed matmul costs max(compute, transfer) per block (two tile slots). */
function stageCosts(ph: Phase, hw: Hardware): StageCost[] {
  return ph.stages.map((st) => {
    const full = opCycles(st.op, hw), last = opCycles(st.lastOp, hw);
    if (!st.stream) return { engine: st.op.engine, full, last, ddrFull: 0, ddrLast: 0 };
    const x = (bytes: number): number => memory.cycles({ kind: 'transfer', engine: 'ddr', bytes }, hw);
    const ddr = (st.stream.tiles - 1) * x(st.stream.tileBytes) + x(st.stream.lastTileBytes);
    return { engine: 'bmu', full: Math.max(full, ddr), last: Math.max(last, ddr), ddrFull: ddr, ddrLast: ddr };
  });
}

/**
 * Cycles of one phase. For each engine e: the fill up to e's first stage, (blocks − 1) full-block loads
 * of e (its steady state), then the last block's way from e's first stage to the end of the phase (the
 * drain). The phase takes the largest of these: its bottleneck engine sets it. Streamed weights add the
 * BMU–DDR tile pipeline below.
 */
export function phaseCycles(ph: Phase, hw: Hardware): number {
  const c = stageCosts(ph, hw), nb = ph.blocks;
  let worst = 0;
  for (const e of new Set(c.map((x) => x.engine))) {
    if (e === 'bmu' && ph.stages.some((st) => st.stream)) continue;
    const firstI = c.findIndex((x) => x.engine === e);
    let head = 0, load = 0, drain = 0;
    for (let i = 0; i < c.length; i++) {
      if (i < firstI) head += c[i].full; else drain += c[i].last;
      if (c[i].engine === e) load += c[i].full;
    }
    worst = Math.max(worst, head + (nb - 1) * load + drain);
  }
  return ph.stages.some((st) => st.stream) ? Math.max(worst, streamedCycles(ph, hw, c)) : worst;
}

/**
 * Streamed weights: one in-order DMA ring with two tile slots feeds the BMU. With x_i the transfer and
 * c_i the compute of tile i, transfer i ends at X_i = max(X_{i−1}, C_{i−2}) + x_i and compute at
 * C_i = max(C_{i−1}, X_i, R_i) + c_i, where R_i (first tile of a stage only) is when the stage's input is
 * ready: the previous BMU stage of the block plus the stages between, or the upstream pipeline's arrival.
 * A max-plus recurrence over the tiles (double buffering), linear in blocks × tiles.
 */
function streamedCycles(ph: Phase, hw: Hardware, c: StageCost[]): number {
  const xfer = (bytes: number): number => memory.cycles({ kind: 'transfer', engine: 'ddr', bytes }, hw);
  const bmuIdx = c.map((x, i) => (x.engine === 'bmu' ? i : -1)).filter((i) => i >= 0);
  const first = bmuIdx[0], lastB = bmuIdx[bmuIdx.length - 1];
  let head = 0, upstream = 0;
  const loads = new Map<string, number>();
  for (let i = 0; i < first; i++) { head += c[i].full; loads.set(c[i].engine, (loads.get(c[i].engine) ?? 0) + c[i].full); }
  for (const v of loads.values()) upstream = Math.max(upstream, v);
  let X1 = 0, C1 = 0, C2 = 0; // X_{i−1}, C_{i−1}, C_{i−2}
  for (let b = 0; b < ph.blocks; b++) {
    const lastBlock = b === ph.blocks - 1;
    let prevEnd = head + b * upstream;
    let gap = 0;
    for (let i = first; i <= lastB; i++) {
      const st = ph.stages[i];
      if (c[i].engine !== 'bmu') { gap += lastBlock ? c[i].last : c[i].full; continue; }
      const comp = opCycles(lastBlock ? st.lastOp : st.op, hw);
      const tiles = st.stream?.tiles ?? 1;
      const ready = prevEnd + gap;
      for (let j = 0; j < tiles; j++) {
        const x = st.stream ? xfer(j === tiles - 1 ? st.stream.lastTileBytes : st.stream.tileBytes) : 0;
        const X = Math.max(X1, C2) + x;
        const cj = Math.floor(comp / tiles) + (j < comp % tiles ? 1 : 0);
        const C = Math.max(C1, X, j === 0 ? ready : 0) + cj;
        X1 = X; C2 = C1; C1 = C;
      }
      prevEnd = C1;
      gap = 0;
    }
  }
  let tail = 0;
  for (let i = lastB + 1; i < c.length; i++) tail += c[i].last;
  return C1 + tail;
}

/** Closed-form latency of a compiled schedule. */
export function estimateSchedule(s: Schedule, hw: Hardware): Estimate {
  const busy = { ddr: 0, bmu: 0, atu: 0, softmax: 0, layernorm: 0, threshold: 0 } as Record<EngineName, number>;
  const actions = noActions();
  let ops = 0;
  const account = (into: PhaseCost, op: Op, times: number): void => {
    into.busy[op.engine] += opCycles(op, hw) * times;
    addActionsInto(into.actions, opActions(op, hw), times);
    into.ops += opsCount(op) * times;
  };
  // the phases of every layer are the same: cost each kind once
  const costs = new Map<string, PhaseCost>();
  const costOf = (ph: Phase): PhaseCost => {
    const key = `${ph.kind}:${ph.blocks}`;
    let c = costs.get(key);
    if (c) return c;
    c = { cycles: phaseCycles(ph, hw), busy: { ddr: 0, bmu: 0, atu: 0, softmax: 0, layernorm: 0, threshold: 0 }, actions: noActions(), ops: 0 };
    for (const st of ph.stages) {
      account(c, st.op, ph.blocks - 1);
      account(c, st.lastOp, 1);
      if (st.stream) {
        const x = (bytes: number): Op => ({ kind: 'transfer', engine: 'ddr', bytes });
        account(c, x(st.stream.tileBytes), (st.stream.tiles - 1) * ph.blocks);
        account(c, x(st.stream.lastTileBytes), ph.blocks);
      }
    }
    costs.set(key, c);
    return c;
  };
  const total: PhaseCost = { cycles: 0, busy, actions, ops: 0 };
  let t = 0;
  const layerEnd: number[] = [];
  let loadEnd = 0;
  for (const ph of s.phases) {
    const c = costOf(ph);
    for (const e of Object.keys(busy) as EngineName[]) busy[e] += c.busy[e];
    addActionsInto(actions, c.actions);
    ops += c.ops;
    let startAt = t;
    if (ph.weightLoadBytes !== undefined) {
      // load of layer l starts when layer l−2 has released its half of the buffer and the previous load is done
      const l = ph.layer;
      const load: Op = { kind: 'transfer', engine: 'ddr', bytes: ph.weightLoadBytes };
      loadEnd = Math.max(l >= 2 ? layerEnd[l - 2] : 0, loadEnd) + opCycles(load, hw);
      account(total, load, 1);
      startAt = Math.max(t, loadEnd);
    }
    t = startAt + c.cycles;
    if (ph.kind === 'attn-ffn') layerEnd[ph.layer] = t;
  }
  ops += total.ops;
  let bottleneck: EngineName = 'bmu';
  for (const e of Object.keys(busy) as EngineName[]) if (busy[e] > busy[bottleneck]) bottleneck = e;
  return { cycles: t, latencySeconds: t / (hw.clockMHz * 1e6), busy, actions, ops, bottleneck };
}

interface PhaseCost { cycles: number; busy: Record<EngineName, number>; actions: Actions; ops: number }

/** Compile and estimate: the exploration's entry point. */
export function estimate(w: Workload, hw: Hardware, opts: CompileOptions = {}): Estimate {
  return estimateSchedule(compile(w, hw, opts), hw);
}
