import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS, SHAPES, ENGINES, compile, simulate, opCycles, workloadFromShape, parseHardware } from '../../src/bat/index.ts';

const small = workloadFromShape(SHAPES['bmt-small']);

test('every cycle of every engine is accounted: busy + stalled on memory + stalled on a dependency + idle = latency', () => {
  for (const hwName of ['zcu102', 'edge']) {
    const hw = PRESETS[hwName];
    const s = compile(small, hw);
    const r = simulate(s, hw);
    for (const e of ENGINES) {
      const c = r.engines[e];
      assert.equal(c.busy + c.stallMemory + c.stallDependency + c.idle, r.cycles, `${hwName} ${e}`);
      assert.ok(c.stallMemory >= 0 && c.stallDependency >= 0 && c.idle >= 0);
    }
    // busy cycles are exactly the engines' own counts of the scheduled ops (plus weight loads on the DDR)
    const expected = Object.fromEntries(ENGINES.map((e) => [e, 0])) as Record<string, number>;
    for (const p of s.phases) for (const st of p.stages) {
      expected[st.op.engine] += (p.blocks - 1) * opCycles(st.op, hw) + opCycles(st.lastOp, hw);
      if (p.weightLoadBytes !== undefined) expected.ddr += 0;
    }
    for (const p of s.phases) if (p.weightLoadBytes !== undefined) expected.ddr += opCycles({ kind: 'transfer', engine: 'ddr', bytes: p.weightLoadBytes }, hw);
    for (const e of ENGINES) if (e !== 'ddr' || s.placement !== 'streamed') assert.equal(r.engines[e].busy, expected[e], `${hwName} ${e} busy`);
  }
});

test('the pipeline of each phase: start ≤ fill end ≤ drain start ≤ end, phases in order, steady state present with many blocks', () => {
  const r = simulate(compile(small, PRESETS.zcu102), PRESETS.zcu102);
  let prevEnd = 0;
  for (const p of r.phases) {
    assert.ok(p.start >= prevEnd, `${p.name} starts after the previous phase ended`);
    assert.ok(p.start <= p.fillEnd && p.fillEnd <= p.end && p.drainStart <= p.end, p.name);
    prevEnd = p.end;
  }
  const attn = r.phases.find((p) => p.name === 'layer0.attn-ffn')!;
  assert.ok(attn.drainStart > attn.fillEnd, 'a steady state between fill and drain');
});

test('one block and one layer: no overlap, the latency is the sum of the stage cycles', () => {
  const w = workloadFromShape({ ...SHAPES['bmt-small'], layers: 1, seqLen: 16 });
  const hw = PRESETS.zcu102;
  const s = compile(w, hw, { blockTokens: 16 });
  assert.equal(s.placement, 'resident');
  const r = simulate(s, hw);
  let sum = 0;
  for (const p of s.phases) for (const st of p.stages) sum += opCycles(st.lastOp, hw);
  assert.equal(r.cycles, sum);
});

test('streamed weights stall on memory, and less DDR bandwidth makes them slower', () => {
  const hw = structuredClone(PRESETS.zcu102);
  hw.memory.weightBufferKiB = 64;
  const fast = simulate(compile(small, hw), hw, { keepIntervals: false });
  const slowHw = parseHardware({ ...hw, memory: { ...hw.memory, ddrBandwidthGBps: 2 } });
  const slow = simulate(compile(small, slowHw), slowHw, { keepIntervals: false });
  assert.ok(slow.engines.bmu.stallMemory > 0);
  assert.ok(slow.cycles > fast.cycles);
  assert.ok(slow.engines.bmu.stallMemory > fast.engines.bmu.stallMemory);
});

test('deterministic, and intervals never overlap on one engine', () => {
  const s = compile(small, PRESETS.edge);
  const a = simulate(s, PRESETS.edge), b = simulate(s, PRESETS.edge);
  assert.equal(a.cycles, b.cycles);
  assert.deepEqual(a.engines, b.engines);
  for (const e of ENGINES) {
    const iv = a.intervals.filter((i) => i.engine === e).sort((x, y) => x.start - y.start);
    for (let i = 1; i < iv.length; i++) assert.ok(iv[i].start >= iv[i - 1].end, `${e} overlap at ${iv[i].start}`);
  }
});

test('BERT-base (12 × 768, 12 heads, FFN 3072, seq 128) simulates, timing only, in under 30 s', () => {
  const w = workloadFromShape(SHAPES['bert-base']);
  const t0 = performance.now();
  const r = simulate(compile(w, PRESETS.zcu102), PRESETS.zcu102);
  const seconds = (performance.now() - t0) / 1000;
  assert.ok(seconds < 30, `${seconds} s`);
  assert.ok(r.cycles > 0 && r.ops > 2e10);
});
