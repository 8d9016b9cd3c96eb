// Builds the AssemblyScript kernels (kernels/*.ts) into build/kernels.wasm: SIMD on, -O3, no GC
// (--runtime stub: the kernels never allocate), memory exported so the runtime manages it from JS.
// One module for Node and the browser. Run by `npm run build:kernels` (and `npm run build`, `pretest`).
import { main } from 'assemblyscript/asc';
import { mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'kernels.wasm');
const tmp = `${out}.${process.pid}.tmp`;
mkdirSync(dirname(out), { recursive: true });

const { error, stderr } = await main([
  join(root, 'kernels', 'index.ts'),
  '--outFile', tmp,
  '--enable', 'simd',
  '--optimizeLevel', '3',
  '--shrinkLevel', '0',
  '--converge',
  '--noAssert',
  '--runtime', 'stub',
  '--initialMemory', '4',
]);
if (error) {
  process.stderr.write(stderr.toString());
  process.stderr.write(`build-kernels: ${error.message}\n`);
  process.exit(1);
}
renameSync(tmp, out); // atomic: a failed build never leaves half a module
console.log(`build-kernels: ${out} (${statSync(out).size} bytes)`);
