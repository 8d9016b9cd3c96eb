import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tempDir } from '../temp-dir.ts';
import { join } from 'node:path';
import { createRng } from '../../src/common/rng.ts';
import { BitedgeError } from '../../src/common/errors.ts';
import { resolvePreset } from '../../src/bmt/presets.ts';
import { HardwareSchema } from '../../src/bat/hw.ts';
import {
  SPACES, MODEL_FIELDS, HARDWARE_FIELDS, parseSpace, loadSpace, spaceGenes, geneNames, spaceSize, decodePoint, decodeHardware, encodePoint, modelConfig, workloadOfConfig,
  type Scope,
} from '../../src/dse/space.ts';

const codes = (f: () => unknown): string[] => {
  try {
    f();
  } catch (e) {
    if (e instanceof BitedgeError) return e.issues.map((i) => i.code);
    throw e;
  }
  return [];
};

test('decode → encode is the identity on random genomes of every named space, in both scopes; decoded points validate', () => {
  const rng = createRng('space-roundtrip');
  const base = resolvePreset('tiny');
  for (const [name, space] of Object.entries(SPACES))
    for (const scope of ['joint', 'hardware'] as Scope[]) {
      const genes = spaceGenes(space, scope);
      const varying = (scope === 'joint' ? MODEL_FIELDS.filter((f) => space.model[f].length > 1).length : 0) + HARDWARE_FIELDS.filter((f) => space.hardware[f].length > 1).length;
      assert.equal(genes.length, varying, `${name}/${scope}: one gene per varying field`);
      assert.equal(geneNames(space, scope).length, genes.length);
      for (let t = 0; t < 50; t++) {
        const x = genes.map((g) => (g.kind === 'choice' ? rng.int(g.choices) : 0));
        const p = decodePoint(space, x, scope);
        assert.deepEqual(encodePoint(space, p, scope), x);
        assert.ok(HardwareSchema.safeParse(p.hardware).success);
        const c = modelConfig(base, p.model);
        assert.equal(c.ffn, p.model.ffnMult * p.model.hidden);
        assert.equal(c.vocabSize, base.vocabSize, 'fields the space does not set come from the base config');
        const w = workloadOfConfig(c, 2);
        assert.equal(w.bits.q, p.model.qkvOut);
        assert.equal(w.weightParts, 2);
      }
    }
});

test('sizes: the codesign space has 4 model configs, the small one 2; hardware-only has no model genes', () => {
  assert.equal(spaceSize(SPACES.codesign, 'joint').models, 4);
  assert.equal(spaceSize(SPACES.small, 'joint').models, 2);
  assert.equal(spaceSize(SPACES.small, 'hardware').models, 1);
  assert.ok(geneNames(SPACES.default, 'hardware').every((n) => n.startsWith('hardware.')));
});

test('space validation lists every bad field and impossible combination', () => {
  const good = structuredClone(SPACES.small);
  assert.deepEqual(codes(() => parseSpace({ ...good, model: { ...good.model, heads: [2, 3] } })), ['space_bad_heads']);
  assert.deepEqual(codes(() => parseSpace({ ...good, hardware: { ...good.hardware, board: ['zcu102', 'nope'] } })), ['space_unknown_board']);
  const bad = codes(() => parseSpace({ ...good, model: { ...good.model, layers: [] }, hardware: { ...good.hardware, bmuPe: [0] } }));
  assert.deepEqual(bad, ['space_invalid_field', 'space_invalid_field']);
  assert.deepEqual(codes(() => parseSpace({ ...good, model: { ...good.model, ffnIn: [3] } })), ['space_invalid_field']);
  assert.deepEqual(codes(() => decodeHardware(good, [0], 'hardware')), ['space_bad_genome']);
  const n = spaceGenes(good, 'hardware').length;
  assert.deepEqual(codes(() => decodeHardware(good, new Array(n).fill(7), 'hardware')), ['space_bad_genome']);
  const p = decodePoint(good, new Array(spaceGenes(good, 'joint').length).fill(0));
  assert.deepEqual(codes(() => encodePoint(good, { ...p, hardware: { ...p.hardware, clockMHz: 123 } })), ['space_value_outside']);
  const dir = tempDir('dse-space-');
  writeFileSync(join(dir, 'bad.json'), '{"format": ');
  assert.throws(() => loadSpace(join(dir, 'bad.json')), (e: unknown) => e instanceof BitedgeError && e.code === 'space_bad_json' && e.message.includes('bad.json'));
  writeFileSync(join(dir, 'ok.json'), JSON.stringify(SPACES.small));
  assert.deepEqual(loadSpace(join(dir, 'ok.json')), SPACES.small);
});
