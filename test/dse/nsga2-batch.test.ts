import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/common/rng.ts';
import { nsga2, nsga2Batch } from '../../src/dse/nsga2.ts';
import { zdtProblem } from '../../src/dse/zdt.ts';
import { SPACES, spaceGenes } from '../../src/dse/space.ts';

test('nsga2Batch makes the same populations as nsga2, draw for draw (real genes: ZDT1; choice genes: a space)', async () => {
  const zdt = zdtProblem('zdt1', 8);
  const sync = nsga2(zdt, { populationSize: 20, generations: 15, rng: createRng('same') });
  let batches = 0;
  const batch = await nsga2Batch(
    { genes: zdt.genes, objectives: 2, async evaluateBatch(xs) { batches++; return xs.map((x) => zdt.evaluate(x)); } },
    { populationSize: 20, generations: 15, rng: createRng('same') },
  );
  assert.deepEqual(batch.map((p) => p.x), sync.map((p) => p.x));
  assert.equal(batches, 16, 'one batch per generation, the initial population included');

  // Choice genes, two objectives and a constraint computed from the genome.
  const genes = spaceGenes(SPACES.default, 'joint');
  const f = (x: number[]) => ({ objectives: [x.reduce((a, b) => a + b, 0), -x[0] * x[1]], violation: x[2] > 2 ? x[2] - 2 : 0 });
  const a = nsga2({ genes, objectives: 2, evaluate: f }, { populationSize: 16, generations: 10, rng: createRng(7) });
  const seen: number[] = [];
  const b = await nsga2Batch({ genes, objectives: 2, evaluateBatch: async (xs) => xs.map(f) }, {
    populationSize: 16, generations: 10, rng: createRng(7), onGeneration: (g) => { seen.push(g); },
  });
  assert.deepEqual(b.map((p) => p.x), a.map((p) => p.x));
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.ok(a.every((p) => p.x.every((g, i) => genes[i].kind === 'choice' && Number.isInteger(g) && g >= 0 && g < genes[i].choices)));
});
