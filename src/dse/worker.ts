/**
 * The exploration's worker thread: answers one job at a time, so a worker never trains two models at once.
 * Jobs: `hardware` (a batch of analytical evaluations) and `train` (one bmt recipe run through the cache).
 */
import { parentPort } from 'node:worker_threads';
import { BitedgeError } from '../common/errors.ts';
import { hardwareMetrics } from './objectives.ts';
import { trainedModel } from './trainer.ts';
import type { Job } from './pool.ts';

async function answer(job: Job): Promise<unknown> {
  if (job.kind === 'hardware') return job.items.map((it) => hardwareMetrics(it.workload, it.hardware));
  return trainedModel(job.job);
}

parentPort!.on('message', async (msg: { id: number; job: Job }) => {
  try {
    parentPort!.postMessage({ id: msg.id, result: await answer(msg.job) });
  } catch (e) {
    const issues = e instanceof BitedgeError ? e.issues : undefined;
    parentPort!.postMessage({ id: msg.id, error: { message: (e as Error).message ?? String(e), stack: (e as Error).stack, issues } });
  }
});
