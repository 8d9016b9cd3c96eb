/**
 * A fixed pool of worker threads (src/dse/worker.ts), one job per worker at a time, jobs queued in order.
 * Under tsx (tests, sources) each worker registers tsx itself, as src/runtime/runtime.ts does.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BitedgeError, type Issue } from '../common/errors.ts';
import type { Hardware } from '../bat/hw.ts';
import type { Workload } from '../bat/workload.ts';
import type { HardwareMetrics } from './objectives.ts';
import type { TrainJob, TrainedModel } from './trainer.ts';

export type Job =
  | { kind: 'hardware'; items: { workload: Workload; hardware: Hardware }[] }
  | { kind: 'train'; job: TrainJob };

type Result<J extends Job> = J extends { kind: 'hardware' } ? HardwareMetrics[] : TrainedModel;

const WORKER_URL = new URL(`./worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

function startWorker(): Worker {
  if (!WORKER_URL.pathname.endsWith('.ts')) return new Worker(WORKER_URL);
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true });
}

interface Queued { job: Job; resolve(v: unknown): void; reject(e: Error): void }

export class WorkerPool {
  readonly size: number;
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Queued[] = [];
  private readonly busy = new Map<Worker, Queued>();
  private nextId = 0;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`worker pool size must be a positive integer, got ${size}`);
    this.size = size;
    for (let i = 0; i < size; i++) {
      const w = startWorker();
      w.on('message', (m: { result?: unknown; error?: { message: string; stack?: string; issues?: Issue[] } }) => {
        const q = this.busy.get(w)!;
        this.busy.delete(w);
        if (m.error) q.reject(m.error.issues ? new BitedgeError(m.error.issues) : Object.assign(new Error(m.error.message), { stack: m.error.stack }));
        else q.resolve(m.result);
        this.idle.push(w);
        this.pump();
      });
      w.on('error', (e) => {
        const q = this.busy.get(w);
        this.busy.delete(w);
        q?.reject(e);
      });
      this.all.push(w);
      this.idle.push(w);
    }
  }

  run<J extends Job>(job: J): Promise<Result<J>> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.pop()!, q = this.queue.shift()!;
      this.busy.set(w, q);
      w.postMessage({ id: this.nextId++, job: q.job });
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
