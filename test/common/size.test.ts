// A line budget for the source (tinygrad's habit): fewer lines must come from less complexity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const BUDGET = 25_000;

function sourceLines(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) n += sourceLines(p);
    else if (/\.(ts|mjs)$/.test(name)) n += readFileSync(p, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
  }
  return n;
}

test(`src/ and kernels/ stay within ${BUDGET} non-blank lines`, () => {
  const root = new URL('../../', import.meta.url).pathname;
  const n = sourceLines(join(root, 'src')) + (() => { try { return sourceLines(join(root, 'kernels')); } catch { return 0; } })();
  assert.ok(n > 0, 'no source found: the counter is broken');
  assert.ok(n <= BUDGET, `${n} non-blank source lines, budget ${BUDGET}`);
});
