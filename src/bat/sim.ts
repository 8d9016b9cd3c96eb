/**
 * The cycle-level simulator: an event model of the engines connected by FIFOs, token blocks flowing
 * through them, DDR with bandwidth and latency. It steps by operations (one op of one token block on one
 * engine, or one DDR transfer), not by single cycles; every start and end is an exact cycle number.
 *
 * Policy: non-delay list scheduling. At each step the task that can start earliest (all inputs produced,
 * room in its output FIFO, its engine free) starts; ties go to the oldest block. Each engine's timeline is
 * then split into busy, stalled on memory (waiting for DDR), stalled on a dependency (waiting for another
 * engine's data or FIFO room) and idle (no work for it in the running phase).
 *
 * Functional mode: a `Datapath` is called for each op when it starts, in simulated order, so the data
 * really moves through the engines in the order the hardware would move it (src/bat/datapath.ts).
 */
import type { Hardware } from './hw.ts';
import type { Phase, Schedule, StageName } from './compiler.ts';
import { ENGINES, addActionsInto, noActions, opsCount, type Actions, type EngineName, type Op } from './ops.ts';
import { memory, opActions, opCycles } from './engines/index.ts';

/** The functional side: runs one stage on the rows [row0, row0 + rows) of the sequence. */
export interface Datapath {
  run(stage: StageName, phase: Phase, row0: number, rows: number): void;
}

type Cause = 'memory' | 'dependency';

interface Task {
  phase: number;
  stage: number;
  block: number;
  /** Null for a zero-time barrier. */
  engine: EngineName | null;
  cycles: number;
  deps: number[];
  startDeps: number[];
  actions: Actions;
  ops: number;
  /** Run the data path when this task starts (the last compute tile of a streamed op). */
  exec: boolean;
  label: string;
}

export interface EngineCycles {
  busy: number;
  stallMemory: number;
  stallDependency: number;
  idle: number;
}

/** One interval of an engine's timeline, for the picture. */
export interface Interval {
  engine: EngineName;
  start: number;
  end: number;
  state: 'busy' | 'stall-memory' | 'stall-dependency';
  label: string;
}

export interface PhaseTiming {
  name: string;
  layer: number;
  start: number;
  /** All engines of the phase have started: end of the pipeline fill. */
  fillEnd: number;
  /** The first engine of the phase has finished its last op: start of the drain. */
  drainStart: number;
  end: number;
}

export interface SimResult {
  cycles: number;
  clockMHz: number;
  latencySeconds: number;
  engines: Record<EngineName, EngineCycles>;
  phases: PhaseTiming[];
  /** Busy and stall intervals per engine (omitted with `keepIntervals: false`). */
  intervals: Interval[];
  actions: Actions;
  /** Ops by the GOPS convention (2·M·N·K per product). */
  ops: number;
  tasks: number;
}

export interface SimOptions {
  datapath?: Datapath;
  /** Keep the per-op intervals (for the timeline picture); default true. */
  keepIntervals?: boolean;
}

