import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tempDir } from '../temp-dir.ts';
import { join } from 'node:path';
import { BitedgeError } from '../../src/common/errors.ts';
import { createRng } from '../../src/common/rng.ts';
import { PRESETS, loadHardware, parseHardware, validateHardware, SHAPES, workloadFromShape, resourceReport, BOARDS, compile, simulate } from '../../src/bat/index.ts';

test('the shipped presets are valid, within their boards\' budgets, and run their intended workloads', () => {
  const zcu = validateHardware(PRESETS.zcu102, { workload: workloadFromShape(SHAPES['bert-base']) });
  assert.equal(zcu.ok, true, JSON.stringify(zcu.errors));
  const edge = validateHardware(PRESETS.edge, { workload: workloadFromShape(SHAPES['bmt-small']) });
  assert.equal(edge.ok, true, JSON.stringify(edge.errors));
  assert.equal(loadHardware('zcu102').name, 'bat-zcu102');
});

test('every schema violation is listed with its path: zero, negative, non-integer, missing, unknown board, extra field', () => {
  const bad = structuredClone(PRESETS.zcu102) as unknown as Record<string, any>;
  bad.board = 'zcu999';
  bad.clockMHz = 0;
  bad.bmu.pe = -4;
  bad.bmu.simd = 2.5;
  delete bad.sfu.softmaxLanes;
  bad.memory.ddrBandwidthGBps = -1;
  bad.extra = true;
  const v = validateHardware(bad, { file: 'bad.json' });
  assert.equal(v.ok, false);
  const paths = v.errors.map((i) => (i.path ?? []).join('.'));
  for (const p of ['board', 'clockMHz', 'bmu.pe', 'bmu.simd', 'sfu.softmaxLanes', 'memory.ddrBandwidthGBps']) assert.ok(paths.includes(p), `missing ${p} in ${paths}`);
  assert.ok(v.errors.some((i) => i.code === 'hw_unknown_board' && i.expected?.includes('zcu102')));
  assert.ok(v.errors.some((i) => /extra/.test(i.message) || (i.path ?? []).length === 0), 'the unknown key is reported');
  assert.ok(v.errors.every((i) => i.file === 'bad.json'));
  assert.throws(() => parseHardware(bad), (e: unknown) => e instanceof BitedgeError && e.issues.length === v.errors.length);
});

test('resources over the budget × ceiling are errors naming the resource and its largest user', () => {
  const big = structuredClone(PRESETS.zcu102);
  big.bmu = { pe: 256, simd: 1024, accBits: 24 };
  const v = validateHardware(big);
  assert.equal(v.ok, false);
  const lut = v.errors.find((i) => i.code === 'hw_over_budget' && i.path?.[0] === 'lut');
  assert.ok(lut, JSON.stringify(v.errors));
  assert.match(lut.message, /largest user: bmu/);
  assert.match(lut.message, /ceiling 70%/);
  // URAM on a board without any
  const u = structuredClone(PRESETS.zcu102);
  u.memory.ram = 'uram';
  assert.ok(validateHardware(u).errors.some((i) => i.path?.[0] === 'uram' && /has none/.test(i.message)));
  // and a board with URAM accepts it
  const k = structuredClone(PRESETS.edge);
  k.board = 'kv260';
  k.memory.ram = 'uram';
  const kr = resourceReport(parseHardware(k));
  assert.ok(kr.total.uram > 0 && kr.total.uram <= BOARDS.kv260.budget.uram);
});

test('buffers too small: a weight tile, the activations, the FIFOs; all listed together', () => {
  const hw = structuredClone(PRESETS.zcu102);
  hw.memory.weightBufferKiB = 1; // one 64×256-bit tile is 2 KiB; double-buffered needs 4
  hw.memory.activationBufferKiB = 64;
  hw.memory.fifoKiB = 1;
  const v = validateHardware(hw, { workload: workloadFromShape(SHAPES['bert-base']) });
  const codes = v.errors.map((i) => i.code).sort();
  assert.deepEqual(codes, ['bat_activations_do_not_fit', 'bat_fifo_too_small', 'bat_weight_tile_too_big']);
  assert.match(v.errors.find((i) => i.code === 'bat_activations_do_not_fit')!.expected!, /420 KiB/);
});

test('dimensions that do not divide PE/SIMD are notes saying how they are padded', () => {
  const hw = structuredClone(PRESETS.zcu102);
  hw.bmu.simd = 512; // 768 = 1.5 × 512
  const v = validateHardware(hw, { workload: workloadFromShape(SHAPES['bert-base']) });
  const note = v.notes.find((n) => n.path?.join('.') === 'bmu.simd' && /hidden/.test(n.message));
  assert.ok(note);
  assert.match(note.message, /padded to 1024, 25\.0% of those lanes idle/);
  // 3072 divides 512: no note for the FFN width on SIMD
  assert.ok(!v.notes.some((n) => /FFN width \(K/.test(n.message)));
});

test('loadHardware: unreadable file and bad JSON are clear errors', () => {
  const dir = tempDir('bat-hw-');
  assert.throws(() => loadHardware(join(dir, 'nope.json')), (e: unknown) => e instanceof BitedgeError && e.code === 'hw_unreadable' && /presets: zcu102, edge/.test(e.message));
  writeFileSync(join(dir, 'x.json'), '{ not json');
  assert.throws(() => loadHardware(join(dir, 'x.json')), (e: unknown) => e instanceof BitedgeError && e.code === 'hw_bad_json');
  writeFileSync(join(dir, 'ok.json'), JSON.stringify(PRESETS.edge));
  assert.deepEqual(loadHardware(join(dir, 'ok.json')), PRESETS.edge);
});

test('fuzz: perturbed descriptions never crash — either valid (and then they compile and simulate) or a list of issues', () => {
  const rng = createRng('hw-fuzz');
  const values = [0, -1, 1, 2, 3.5, 7, 64, 1e9, Number.NaN, null, 'x', true, [], {}];
  const leaves = (o: Record<string, unknown>, prefix: string[] = []): string[][] =>
    Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? leaves(v as Record<string, unknown>, [...prefix, k]) : [[...prefix, k]]));
  const paths = leaves(PRESETS.edge as unknown as Record<string, unknown>);
  let valid = 0;
  for (let i = 0; i < 300; i++) {
    const hw = structuredClone(PRESETS.edge) as unknown as Record<string, any>;
    for (let j = 0, n = 1 + rng.int(3); j < n; j++) {
      const p = paths[rng.int(paths.length)];
      let o = hw;
      for (const k of p.slice(0, -1)) o = o[k];
      o[p[p.length - 1]] = values[rng.int(values.length)];
    }
    const v = validateHardware(hw, { workload: workloadFromShape({ ...SHAPES['bmt-small'], seqLen: 32, layers: 1 }) });
    if (!v.ok) {
      assert.ok(v.errors.length > 0 && v.errors.every((e) => typeof e.message === 'string' && e.message.length > 0));
      continue;
    }
    valid++;
    const s = compile(workloadFromShape({ ...SHAPES['bmt-small'], seqLen: 32, layers: 1 }), v.hardware!);
    const r = simulate(s, v.hardware!, { keepIntervals: false });
    assert.ok(Number.isFinite(r.cycles) && r.cycles > 0);
  }
  assert.ok(valid > 10 && valid < 300, `${valid} valid of 300: both kinds exercised`);
});
