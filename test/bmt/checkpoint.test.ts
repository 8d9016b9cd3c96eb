import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { tempDir } from '../temp-dir.ts';
import { join } from 'node:path';
import { encodeCheckpoint, decodeCheckpoint, readCheckpoint, writeCheckpoint, type StageState } from '../../src/bmt/checkpoint.ts';
import { resolvePreset } from '../../src/bmt/presets.ts';
import { initParams, FP32 } from '../../src/bmt/model.ts';
import { createRng } from '../../src/common/rng.ts';
import { BitedgeError } from '../../src/common/errors.ts';

function state(): StageState {
  const c = resolvePreset('tiny');
  const params = initParams(c, FP32, 2, createRng(7));
  const adamM = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.map((x) => x * 0.5)]));
  return { stage: 'fp32', config: c, variant: FP32, labels: ['a', 'b'], step: 12, totalSteps: 40, done: false, params, adamM, adamV: adamM };
}

test('checkpoint round trip keeps every tensor bit for bit', () => {
  const s = state();
  const d = decodeCheckpoint(encodeCheckpoint(s));
  assert.equal(d.step, 12);
  assert.deepEqual(d.config, s.config);
  assert.deepEqual(Object.keys(d.params), Object.keys(s.params));
  for (const k of Object.keys(s.params)) {
    assert.deepEqual(d.params[k], s.params[k]);
    assert.deepEqual(d.adamM![k], s.adamM![k]);
  }
});

test('a truncated, bit-flipped or foreign checkpoint is detected and never loaded', () => {
  const dir = tempDir('bmt-ckpt-');
  const f = join(dir, 'fp32.ckpt');
  writeCheckpoint(f, state());
  const bytes = readFileSync(f);
  assert.equal(readCheckpoint(f).step, 12);
  writeFileSync(f, bytes.subarray(0, bytes.length - 100));
  assert.throws(() => readCheckpoint(f), (e: unknown) => e instanceof BitedgeError && e.code === 'ckpt_checksum' && e.message.includes(f));
  const flipped = Buffer.from(bytes);
  flipped[flipped.length >> 1] ^= 0x10;
  writeFileSync(f, flipped);
  assert.throws(() => readCheckpoint(f), (e: unknown) => e instanceof BitedgeError && e.code === 'ckpt_checksum');
  writeFileSync(f, 'not a checkpoint at all, just some text that is long enough');
  assert.throws(() => readCheckpoint(f), (e: unknown) => e instanceof BitedgeError && e.code === 'ckpt_bad_magic');
  assert.throws(() => readCheckpoint(join(dir, 'none.ckpt')), (e: unknown) => e instanceof BitedgeError && e.code === 'ckpt_missing');
});
