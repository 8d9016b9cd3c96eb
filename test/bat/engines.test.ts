import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/common/rng.ts';
import { PRESETS, bmu, atu, sfu, memory, opCycles, ASIC_45NM, FPGA_ULTRASCALE, energyReport, BOARDS, type Hardware, type Op } from '../../src/bat/index.ts';
import { noActions } from '../../src/bat/ops.ts';

function withFolding(pe: number, simd: number): Hardware {
  const hw = structuredClone(PRESETS.zcu102);
  hw.bmu = { pe, simd, accBits: 24 };
  hw.atu = { headsParallel: 2, pe, simd };
  return hw;
}

/**
 * Slow reference of a folded matrix product: place every (row, pass, part, n, k) MAC on its lane
 * (n mod PE, k mod SIMD) in its cycle (row, pass, part, n-fold, k-fold); no lane may be used twice in a
 * cycle; the cycle count is the number of distinct cycles.
 */
function foldedCycles(rows: number, N: number, K: number, passes: number, parts: number, pe: number, simd: number): { cycles: number; macs: number } {
  const nf = Math.ceil(N / pe), kf = Math.ceil(K / simd);
  const used = new Set<string>();
  const cycles = new Set<number>();
  let macs = 0;
  for (let m = 0; m < rows; m++) for (let p = 0; p < passes * parts; p++) for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) {
    const cycle = ((m * passes * parts + p) * nf + Math.floor(n / pe)) * kf + Math.floor(k / simd);
    const lane = `${cycle}:${n % pe}:${k % simd}`;
    assert.ok(!used.has(lane), 'a lane is used twice in one cycle');
    used.add(lane);
    cycles.add(cycle);
    macs++;
  }
  return { cycles: cycles.size, macs };
}

test('BMU cycles = ⌈N/PE⌉·⌈K/SIMD⌉·M·passes·parts equals a lane-by-lane placement of every MAC (random shapes)', () => {
  const rng = createRng('bmu-cycles');
  for (let i = 0; i < 40; i++) {
    const pe = 1 + rng.int(8), simd = 1 + rng.int(16);
    const op: Extract<Op, { kind: 'matmul' }> = { kind: 'matmul', engine: 'bmu', rows: 1 + rng.int(4), k: 1 + rng.int(40), n: 1 + rng.int(20), passes: 1 + rng.int(3), parts: 1 + rng.int(2) };
    const hw = withFolding(pe, simd);
    const ref = foldedCycles(op.rows, op.n, op.k, op.passes, op.parts, pe, simd);
    assert.equal(bmu.cycles(op, hw), ref.cycles, JSON.stringify({ op, pe, simd }));
    assert.equal(bmu.actions(op, hw).xnorPopBit, ref.macs);
    assert.ok(bmu.paddingFactor(op, hw) >= 1);
  }
});

test('ATU cycles: head groups × the folded product per head, for scores and context', () => {
  const rng = createRng('atu-cycles');
  for (let i = 0; i < 30; i++) {
    const pe = 1 + rng.int(6), simd = 1 + rng.int(12);
    const hw = withFolding(pe, simd);
    const heads = 1 + rng.int(5), rows = 1 + rng.int(3), keys = 1 + rng.int(20), headDim = 1 + rng.int(16);
    const groups = Math.ceil(heads / hw.atu.headsParallel);
    const s = foldedCycles(rows, keys, headDim, 1, 1, pe, simd);
    assert.equal(atu.cycles({ kind: 'scores', engine: 'atu', rows, keys, heads, headDim, passes: 1 }, hw), groups * s.cycles);
    const c = foldedCycles(rows, headDim, keys, 1, 1, pe, simd);
    assert.equal(atu.cycles({ kind: 'context', engine: 'atu', rows, keys, heads, headDim, passes: 1 }, hw), groups * c.cycles);
  }
});

test('SFU cycles: passes · ⌈elements / lanes⌉ per unit', () => {
  const hw = structuredClone(PRESETS.edge); // 8 softmax, 8 LayerNorm, 32 threshold lanes
  assert.equal(sfu.cycles({ kind: 'softmax', engine: 'softmax', rows: 3, keys: 10, heads: 2, variant: 'softmax-binary' }, hw), 2 * Math.ceil(60 / 8));
  assert.equal(sfu.cycles({ kind: 'softmax', engine: 'softmax', rows: 3, keys: 10, heads: 2, variant: 'threshold' }, hw), Math.ceil(60 / 8));
  assert.equal(sfu.cycles({ kind: 'layernorm', engine: 'layernorm', rows: 5, width: 33, residual: true }, hw), 2 * Math.ceil(165 / 8));
  assert.equal(sfu.cycles({ kind: 'threshold', engine: 'threshold', rows: 5, width: 33, bits: 4 }, hw), 4 * Math.ceil(165 / 32));
  assert.equal(opCycles({ kind: 'dense', engine: 'layernorm', rows: 1, k: 16, n: 2 }, hw), 4);
});