/** Expand the schedule into the task graph. */
function buildTasks(s: Schedule, hw: Hardware): Task[] {
  const tasks: Task[] = [];
  const add = (t: Task): number => tasks.push(t) - 1;
  const barrier = (phase: number, deps: number[], label: string): number =>
    add({ phase, stage: -1, block: -1, engine: null, cycles: 0, deps, startDeps: [], actions: noActions(), ops: 0, exec: false, label });
  const transfer = (phase: number, stage: number, block: number, bytes: number, deps: number[], label: string): number => {
    const op: Op = { kind: 'transfer', engine: 'ddr', bytes };
    return add({ phase, stage, block, engine: 'ddr', cycles: memory.cycles(op, hw), deps, startDeps: [], actions: memory.actions(op), ops: 0, exec: false, label });
  };

  let prevTasks: number[] = [];
  // layer-double-buffered: load of layer l may start when layer l−2 is done (its half of the buffer is free)
  const layerDone: number[] = [];
  const loads: number[] = [];
  s.phases.forEach((ph, pi) => {
    const deps0 = prevTasks.length ? [barrier(pi, prevTasks, `${ph.name}:barrier`)] : [];
    if (ph.weightLoadBytes !== undefined) {
      const l = ph.layer;
      const freeAfter = l >= 2 ? [layerDone[l - 2]] : [];
      const prevLoad = loads.length ? [loads[loads.length - 1]] : [];
      loads.push(transfer(pi, -1, -1, ph.weightLoadBytes, [...freeAfter, ...prevLoad], `layer${l}:weights`));
    }
    const load = ph.layer >= 0 && s.placement === 'layer-double-buffered' ? [loads[ph.layer]] : [];
    // end[stage][block] and start[stage][block] task ids (first and last task of a streamed op)
    const first: number[][] = ph.stages.map(() => []);
    const last: number[][] = ph.stages.map(() => []);
    const ring: { xfer: number; compute: number }[] = [];
    const mine: number[] = [];
    for (let b = 0; b < ph.blocks; b++) {
      ph.stages.forEach((st, si) => {
        const op = b === ph.blocks - 1 ? st.lastOp : st.op;
        const deps: number[] = [...deps0];
        if (si > 0) deps.push(last[si - 1][b]);
        if (b > 0) deps.push(last[si][b - 1]);
        if (op.engine === 'bmu') deps.push(...load);
        const startDeps: number[] = [];
        const next = ph.stages[si + 1];
        if (next && next.op.engine !== op.engine && b >= s.fifoDepthBlocks) startDeps.push(first[si + 1][b - s.fifoDepthBlocks]);
        const label = `${ph.name}:${st.name}#${b}`;
        if (!st.stream) {
          const id = add({ phase: pi, stage: si, block: b, engine: op.engine, cycles: opCycles(op, hw), deps, startDeps,
            actions: opActions(op, hw), ops: opsCount(op), exec: true, label });
          first[si][b] = last[si][b] = id;
        } else {
          const C = opCycles(op, hw), n = st.stream.tiles;
          let prevCompute = -1;
          for (let j = 0; j < n; j++) {
            const bytes = j === n - 1 ? st.stream.lastTileBytes : st.stream.tileBytes;
            const xdeps = [...deps0];
            if (ring.length) xdeps.push(ring[ring.length - 1].xfer);
            if (ring.length >= 2) xdeps.push(ring[ring.length - 2].compute);
            const x = transfer(pi, si, b, bytes, xdeps, `${label}.tile${j}`);
            const cdeps = j === 0 ? [...deps, x] : [prevCompute, x];
            const c = add({ phase: pi, stage: si, block: b, engine: 'bmu', cycles: Math.floor(C / n) + (j < C % n ? 1 : 0),
              deps: cdeps, startDeps: j === 0 ? startDeps : [], actions: j === n - 1 ? opActions(op, hw) : noActions(),
              ops: j === n - 1 ? opsCount(op) : 0, exec: j === n - 1, label: `${label}.tile${j}` });
            ring.push({ xfer: x, compute: c });
            mine.push(x);
            if (j === 0) first[si][b] = c;
            prevCompute = c;
          }
          last[si][b] = prevCompute;
        }
        mine.push(first[si][b], last[si][b]);
      });
    }
    prevTasks = [...new Set(mine)];
    if (ph.kind === 'attn-ffn') layerDone[ph.layer] = barrier(pi, prevTasks, `${ph.name}:done`);
  });
  return tasks;
}

/** Run the schedule. */
export function simulate(s: Schedule, hw: Hardware, opts: SimOptions = {}): SimResult {
  const tasks = buildTasks(s, hw);
  const n = tasks.length;
  const start = new Float64Array(n).fill(-1), end = new Float64Array(n).fill(-1);
  const cause: Cause[] = new Array(n);
  const waiting = new Int32Array(n);
  const users: number[][] = Array.from({ length: n }, () => []);
  tasks.forEach((t, i) => {
    for (const d of [...t.deps, ...t.startDeps]) { users[d].push(i); waiting[i]++; }
  });
  const free: Record<EngineName, number> = Object.fromEntries(ENGINES.map((e) => [e, 0])) as Record<EngineName, number>;
  const ready: number[] = [];
  for (let i = 0; i < n; i++) if (waiting[i] === 0) ready.push(i);

  // When a task's inputs are ready, and why it waited: the latest input decides; a DDR transfer (or a
  // barrier that itself waited on one) makes it a memory stall, on equal times too.
  const causeOf = (d: number): Cause => (tasks[d].engine === 'ddr' ? 'memory' : tasks[d].engine === null ? cause[d] : 'dependency');
  const dataReady = (t: Task): { at: number; cause: Cause } => {
    let at = 0, c: Cause = 'dependency';
    for (const d of t.deps) {
      if (end[d] > at || (end[d] === at && causeOf(d) === 'memory')) { at = end[d]; c = causeOf(d); }
    }
    for (const d of t.startDeps) if (start[d] > at) { at = start[d]; c = 'dependency'; }
    return { at, cause: c };
  };

  let scheduled = 0;
  while (ready.length) {
    let best = -1, bestAt = Infinity, bestIdx = -1;
    for (let r = 0; r < ready.length; r++) {
      const i = ready[r], t = tasks[i];
      const at = Math.max(dataReady(t).at, t.engine ? free[t.engine] : 0);
      if (at < bestAt || (at === bestAt && i < best)) { best = i; bestAt = at; bestIdx = r; }
    }
    ready[bestIdx] = ready[ready.length - 1];
    ready.pop();
    const t = tasks[best];
    start[best] = bestAt;
    end[best] = bestAt + t.cycles;
    cause[best] = dataReady(t).cause;
    if (t.engine) free[t.engine] = end[best];
    if (t.exec && opts.datapath) {
      const ph = s.phases[t.phase];
      const rows = ph.kind === 'head' ? 1 : t.block === ph.blocks - 1 ? s.workload.shape.seqLen - t.block * s.blockTokens : s.blockTokens;
      opts.datapath.run(ph.stages[t.stage].name, ph, t.block * s.blockTokens, rows);
    }
    scheduled++;
    for (const u of users[best]) if (--waiting[u] === 0) ready.push(u);
  }
  if (scheduled !== n) throw new Error(`simulator deadlock: ${n - scheduled} of ${n} tasks never became ready`);
  return account(s, hw, tasks, start, end, cause, opts.keepIntervals ?? true);
}

