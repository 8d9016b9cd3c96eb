/**
 * Design space exploration speed: analytical evaluations per second on the main thread vs through the
 * worker pool (generation-sized and large batches), and a whole hardware-only search.
 * Run: node --import tsx bench/dse.ts   (prints a markdown table; medians of 3)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../src/common/rng.ts';
import { resolvePreset } from '../src/bmt/presets.ts';
import { SPACES, decodePoint, modelConfig, spaceGenes, workloadOfConfig } from '../src/dse/space.ts';
import { hardwareMetrics } from '../src/dse/objectives.ts';
import { WorkerPool } from '../src/dse/pool.ts';
import { explore } from '../src/dse/explore.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const space = SPACES.default, genes = spaceGenes(space, 'joint'), base = resolvePreset('tiny'), rng = createRng('bench-dse');
const items = Array.from({ length: 2000 }, () => {
  const p = decodePoint(space, genes.map((g) => rng.int(g.kind === 'choice' ? g.choices : 1)));
  return { workload: workloadOfConfig(modelConfig(base, p.model), 2), hardware: p.hardware };
});

async function rate(f: () => Promise<unknown> | unknown, n: number): Promise<number> {
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    await f();
    runs.push(n / ((performance.now() - t0) / 1000));
  }
  return median(runs);
}

const rows: [string, number][] = [];
rows.push(['main thread, one at a time', await rate(() => items.forEach((it) => hardwareMetrics(it.workload, it.hardware)), items.length)]);
for (const workers of [1, 2]) {
  const pool = new WorkerPool(workers);
  await pool.run({ kind: 'hardware', items: items.slice(0, 10) }); // start-up and warm-up
  for (const batch of [24, 500]) {
    const per = Math.ceil(batch / workers);
    rows.push([`${workers} worker(s), batches of ${batch}`, await rate(async () => {
      for (let i = 0; i < items.length; i += batch) {
        const b = items.slice(i, i + batch);
        await Promise.all(Array.from({ length: workers }, (_, w) => b.slice(w * per, (w + 1) * per)).filter((c) => c.length).map((c) => pool.run({ kind: 'hardware', items: c })));
      }
    }, items.length)]);
  }
  await pool.close();
}
const base0 = rows[0][1];
console.log('| evaluation path | evaluations/s | vs main thread |\n|---|---|---|');
for (const [name, r] of rows) console.log(`| ${name} | ${r.toFixed(0)} | ${(r / base0).toFixed(2)}× |`);

const model = workloadOfConfig(modelConfig(base, decodePoint(space, genes.map(() => 0)).model), 2);
const walls: number[] = [];
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  const res = await explore({
    space, scope: 'hardware', fixed: { workload: model, accuracy: { accuracy: 0.9, testAccuracy: null, bitflipAccuracy: null, model: 'bench' } },
    population: 24, generations: 30, seed: r, constraints: {}, outDir: join(mkdtempSync(join(tmpdir(), 'bench-dse-')), 'x'), quiet: true,
  });
  walls.push((performance.now() - t0) / 1000);
  if (r === 0) console.log(`\nhardware-only search, 24 × 30 generations: ${res.all.length} distinct designs`);
}
console.log(`wall time (worker start-up, journal fsyncs included): median ${median(walls).toFixed(2)} s of 3`);
