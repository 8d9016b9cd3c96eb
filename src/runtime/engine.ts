/**
 * The engine: deployed inference of a DeployModel on the wasm kernels. Same pipeline as
 * `referenceForward` (forward.ts), integer products on the kernels, weights resident in wasm memory, and only
 * the rows the logits need (`neededRows`: the real tokens of a padded input, [CLS] alone in the last layer
 * from the queries on), which gives the same logits bit for bit.
 * One engine = one wasm instance = one thread; runtime.ts spreads batches over worker threads.
 */
import { validateDeployModel } from '../format/validate.ts';
import type { DeployModel } from '../format/model.ts';
import { checkInput, forwardSequence, neededRows } from './forward.ts';
import type { WasmOps } from './kernels.ts';

export interface Engine {
  readonly model: DeployModel;
  /** Logits (numLabels) of one sequence of length seqLen. */
  forward(ids: Int32Array, mask: Uint8Array): Float32Array;
  /** Bytes of wasm memory in use (weights + scratch). */
  readonly wasmBytes: number;
}

/** Validate the model, copy its binary weights into the kernels' memory, and return the engine. */
export function createEngine(model: DeployModel, ops: WasmOps): Engine {
  validateDeployModel(model);
  ops.preload(model);
  return {
    model,
    forward(ids: Int32Array, mask: Uint8Array): Float32Array {
      checkInput(model, ids, mask);
      return forwardSequence(ops, model, ids, mask, neededRows(model, mask));
    },
    get wasmBytes() {
      return ops.heap.bytes;
    },
  };
}
