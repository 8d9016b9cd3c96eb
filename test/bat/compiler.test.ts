import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BitedgeError } from '../../src/common/errors.ts';
import {
  PRESETS, SHAPES, compile, workloadFromShape, layerWeightBytes, opsCount, chooseBlockTokens, MIN_BLOCKS, parseWorkload, type Workload,
} from '../../src/bat/index.ts';

const small = workloadFromShape(SHAPES['bmt-small']);

test('weights are resident, per-layer double-buffered or streamed as the weight buffer shrinks', () => {
  const hw = structuredClone(PRESETS.zcu102);
  const lw = layerWeightBytes(small);
  hw.memory.weightBufferKiB = Math.ceil((lw * small.shape.layers) / 1024);
  assert.equal(compile(small, hw).placement, 'resident');
  hw.memory.weightBufferKiB = Math.ceil((2 * lw) / 1024);
  const db = compile(small, hw);
  assert.equal(db.placement, 'layer-double-buffered');
  assert.ok(db.phases.filter((p) => p.kind === 'qkv').every((p) => p.weightLoadBytes === lw));
  hw.memory.weightBufferKiB = Math.floor((2 * lw) / 1024) - 1;
  const st = compile(small, hw);
  assert.equal(st.placement, 'streamed');
  for (const p of st.phases) for (const s of p.stages) {
    if (s.op.kind !== 'matmul') { assert.equal(s.stream, undefined); continue; }
    assert.ok(s.stream && s.stream.tileBytes <= (hw.memory.weightBufferKiB * 1024) / 2, 'a tile fits in half the buffer');
  }
});

test('the schedule is plain JSON: phases in order, stages of a block, ops per block that add up to the whole model', () => {
  const s = compile(small, PRESETS.edge);
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  const names = s.phases.map((p) => p.name);
  assert.equal(names[0], 'embed');
  assert.equal(names.at(-1), 'head');
  assert.equal(names.length, 2 + 2 * small.shape.layers);
  assert.deepEqual(s.phases[2].stages.map((x) => x.name), ['scores', 'softmax', 'context', 'ctx-bin', 'o', 'add-ln1', 'ffn-bin', 'ffn1', 'relu-bin', 'ffn2', 'add-ln2']);
  // Σ over blocks of the per-block ops = the closed form of the whole encoder (2·M·N·K per product)
  let ops = 0;
  for (const p of s.phases) for (const st of p.stages) ops += (p.blocks - 1) * opsCount(st.op) + opsCount(st.lastOp);
  const { seqLen: T, hidden: H, ffn: F, heads: A, layers: L, numLabels: C } = small.shape;
  const encoder = L * (2 * T * (4 * H * H + 2 * H * F) + 2 * 2 * A * T * T * (H / A));
  assert.equal(ops, encoder + 2 * (H * H + H * C));
});

test('the default block keeps at least MIN_BLOCKS blocks and its FIFOs fit; a partial last block is handled', () => {
  const B = chooseBlockTokens(small, PRESETS.zcu102);
  assert.ok(B >= 1 && small.shape.seqLen / B >= MIN_BLOCKS);
  const odd = parseWorkload({ ...small, shape: { ...small.shape, seqLen: 50 } });
  const s = compile(odd, PRESETS.zcu102, { blockTokens: 16 });
  assert.equal(s.blocks, 4);
  const qkv = s.phases[1].stages[1];
  assert.equal(qkv.op.kind === 'matmul' && qkv.op.rows, 16);
  assert.equal(qkv.lastOp.kind === 'matmul' && qkv.lastOp.rows, 2);
});

test('a model that cannot fit even with streamed weights is refused with every reason', () => {
  const big: Workload = workloadFromShape(SHAPES['bert-base']);
  assert.throws(() => compile(big, PRESETS.edge), (e: unknown) => {
    assert.ok(e instanceof BitedgeError);
    assert.deepEqual(e.issues.map((i) => i.code).sort(), ['bat_activations_do_not_fit', 'bat_fifo_too_small']);
    return true;
  });
  assert.throws(() => compile(small, PRESETS.edge, { blockTokens: 0 }), /block size must be an integer/);
  assert.throws(() => compile(small, PRESETS.edge, { blockTokens: 128 }), /FIFOs too small for blocks of 128 tokens/);
});

test('workloads are validated: bad bits, heads that do not divide hidden', () => {
  assert.throws(() => parseWorkload({ ...small, bits: { ...small.bits, qkvIn: 3 } }), (e: unknown) => e instanceof BitedgeError && e.issues.some((i) => i.path?.join('.') === 'bits.qkvIn'));
  assert.throws(() => parseWorkload({ ...small, shape: { ...small.shape, heads: 5 } }), /not a multiple of heads/);
});
