/**
 * `referenceForward`: the living definition of deployed inference (docs/forward.md). The shared pipeline
 * (../forward.ts) on the obvious integer products (./kernels.ts). The wasm engine must match it bit for bit;
 * the BAT simulator checks its functional outputs against it.
 */
import type { DeployModel } from '../../format/model.ts';
import { checkInput, forwardSequence } from '../forward.ts';
import { referenceOps } from './kernels.ts';

/**
 * Logits (numLabels) of one sequence. `ids`: token ids of length seqLen ([CLS] first, [PAD] after the text);
 * `mask[t]` = 1 on real tokens, 0 on padding.
 */
export function referenceForward(model: DeployModel, ids: Int32Array, mask: Uint8Array): Float32Array {
  checkInput(model, ids, mask);
  return forwardSequence(referenceOps, model, ids, mask);
}
