/**
 * Worker thread of the Node runtime: its own wasm instance and engine; answers batches of (ids, mask)
 * with logits. Started by runtime.ts with the model in workerData.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DeployModel } from '../format/model.ts';
import { createEngine } from './engine.ts';
import { loadKernels } from './kernels-node.ts';

interface Job { id: number; ids: Int32Array[]; masks: Uint8Array[] }

const { model, kernelsPath } = workerData as { model: DeployModel; kernelsPath: string };
const engine = createEngine(model, await loadKernels(kernelsPath));
parentPort!.on('message', (job: Job) => {
  try {
    const logits = job.ids.map((ids, i) => engine.forward(ids, job.masks[i]));
    parentPort!.postMessage({ id: job.id, logits });
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: (e as Error).message });
  }
});
parentPort!.postMessage({ ready: true });
