/**
 * The web page: the same .bmt file and the same wasm kernels as Node, run in the browser. Loads
 * `?model=URL` (default ./model.bmt) and ./kernels.wasm, then exposes `window.bitedge` (used by the
 * browser test and by later pages) and a small form.
 */
import { decodeBmt } from '../format/bmt.ts';
import type { DeployModel } from '../format/model.ts';
import { classification, modelTokenizer, type Classification } from '../runtime/classify.ts';
import { createEngine } from '../runtime/engine.ts';
import { instantiateKernels } from '../runtime/kernels.ts';

export interface PageApi {
  /** Resolves with the model's shape and labels once the model and kernels are loaded. */
  ready: Promise<{ shape: DeployModel['shape']; labels: string[] }>;
  /** Logits per (ids, mask) input, as plain arrays (float32 values). */
  runIds(inputs: { ids: number[]; mask: number[] }[]): Promise<number[][]>;
  /** Label and probabilities per text (the model's tokenizer, truncating to seqLen). */
  classify(texts: string[]): Promise<Classification[]>;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot fetch ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function load() {
  const modelUrl = new URLSearchParams(location.search).get('model') ?? './model.bmt';
  const [modelBytes, wasm] = await Promise.all([fetchBytes(modelUrl), fetchBytes('./kernels.wasm')]);
  const model = decodeBmt(modelBytes, modelUrl);
  const engine = createEngine(model, await instantiateKernels(wasm));
  return { model, engine };
}

const loaded = load();

const api: PageApi = {
  ready: loaded.then(({ model }) => ({ shape: model.shape, labels: model.labels })),
  async runIds(inputs) {
    const { engine } = await loaded;
    return inputs.map((x) => Array.from(engine.forward(Int32Array.from(x.ids), Uint8Array.from(x.mask))));
  },
  async classify(texts) {
    const { model, engine } = await loaded;
    const tokenizer = modelTokenizer(model);
    return texts.map((text) => {
      const { ids, mask, truncated } = tokenizer.encodeForModel(text, model.shape.seqLen);
      return classification(model, engine.forward(ids, mask), truncated);
    });
  },
};
(globalThis as unknown as { bitedge: PageApi }).bitedge = api;

function show(r: Classification, labels: string[]): void {
  const table = document.getElementById('result') as HTMLTableElement;
  table.replaceChildren();
  for (const [i, label] of labels.entries()) {
    const row = table.insertRow();
    row.insertCell().textContent = label === r.label ? `${label} ◀` : label;
    row.insertCell().textContent = r.probs[i].toFixed(4);
  }
}

const status = document.getElementById('status')!;
const button = document.getElementById('go') as HTMLButtonElement;
api.ready.then(
  ({ shape, labels }) => {
    status.textContent = `model: ${shape.layers} layers × ${shape.hidden}, ${shape.seqLen} tokens, labels ${labels.join(', ')}`;
    button.disabled = false;
    button.onclick = async () => {
      const t0 = performance.now();
      const [r] = await api.classify([(document.getElementById('text') as HTMLTextAreaElement).value]);
      show(r, labels);
      status.textContent = `${r.label} in ${(performance.now() - t0).toFixed(1)} ms${r.truncated ? ' (text truncated)' : ''}`;
    };
  },
  (e: Error) => { status.textContent = `error: ${e.message}`; },
);
