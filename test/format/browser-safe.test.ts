/** The loader runs in the browser too: bundling it for the browser platform must need no Node built-in. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { join } from 'node:path';

test('bmt.ts, onnx.ts and random.ts bundle for the browser without node: modules, and the bundle decodes a file', async () => {
  const root = join(import.meta.dirname, '../..');
  const result = await build({
    stdin: {
      contents: `export { decodeBmt, encodeBmt } from './src/format/bmt.ts';
                 export { exportOnnx } from './src/format/onnx.ts';
                 export { randomDeployModel, TINY_SHAPE } from './src/format/random.ts';`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  assert.doesNotMatch(code, /from ["']node:/);
  // Load the browser bundle as a module and round-trip a model through it.
  const mod = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  const m = mod.randomDeployModel(mod.TINY_SHAPE, 1);
  assert.deepStrictEqual(mod.decodeBmt(mod.encodeBmt(m)), m);
});

test('bundling file.ts for the browser fails: the Node-only part is really separate', async () => {
  const root = join(import.meta.dirname, '../..');
  await assert.rejects(
    build({ entryPoints: [join(root, 'src/format/file.ts')], bundle: true, platform: 'browser', write: false, logLevel: 'silent' }),
    /node:fs|Could not resolve/,
  );
});
