/** Node: read build/kernels.wasm (built by scripts/build-kernels.mjs) and instantiate it. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fail } from '../common/errors.ts';
import { instantiateKernels, type WasmOps } from './kernels.ts';

/** build/kernels.wasm of this package (same relative place from src/runtime and dist/runtime). */
export const KERNELS_PATH = fileURLToPath(new URL('../../build/kernels.wasm', import.meta.url));

export function readKernelsWasm(path = KERNELS_PATH): Uint8Array {
  try {
    return readFileSync(path);
  } catch {
    return fail('runtime_kernels_missing', 'the wasm kernels are not built: run `npm run build:kernels`', { file: path });
  }
}

export async function loadKernels(path = KERNELS_PATH): Promise<WasmOps> {
  return instantiateKernels(readKernelsWasm(path));
}
