import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tempDir } from '../temp-dir.ts';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BitedgeError } from '../../src/common/errors.ts';
import { codesignCommand } from '../../src/cli/codesign.ts';
import type { CodesignState } from '../../src/dse/codesign.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = `import('./src/cli/main.ts').then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('codesign --quick: the whole flow on SpamAssassin into a report folder; --resume skips every finished step', async () => {
  const out = join(tempDir('dse-codesign-'), 'cd');
  const r = await runCli(['codesign', '--quick', '--out', out, '--quiet', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const state = JSON.parse(r.stdout) as CodesignState;
  for (const f of [
    'index.html', 'codesign.json', 'model.bmt', 'runtime.json', 'bat-edge/report.html', 'bat-edge/timeline.svg',
    'explore/front.json', 'explore/front.csv', 'explore/evaluations.csv', 'explore/pareto-latency.svg', 'explore/pareto-energy.svg',
    'explore/journal.jsonl', 'explore/chosen/report.html', 'explore/chosen/timeline.svg', `cache/${state.steps.train!.key}/metrics.json`,
  ]) assert.ok(existsSync(join(out, f)), `missing ${f}`);
  const s = state.steps;
  assert.ok(s.train!.test.n > 500, 'the test split is the whole SpamAssassin test split');
  assert.ok(s.train!.test.accuracy > 0.8, `the quick model learned (test accuracy ${s.train!.test.accuracy}), so runtime = training is not a majority-class tie`);
  assert.ok(s.train!.bitflip.accuracy > 0.5 && s.train!.bitflip.accuracy <= 1);
  assert.equal(s.runtime!.equal, true, `runtime ${s.runtime!.runtimeAccuracy} vs training ${s.runtime!.trainingAccuracy}`);
  assert.equal(s.sim!.functionalEqual, true, 'BAT functional simulation bit-identical to the runtime reference');
  assert.ok(s.explore!.evaluated > 0 && s.explore!.front > 0 && s.explore!.chosen);
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  for (const link of ['explore/pareto-latency.svg', 'bat-edge/report.html', 'explore/chosen/report.html', 'model.bmt', 'runtime.json']) assert.ok(html.includes(`"${link}"`), link);
  // The joint search met the step-1 model config: it came from the cache, not from a second training.
  const journal = readFileSync(join(out, 'explore/journal.jsonl'), 'utf8');
  const models = journal.split('\n').filter((l) => l.includes('"type":"model"')).map((l) => JSON.parse(l).key as string);
  assert.ok(models.includes(s.train!.key));
  assert.equal(new Set(models).size, models.length);
  const front = JSON.parse(readFileSync(join(out, 'explore/front.json'), 'utf8'));
  assert.deepEqual([front.stats.trained, front.stats.reusedModels], [1, 1], 'space small has 2 model configs: one trained by the search, one from step 1');

  await assert.rejects(codesignCommand.run(['--quick', '--out', out, '--quiet']), (e: unknown) => e instanceof BitedgeError && e.code === 'codesign_out_exists');
  const t0 = Date.now();
  assert.equal(await codesignCommand.run(['--quick', '--out', out, '--quiet', '--resume']), 0);
  assert.ok(Date.now() - t0 < 20_000, `a resume with every step finished took ${Date.now() - t0} ms`);
  assert.equal(readFileSync(join(out, 'explore/journal.jsonl'), 'utf8'), journal, 'no step re-ran');
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'codesign.json'), 'utf8')).steps, state.steps);
});
