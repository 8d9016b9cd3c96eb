import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { tempDir } from '../temp-dir.ts';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainTokenizer } from '../../src/data/tokenizer.ts';
import { randomDeployModel, writeBmtFile } from '../../src/format/index.ts';
import { explore } from '../../src/dse/explore.ts';
import { fixedModelFromFile } from '../../src/dse/setup.ts';
import { paretoOf } from '../../src/dse/front.ts';
import { SPACES, decodePoint, modelConfig, spaceGenes, workloadOfConfig } from '../../src/dse/space.ts';
import { WorkerPool } from '../../src/dse/pool.ts';
import { hardwareMetrics } from '../../src/dse/objectives.ts';
import { resolvePreset } from '../../src/bmt/presets.ts';
import { readJournal, type JournalRecord } from '../../src/dse/journal.ts';
import { BitedgeError } from '../../src/common/errors.ts';
import { exploreCommand } from '../../src/cli/explore.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = `import('./src/cli/main.ts').then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;
const spawnCli = (args: string[]) => spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawnCli(args);
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const dir = tempDir('dse-explore-');
const modelFile = join(dir, 'model.bmt');
const records = (out: string): JournalRecord[] => readJournal(readFileSync(join(out, 'journal.jsonl'), 'utf8'), 'journal').records;

before(() => {
  const tok = trainTokenizer(['win cash now, reply to claim your prize', 'the meeting moved to friday, agenda attached'], { vocabSize: 280 });
  const shape = { vocabSize: tok.vocabSize, seqLen: 16, hidden: 32, heads: 2, ffn: 64, layers: 1, numLabels: 2 };
  const model = { ...randomDeployModel(shape, 'dse-explore', { sites: 'binary', parts: 2, variants: ['softmax-binary'] }), tokenizer: tok.toJSON(), labels: ['ham', 'spam'] };
  writeBmtFile(modelFile, model);
});

const GENERATIONS = 150, POPULATION = 16;

test('SIGKILL mid-search, then --resume: nothing finished is re-run, the result equals an uninterrupted run', async () => {
  const out = join(dir, 'killed');
  const args = ['explore', '--model', modelFile, '--space', 'small', '--generations', String(GENERATIONS), '--population', String(POPULATION), '--out', out, '--quiet', '--json'];
  const child = spawnCli(args);
  const exited = new Promise((r) => child.on('close', r));
  // Kill once a few generations are journaled, before the search ends.
  for (;;) {
    await new Promise((r) => setTimeout(r, 5));
    const f = join(out, 'journal.jsonl');
    if (!existsSync(f)) continue;
    const text = readFileSync(f, 'utf8');
    if ((text.match(/"type":"generation"/g) ?? []).length >= 3) { child.kill('SIGKILL'); break; }
  }
  await exited;
  const before = records(out);
  assert.ok(!before.some((r) => r.type === 'done'), 'the search finished before the kill: the test did not interrupt anything');
  const evalsBefore = before.filter((r) => r.type === 'eval').length;
  assert.ok(evalsBefore > 0);
  // A write torn by the kill: the resumed run must drop it, not choke on it.
  appendFileSync(join(out, 'journal.jsonl'), '{"type":"eval","key":"1.0');

  await assert.rejects(exploreCommand.run(args.slice(1)), (e: unknown) => e instanceof BitedgeError && e.code === 'explore_out_exists' && /--resume/.test(e.message));

  // Resume in this process (the CLI's own code path; spawning a second process would only add start-up time).
  assert.equal(await exploreCommand.run([...args.slice(1).filter((a) => a !== '--json'), '--resume']), 0);
  const doc = JSON.parse(readFileSync(join(out, 'front.json'), 'utf8'));
  assert.equal(doc.stats.reused + doc.stats.evaluated, doc.counts.evaluated);
  const after = records(out);
  const keys = after.filter((r) => r.type === 'eval').map((r) => (r as { key: string }).key);
  assert.equal(new Set(keys).size, keys.length, 'an evaluation was run twice');
  assert.equal(after.filter((r) => r.type === 'eval').length, doc.counts.evaluated);
  assert.ok(doc.stats.reused > 0 && doc.stats.reused <= evalsBefore, `reused ${doc.stats.reused} of ${evalsBefore} journaled`);
  assert.deepEqual(after.slice(0, before.length), before, 'the journal is append-only');

  // The same search, uninterrupted, in process.
  const ref = await explore({
    space: SPACES.small, scope: 'hardware', fixed: fixedModelFromFile(modelFile), population: POPULATION, generations: GENERATIONS,
    seed: '1', constraints: {}, outDir: join(dir, 'reference'), quiet: true,
  });
  assert.equal(ref.all.length, doc.counts.evaluated);
  assert.deepEqual(paretoOf(ref.all).map((p) => p.key), doc.front.map((p: { key: string }) => p.key));
  const gens = (rs: JournalRecord[]) => rs.filter((r) => r.type === 'generation');
  assert.deepEqual(gens(after), gens(records(join(dir, 'reference'))));
});

