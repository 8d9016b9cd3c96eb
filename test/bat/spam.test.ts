// The simulator on a really trained model: the BMT `tiny` preset trained on SpamAssassin (one epoch per
// stage of the FP32 → ternary → TWS → W1A1 recipe, to stay within the test budget), exported to a
// DeployModel, and run on real test-set emails: the simulator's logits equal referenceForward's bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { tempDir } from '../temp-dir.ts';
import { join } from 'node:path';
import { buildConfig } from '../../src/bmt/run.ts';
import { prepareData } from '../../src/bmt/data.ts';
import { initEngine } from '../../src/bmt/engine.ts';
import { trainRecipe } from '../../src/bmt/recipe.ts';
import { toDeployModel } from '../../src/bmt/export.ts';
import { referenceForward } from '../../src/runtime/index.ts';
import { PRESETS, compile, simulate, createDatapath, workloadFromModel } from '../../src/bat/index.ts';

test('SpamAssassin: a trained tiny BMT through the simulator, bit-identical to referenceForward on 40 test emails', async () => {
  const out = tempDir('bat-spam-');
  const config = buildConfig('tiny', { train: { epochs: { fp32: 1, ternary: 1, binary: 1 } } });
  await initEngine('wasm');
  const prepared = prepareData({ dataset: 'spamassassin' }, config, out);
  const result = trainRecipe({ recipe: 'bmt', config, data: prepared.data, outDir: out, quiet: true });
  const model = toDeployModel(result.final, prepared.tokenizer.toJSON());
  const workload = workloadFromModel(model);
  const test = prepared.data.test, T = test.seqLen;
  const distinct = new Set<string>();
  for (const hwName of ['edge', 'zcu102']) {
    const hw = PRESETS[hwName];
    const schedule = compile(workload, hw);
    for (let i = 0; i < 20; i++) {
      const ids = test.ids.slice(i * T, (i + 1) * T), mask = test.mask.slice(i * T, (i + 1) * T);
      const dp = createDatapath(model, ids, mask);
      simulate(schedule, hw, { datapath: dp, keepIntervals: false });
      const ref = referenceForward(model, ids, mask);
      assert.ok(dp.logits && dp.logits.length === ref.length);
      for (let k = 0; k < ref.length; k++) assert.ok(Object.is(dp.logits[k], ref[k]), `${hwName} email ${i} logit ${k}: ${dp.logits[k]} vs ${ref[k]}`);
      distinct.add(Array.from(ref).join(','));
    }
  }
  assert.ok(distinct.size >= 5, `the emails give different logits (${distinct.size} distinct): the comparison is not between constants`);
});
