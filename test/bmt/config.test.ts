import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBmtConfig, BmtConfigSchema } from '../../src/bmt/config.ts';
import { resolvePreset, presets } from '../../src/bmt/presets.ts';
import { BitedgeError } from '../../src/common/errors.ts';

const base = { layers: 2, hidden: 64, heads: 4, ffn: 128, seqLen: 32, vocabSize: 500 };
const issueAt = (raw: unknown, file?: string): BitedgeError => {
  try { parseBmtConfig(raw, file); } catch (e) { assert.ok(e instanceof BitedgeError); return e; }
  assert.fail('config was accepted');
};

test('presets validate and round-trip through JSON unchanged', () => {
  for (const name of Object.keys(presets)) {
    const c = resolvePreset(name);
    assert.deepEqual(parseBmtConfig(JSON.parse(JSON.stringify(c))), c);
  }
  assert.throws(() => resolvePreset('huge'), (e: unknown) => e instanceof BitedgeError && e.code === 'bmt_preset_unknown' && /tiny/.test(e.message));
});

test('impossible values give an error naming the field (and file)', () => {
  const heads = issueAt({ ...base, heads: 3 }, 'cfg.json');
  assert.deepEqual(heads.issues[0].path, ['heads']);
  assert.match(heads.message, /^cfg\.json: heads: heads \(3\) must divide hidden \(64\)/);
  assert.deepEqual(issueAt({ ...base, seqLen: 0 }).issues[0].path, ['seqLen']);
  const bits = issueAt({ ...base, bits: { ffnIn: 3 } });
  assert.deepEqual(bits.issues[0].path, ['bits', 'ffnIn']);
  assert.match(bits.message, /bits must be one of 1, 2, 4, 8, 32/);
  assert.deepEqual(issueAt({ ...base, attention: 'linear' }).issues[0].path, ['attention']);
  assert.deepEqual(issueAt({ ...base, train: { batchSize: 0 } }).issues[0].path, ['train', 'batchSize']);
  assert.ok(BmtConfigSchema.safeParse(base).success);
});