test('a journal of another search is refused; bad input is a BitedgeError naming the reason', async () => {
  const out = join(dir, 'other');
  const base = ['explore', '--model', modelFile, '--space', 'small', '--generations', '1', '--population', '8', '--out', out, '--quiet'];
  const r = await runCli(base);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /designs evaluated/);
  for (const f of ['front.json', 'front.csv', 'evaluations.csv', 'pareto-latency.svg', 'pareto-energy.svg', 'latency-energy.svg', 'genes.json', 'chosen/report.html', 'chosen/timeline.svg', 'chosen/hardware.json'])
    assert.ok(existsSync(join(out, f)), f);
  const rejects = (args: string[], code: string, message: RegExp) =>
    assert.rejects(exploreCommand.run(args), (e: unknown) => e instanceof BitedgeError && e.code === code && message.test(e.message));
  await rejects([...base.slice(1), '--seed', '2', '--resume'], 'journal_other_search', /different search/);
  await rejects(['--model', modelFile, '--population', '7', '--out', join(dir, 'bad')], 'explore_bad_option', /population must be an even integer/);
  await rejects(['--model', modelFile, '--generations', 'x', '--out', join(dir, 'bad')], 'cli_bad_option', /--generations must be an integer/);
  await rejects(['--model', modelFile, '--dataset', 'spamassassin', '--out', join(dir, 'both')], 'cli_usage', /exactly one/);
  await rejects(['--model', modelFile, '--board', 'nope', '--out', join(dir, 'board')], 'cli_bad_option', /unknown board/);
  await rejects(['--model', join(dir, 'missing.bmt'), '--out', join(dir, 'missing')], 'bmt_io', /missing\.bmt/);
  await assert.rejects(
    explore({ space: SPACES.small, scope: 'hardware', population: 8, generations: 1, seed: 1, constraints: {}, outDir: join(dir, 'x') }),
    (e: unknown) => e instanceof BitedgeError && e.code === 'explore_no_model',
  );
});

test('worker pool: results in job order per worker, a BitedgeError thrown in a worker arrives as one (code and issues kept)', async () => {
  const pool = new WorkerPool(2);
  try {
    const space = SPACES.small, genes = spaceGenes(space, 'joint');
    const items = Array.from({ length: 12 }, (_, i) => {
      const p = decodePoint(space, genes.map((g, j) => (i + j) % (g.kind === 'choice' ? g.choices : 1)));
      return { workload: workloadOfConfig(modelConfig(resolvePreset('tiny'), p.model), 2), hardware: p.hardware };
    });
    const [a, b] = await Promise.all([pool.run({ kind: 'hardware', items: items.slice(0, 6) }), pool.run({ kind: 'hardware', items: items.slice(6) })]);
    assert.deepEqual([...a, ...b], items.map((it) => hardwareMetrics(it.workload, it.hardware)));
    await assert.rejects(
      pool.run({ kind: 'train', job: { config: resolvePreset('tiny'), data: {}, cacheDir: join(dir, 'cache') } }),
      (e: unknown) => e instanceof BitedgeError && e.code === 'train_no_data',
    );
  } finally {
    await pool.close();
  }
});
