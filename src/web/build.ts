/**
 * Bundle the web page into a folder: main.js (esbuild, ESM, browser), index.html and kernels.wasm.
 * Node builtins reached through shared modules (file helpers the page never calls) become empty
 * modules. Used by the browser test; `node --import tsx src/web/build.ts OUT_DIR` builds it by hand.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KERNELS_PATH, readKernelsWasm } from '../runtime/kernels-node.ts';

// The page's sources, from src/web or from its compiled copy in dist/web alike (a development tool: it needs
// the repository's src/ and the esbuild dev dependency).
const HERE = fileURLToPath(new URL('../../src/web/', import.meta.url));

export async function buildWebPage(outDir: string, kernelsPath = KERNELS_PATH): Promise<void> {
  const esbuild = await import('esbuild'); // a development tool: loaded only when a page is built
  mkdirSync(outDir, { recursive: true });
  readKernelsWasm(kernelsPath); // a clear error when the kernels are not built
  await esbuild.build({
    entryPoints: [join(HERE, 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(outDir, 'main.js'),
    logLevel: 'error',
    plugins: [{
      name: 'node-builtins-empty',
      setup(build) {
        build.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'node-empty' }));
        build.onLoad({ filter: /.*/, namespace: 'node-empty' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
      },
    }],
  });
  copyFileSync(join(HERE, 'index.html'), join(outDir, 'index.html'));
  copyFileSync(kernelsPath, join(outDir, 'kernels.wasm'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: node --import tsx src/web/build.ts OUT_DIR\n');
    process.exit(2);
  }
  await buildWebPage(out);
  process.stdout.write(`web page in ${out} (add a model.bmt, serve the folder over http)\n`);
}
