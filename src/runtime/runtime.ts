/**
 * The Node runtime: `createRuntime(model)` → `classify(texts)` / `run(inputs)`. A batch of one runs on the
 * calling thread; larger batches are split into contiguous shares over the calling thread and
 * `threads − 1` worker threads, each with its own wasm instance (logits do not depend on the split).
 */
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fail } from '../common/errors.ts';
import type { DeployModel } from '../format/model.ts';
import type { Tokenizer } from '../data/tokenizer.ts';
import { classification, modelTokenizer, type Classification, type EncodedText } from './classify.ts';
import { createEngine, type Engine } from './engine.ts';
import { KERNELS_PATH, loadKernels } from './kernels-node.ts';

export interface RuntimeOptions {
  /** Threads for batches (the calling thread included); default: the machine's cores, at most 2. */
  threads?: number;
  /** Path of the compiled kernels; default build/kernels.wasm of this package. */
  kernelsPath?: string;
}

export interface SequenceInput { ids: Int32Array; mask: Uint8Array }

export interface Runtime {
  readonly model: DeployModel;
  readonly threads: number;
  /** Logits per input (ids and mask of length seqLen). */
  run(inputs: SequenceInput[]): Promise<Float32Array[]>;
  /** Tokenize (truncating to seqLen), run, and return label and probabilities per text. */
  classify(texts: string[]): Promise<Classification[]>;
  /** Token ids and mask of a text, as `classify` makes them. */
  encode(text: string): EncodedText;
  /** Stop the worker threads. */
  close(): Promise<void>;
}

/** The worker script next to this module (worker.ts under tsx, worker.js once compiled). */
const WORKER_URL = new URL(`./worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/**
 * Start the worker script. Compiled (worker.js) it is loaded directly; from the TypeScript sources
 * (tests, benches under tsx) the worker registers tsx itself, since loader hooks are not inherited.
 */
function startWorker(workerData: unknown): Worker {
  if (!WORKER_URL.pathname.endsWith('.ts')) return new Worker(WORKER_URL, { workerData });
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

interface Pending { resolve(logits: Float32Array[]): void; reject(e: Error): void }

/** One worker thread with its own engine; jobs are answered in order. */
class EngineWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly ready: Promise<void>;
  private nextId = 0;
  constructor(model: DeployModel, kernelsPath: string) {
    this.worker = startWorker({ model, kernelsPath });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('error', reject);
      this.worker.once('message', () => resolve());
    });
    this.worker.on('message', (m: { id?: number; logits?: Float32Array[]; error?: string }) => {
      if (m.id === undefined) return;
      const p = this.pending.get(m.id)!;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      if (m.error) p.reject(new Error(`runtime worker: ${m.error}`));
      else p.resolve(m.logits!);
    });
    this.worker.on('error', (e) => { for (const p of this.pending.values()) p.reject(e); this.pending.clear(); });
    this.worker.unref();
  }
  async run(inputs: SequenceInput[]): Promise<Float32Array[]> {
    this.worker.ref(); // keep the process alive while a job is out
    await this.ready;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ids: inputs.map((x) => x.ids), masks: inputs.map((x) => x.mask) });
    });
  }
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Contiguous shares of n items over k workers, sizes differing by at most one. */
export function shares(n: number, k: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0, start = 0; i < k; i++) {
    const size = Math.floor(n / k) + (i < n % k ? 1 : 0);
    if (size > 0) out.push([start, start + size]);
    start += size;
  }
  return out;
}

export async function createRuntime(model: DeployModel, options: RuntimeOptions = {}): Promise<Runtime> {
  const threads = options.threads ?? Math.min(2, availableParallelism());
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) fail('runtime_threads', 'threads must be an integer in [1, 64]', { received: String(threads) });
  const kernelsPath = options.kernelsPath ?? KERNELS_PATH;
  const engine: Engine = createEngine(model, await loadKernels(kernelsPath));
  const workers: EngineWorker[] = [];
  let tokenizer: Tokenizer | undefined;

  const run = async (inputs: SequenceInput[]): Promise<Float32Array[]> => {
    const parts = shares(inputs.length, Math.min(threads, inputs.length));
    if (parts.length <= 1) return inputs.map((x) => engine.forward(x.ids, x.mask));
    while (workers.length < parts.length - 1) workers.push(new EngineWorker(model, kernelsPath));
    const [mine, ...theirs] = parts;
    const remote = theirs.map(([a, b], i) => workers[i].run(inputs.slice(a, b)));
    const local = inputs.slice(mine[0], mine[1]).map((x) => engine.forward(x.ids, x.mask));
    return [...local, ...(await Promise.all(remote)).flat()];
  };

  const encode = (text: string): EncodedText => {
    tokenizer ??= modelTokenizer(model);
    return tokenizer.encodeForModel(text, model.shape.seqLen);
  };

  return {
    model,
    threads,
    run,
    encode,
    async classify(texts: string[]): Promise<Classification[]> {
      const encoded = texts.map(encode);
      const logits = await run(encoded);
      return logits.map((z, i) => classification(model, z, encoded[i].truncated));
    },
    async close(): Promise<void> {
      await Promise.all(workers.splice(0).map((w) => w.close()));
    },
  };
}