function account(s: Schedule, hw: Hardware, tasks: Task[], start: Float64Array, end: Float64Array, cause: Cause[], keep: boolean): SimResult {
  let makespan = 0;
  for (let i = 0; i < tasks.length; i++) makespan = Math.max(makespan, end[i]);
  const phases: PhaseTiming[] = s.phases.map((p) => ({ name: p.name, layer: p.layer, start: Infinity, fillEnd: 0, drainStart: Infinity, end: 0 }));
  // per phase and engine: first start, last end
  const firstStart = new Map<string, number>(), lastEnd = new Map<string, number>();
  const byEngine: Record<EngineName, number[]> = Object.fromEntries(ENGINES.map((e) => [e, []])) as unknown as Record<EngineName, number[]>;
  const actions = noActions();
  let ops = 0;
  tasks.forEach((t, i) => {
    addActionsInto(actions, t.actions);
    ops += t.ops;
    if (!t.engine || t.cycles === 0) return;
    byEngine[t.engine].push(i);
    if (t.stage < 0) return; // a layer's weight load runs ahead, during the previous layer: not part of the phase's pipeline
    const key = `${t.phase}:${t.engine}`;
    firstStart.set(key, Math.min(firstStart.get(key) ?? Infinity, start[i]));
    lastEnd.set(key, Math.max(lastEnd.get(key) ?? 0, end[i]));
    const p = phases[t.phase];
    p.start = Math.min(p.start, start[i]);
    p.end = Math.max(p.end, end[i]);
  });
  for (const [key, fs] of firstStart) {
    const p = phases[Number(key.split(':')[0])];
    p.fillEnd = Math.max(p.fillEnd, fs);
    p.drainStart = Math.min(p.drainStart, lastEnd.get(key)!);
  }
  const engines = {} as Record<EngineName, EngineCycles>;
  const intervals: Interval[] = [];
  for (const e of ENGINES) {
    const acc: EngineCycles = { busy: 0, stallMemory: 0, stallDependency: 0, idle: 0 };
    const list = byEngine[e].sort((a, b) => start[a] - start[b]);
    let t = 0;
    for (const i of list) {
      const task = tasks[i], ph = phases[task.phase];
      if (start[i] > t) {
        // before the running phase began: nothing to do (idle); after: waiting for its inputs
        const idleUntil = Math.min(start[i], Math.max(t, ph.start));
        acc.idle += idleUntil - t;
        const wait = start[i] - idleUntil;
        if (cause[i] === 'memory') acc.stallMemory += wait; else acc.stallDependency += wait;
        if (keep && wait > 0) intervals.push({ engine: e, start: idleUntil, end: start[i], state: cause[i] === 'memory' ? 'stall-memory' : 'stall-dependency', label: task.label });
      }
      acc.busy += task.cycles;
      if (keep) intervals.push({ engine: e, start: start[i], end: end[i], state: 'busy', label: task.label });
      t = end[i];
    }
    acc.idle += makespan - t;
    engines[e] = acc;
  }
  return {
    cycles: makespan, clockMHz: hw.clockMHz, latencySeconds: makespan / (hw.clockMHz * 1e6),
    engines, phases: phases.map((p) => (p.start === Infinity ? { ...p, start: 0, drainStart: 0 } : p)),
    intervals, actions, ops, tasks: tasks.length,
  };
}
