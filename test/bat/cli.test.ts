import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tempDir } from '../temp-dir.ts';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomDeployModel, writeBmtFile } from '../../src/format/index.ts';
import { trainTokenizer } from '../../src/data/tokenizer.ts';
import { PRESETS } from '../../src/bat/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const code = `import('./src/cli/main.ts').then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;
  const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  p.stdout.on('data', (d) => (stdout += d));
  p.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => p.on('close', (c) => resolve({ code: c, stdout, stderr })));
}

const dir = tempDir('bat-cli-');

test('hw validate lists every problem of a bad file and exits 1; a good preset exits 0', async () => {
  const bad = { ...structuredClone(PRESETS.zcu102), board: 'pynq', clockMHz: -5 };
  (bad.bmu as { pe: number }).pe = 0;
  writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
  const r = await cli(['hw', 'validate', join(dir, 'bad.json')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /board: unknown board 'pynq'/);
  assert.match(r.stderr, /clockMHz: /);
  assert.match(r.stderr, /bmu\.pe: /);
  const ok = await cli(['hw', 'validate', 'zcu102', '--shape', 'bert-base']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /lut +\d+ of +274080/);
  assert.match(ok.stdout, /valid for the workload/);
});

test('sim refuses a model that cannot fit and a file the format rejects, with clear messages', async () => {
  const r = await cli(['sim', '--shape', 'bert-base', '--hw', 'edge']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /activation buffer too small/);
  assert.match(r.stderr, /FIFOs too small/);
  writeFileSync(join(dir, 'junk.bmt'), 'not a model');
  const j = await cli(['sim', join(dir, 'junk.bmt'), '--hw', 'edge']);
  assert.equal(j.code, 1);
  assert.match(j.stderr, /junk\.bmt/);
  const u = await cli(['sim', '--hw', 'edge']);
  assert.equal(u.code, 1);
  assert.match(u.stderr, /MODEL\.bmt or --shape/);
});

test('sim on a .bmt model: functional run bit-identical to referenceForward, report folder with JSON, SVG and HTML', async () => {
  const texts = ['win cash now, reply to claim your prize', 'the meeting moved to friday, agenda attached'];
  const tok = trainTokenizer([...texts, ...texts.map((t) => t.toUpperCase())], { vocabSize: 280 });
  const shape = { vocabSize: tok.vocabSize, seqLen: 16, hidden: 32, heads: 2, ffn: 48, layers: 2, numLabels: 2 };
  const model = { ...randomDeployModel(shape, 'bat-cli', { sites: 'binary', parts: 1, variants: ['softmax-binary'] }), tokenizer: tok.toJSON(), labels: ['ham', 'spam'] };
  const file = join(dir, 'tiny.bmt');
  writeBmtFile(file, model);
  const out = join(dir, 'report');
  const r = await cli(['sim', file, '--hw', 'edge', '--text', texts[0], '--json', '--report', out]);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.functional.equalsReferenceForward, true);
  assert.ok(['ham', 'spam'].includes(rep.functional.label));
  assert.match(rep.throughput.convention, /2·M·N·K/);
  assert.ok(rep.comparison.some((c: { kind: string }) => c.kind === 'published figure'));
  assert.equal(rep.comparison[0].kind, 'bitedge model estimate');
  assert.deepEqual(readdirSync(out).sort(), ['report.html', 'report.json', 'timeline.svg']);
  const svg = readFileSync(join(out, 'timeline.svg'), 'utf8');
  for (const e of ['ddr', 'bmu', 'atu', 'softmax', 'layernorm', 'threshold']) assert.match(svg, new RegExp(`>${e}</text>`));
  for (const l of ['busy', 'stalled on memory', 'stalled on a dependency', 'idle']) assert.ok(svg.includes(l), l);
  assert.match(svg, />L1</);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.ok(html.includes('<svg') && html.includes('published figure') && html.includes('bitedge model estimate'));
});

test('sim --shape: a timing-only text report with latency, GOPS, energy, utilisation and the bottleneck', async () => {
  const r = await cli(['sim', '--shape', 'bmt-small', '--hw', 'zcu102', '--schedule', join(dir, 'schedule.json')]);
  assert.equal(r.code, 0, r.stderr);
  const sched = JSON.parse(readFileSync(join(dir, 'schedule.json'), 'utf8'));
  assert.equal(sched.format, 'bitedge-schedule');
  assert.equal(sched.phases.length, 2 + 2 * 4);
  for (const k of [/latency +[\d.]+ [µm]s/, /throughput +[\d.]+ GOPS/, /GOPS\/W/, /bottleneck +\w+ busy/, /^bmu +[\d.]+%/m]) assert.match(r.stdout, k);
});
