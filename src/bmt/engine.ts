/**
 * The training engine: @tensorflow/tfjs with the WebAssembly SIMD backend (decision and numbers in docs/bmt.md).
 * One place sets the backend up; everything else imports `tf` from here.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export { tf };

export type EngineBackend = 'wasm' | 'cpu';

let ready: EngineBackend | null = null;

/** The folder holding tfjs-backend-wasm's .wasm binaries, as a file URL with a trailing slash. */
function wasmDistUrl(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve('@tensorflow/tfjs-backend-wasm');
  // main resolves to …/tfjs-backend-wasm/dist/tf-backend-wasm.node.js (or similar) inside dist/
  let dir = dirname(main);
  if (!dir.endsWith('dist')) dir = join(dir.slice(0, dir.lastIndexOf('dist') + 4));
  return pathToFileURL(dir).href + '/';
}

/** Select and initialise the backend once per process (wasm by default; `cpu` for the engine comparison). */
export async function initEngine(backend: EngineBackend = 'wasm'): Promise<EngineBackend> {
  if (ready === backend) return ready;
  if (backend === 'wasm') setWasmPaths(wasmDistUrl());
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`tfjs backend '${backend}' failed to initialise`);
  await tf.ready();
  ready = backend;
  return backend;
}