test('DDR transfer: latency + bytes at the bandwidth', () => {
  const hw = structuredClone(PRESETS.zcu102); // 12.8 GB/s at 200 MHz = 64 B/cycle, 150 ns = 30 cycles
  assert.equal(memory.cycles({ kind: 'transfer', engine: 'ddr', bytes: 6400 }, hw), 30 + 100);
  assert.equal(memory.cycles({ kind: 'transfer', engine: 'ddr', bytes: 6401 }, hw), 30 + 101);
});

test('FINN-R resource formulas: MVAU LUTs by hand, BRAM18 aspect ratios as FINN counts them', () => {
  // W = A = 1: per PE, SIMD·(2⌈2/6⌉−1)·2 + 2·(2·SIMD−1) + acc; LUT = 300 + 1.1·PE·(that)
  assert.equal(bmu.finnrMvauLut(1, 1, 0), 300 + 1.1 * (2 + 2));
  assert.equal(bmu.finnrMvauLut(4, 8, 16), 300 + 1.1 * 4 * (16 + 2 * 15 + 16));
  assert.equal(memory.bram18For(16384, 1), 1);
  assert.equal(memory.bram18For(16385, 1), 2);
  assert.equal(memory.bram18For(1024, 18), 1);
  assert.equal(memory.bram18For(2048, 18), 2);
  assert.equal(memory.bram18For(512, 36), 1);
  assert.equal(memory.bram18For(512, 72), 2);
  assert.equal(memory.bram18For(1024, 36), 2); // depth > 512: 1024 × 18 shape, two of them
  assert.equal(memory.uramFor(4096, 72), 1);
  assert.equal(memory.uramFor(4097, 73), 4);
  // more PE never costs fewer LUTs
  const small = bmu.resources(withFolding(8, 64)), large = bmu.resources(withFolding(16, 64));
  assert.ok(large.lut > small.lut && large.ff > small.ff && large.dsp > small.dsp);
});

test('energy = Σ actions × table + clock + static; the 45 nm XNOR-popcount bit is derived from the 8-bit add', () => {
  assert.ok(Math.abs(ASIC_45NM.pJ.xnorPopBit - 0.005625) < 1e-12); // 0.03 pJ / 8 bits × 1.5
  const a = noActions();
  a.xnorPopBit = 1e9;
  a.ddrByte = 1e6;
  const res = { lut: 1000, ff: 2000, dsp: 10, bram18: 20, uram: 0 };
  const e1 = energyReport(a, 200_000, 200, res, FPGA_ULTRASCALE, BOARDS.zcu102);
  const a2 = { ...a, xnorPopBit: 2e9, ddrByte: 2e6 };
  const e2 = energyReport(a2, 200_000, 200, res, FPGA_ULTRASCALE, BOARDS.zcu102);
  const dyn1 = e1.totalJ - e1.clockJ - e1.staticJ, dyn2 = e2.totalJ - e2.clockJ - e2.staticJ;
  assert.ok(Math.abs(dyn2 - 2 * dyn1) < 1e-15, 'dynamic energy is linear in the action counts');
  assert.ok(Math.abs(e1.staticJ - BOARDS.zcu102.plStaticW * 1e-3) < 1e-12, 'the board\'s static power over 1 ms');
  assert.ok(energyReport(a, 200_000, 200, res, FPGA_ULTRASCALE, BOARDS.ultra96).staticJ < e1.staticJ, 'a smaller device leaks less');
  assert.ok(Math.abs(e1.clockJ - (1000 * 0.002 + 2000 * 0.004 + 10 * 0.05 + 20 * 0.2) * 200_000 * 1e-12) < 1e-15);
  const asic = energyReport(a, 200_000, 200, res, ASIC_45NM, BOARDS.zcu102);
  assert.equal(asic.staticJ, 0);
  assert.ok(Math.abs(asic.totalJ - (1e9 * 0.005625 + 1e6 * 243.75) * 1e-12) < 1e-12);
});
