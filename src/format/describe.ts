/**
 * What `bitedge inspect` shows: layers, bits per site, tensor sizes, and the size against the same
 * architecture stored in FP32 (every parameter a float32, the binary linears included).
 */
import { alignUp, decodeBmt, encodeBmt, readBmtLayout, type BmtDtype, type TensorEntry } from './bmt.ts';
import type { ActSite, DeployModel, EncoderShape, StorableMatrix } from './model.ts';
import { STORABLE_MATRICES } from './quantize.ts';

export interface LinearRow {
  layer: number;
  name: 'q' | 'k' | 'v' | 'o' | 'ffn1' | 'ffn2';
  inFeatures: number;
  outFeatures: number;
  parts: number;
  threshold: boolean;
  /** Stored bytes: packed weights, scales, bias, thresholds. */
  bytes: number;
  /** The same linear in FP32: (in·out + out)·4. */
  fp32Bytes: number;
}

export interface SiteRow {
  layer: number;
  site: string;
  kind: ActSite['kind'];
  /** 1 for binary sites, k for k-bit, 32 for float. */
  bits: number;
}

export interface PartRow {
  part: string;
  bytes: number;
  fp32Bytes: number;
}

/** Stored bytes of the encoder layers' tensors of one kind (binary weights, scales, thresholds, …). */
export interface KindRow {
  kind: string;
  tensors: number;
  dtypes: BmtDtype[];
  bytes: number;
  /** Zero bytes after each tensor up to the next 64-byte boundary. */
  padding: number;
}

export interface BmtDescription {
  /** File version (preamble). */
  version: number;
  fileBytes: number;
  shape: EncoderShape;
  labels: string[];
  /** The provenance record (training config, recipe, metrics) as stored. */
  meta: Record<string, unknown>;
  /** Bits per stored value of each large float matrix: 32, or 8/4/2/1 with per-row scales. */
  storageBits: Record<StorableMatrix, number>;
  attention: { layer: number; variant: string; tau?: number }[];
  activations: ('relu' | 'gelu')[];
  sites: SiteRow[];
  linears: LinearRow[];
  /** Bytes by part of the model; `overhead` is header JSON, tensor table, alignment padding and checksum. */
  parts: PartRow[];
  /** The encoder layers' bytes by kind of tensor: what weighs against the 1-bit weights. */
  layerKinds: KindRow[];
  tensors: TensorEntry[];
  /** Parameter bytes of the same architecture in FP32. */
  fp32Bytes: number;
  /** fp32Bytes / fileBytes. */
  ratio: number;
  /** FP32 bytes of the encoder-layer linears over their stored bytes: the compression binarization buys. */
  linearRatio: number;
}

const F32 = 4;

/** Parameter count of each part of the architecture in FP32 (embeddings, each layer, head). */
export function fp32PartBytes(s: EncoderShape): { embeddings: number; layer: number; head: number } {
  const { vocabSize: V, seqLen: T, hidden: H, ffn: F, numLabels: L } = s;
  const layer = 4 * (H * H + H) + (H * F + F) + (F * H + H) + 4 * H; // Q, K, V, O, FFN in/out, two LayerNorms
  return { embeddings: F32 * (V * H + T * H + 2 * H), layer: F32 * layer, head: F32 * (H * H + H + H * L + L) };
}

/** Kinds of encoder-layer tensors, by name (docs/format.md, "Tensor names and shapes"). */
const LAYER_KINDS: [string, RegExp][] = [
  ['binary weights', /\.parts\.\d+\.weight$/],
  ['per-channel scales', /\.parts\.\d+\.scale$/],
  ['biases', /\.bias$/],
  ['thresholds θ', /\.threshold\.theta$/],
  ['threshold senses', /\.threshold\.sense$/],
  ['site β', /(In|Out|probs)\.beta$/],
  ['LayerNorm γ, β', /\.ln\d\.(gamma|beta)$/],
];

/** The encoder layers' tensors grouped by kind, with their bytes and alignment padding. */
function layerKinds(entries: TensorEntry[]): KindRow[] {
  const layer = entries.filter((e) => e.name.startsWith('layers.'));
  return LAYER_KINDS.map(([kind, re]) => {
    const es = layer.filter((e) => re.test(e.name));
    const bytes = es.reduce((a, e) => a + e.byteLength, 0);
    return { kind, tensors: es.length, dtypes: [...new Set(es.map((e) => e.dtype))], bytes, padding: es.reduce((a, e) => a + alignUp(e.byteLength), 0) - bytes };
  });
}

export function siteBits(s: ActSite): number {
  return s.kind === 'kbit' ? s.bits : s.kind === 'float' ? 32 : 1;
}

/** Describes a .bmt file (its bytes) or a model (as it would be written). */
export function describeBmt(input: DeployModel | Uint8Array, fileName?: string): BmtDescription {
  const bytes = input instanceof Uint8Array ? input : encodeBmt(input);
  const model = decodeBmt(bytes, fileName);
  const { version, entries } = readBmtLayout(bytes, fileName);
  const bytesUnder = (prefix: string): number => entries.filter((e) => e.name.startsWith(prefix)).reduce((a, e) => a + e.byteLength, 0);
  const fp = fp32PartBytes(model.shape);
  const sites: SiteRow[] = [];
  const linears: LinearRow[] = [];
  model.layers.forEach((L, i) => {
    const siteList: [string, ActSite][] = [['qkvIn', L.qkvIn], ['qOut', L.qOut], ['kOut', L.kOut], ['vOut', L.vOut], ['probs', L.attention.probs], ['ctxIn', L.ctxIn], ['ffnIn', L.ffnIn], ['ffn2In', L.ffn2In]];
    for (const [site, s] of siteList) sites.push({ layer: i, site, kind: s.kind, bits: siteBits(s) });
    for (const name of ['q', 'k', 'v', 'o', 'ffn1', 'ffn2'] as const) {
      const l = L[name];
      linears.push({
        layer: i,
        name,
        inFeatures: l.inFeatures,
        outFeatures: l.outFeatures,
        parts: l.parts.length,
        threshold: l.threshold !== undefined,
        bytes: bytesUnder(`layers.${i}.${name}.`),
        fp32Bytes: F32 * (l.inFeatures * l.outFeatures + l.outFeatures),
      });
    }
  });
  const parts: PartRow[] = [
    { part: 'embeddings', bytes: bytesUnder('tokenEmbedding') + bytesUnder('positionEmbedding') + bytesUnder('lnEmb.'), fp32Bytes: fp.embeddings },
    ...model.layers.map((_, i) => ({ part: `layer ${i}`, bytes: bytesUnder(`layers.${i}.`), fp32Bytes: fp.layer })),
    { part: 'pooler + classifier', bytes: bytesUnder('pooler.') + bytesUnder('classifier.'), fp32Bytes: fp.head },
  ];
  const tensorBytes = entries.reduce((a, e) => a + e.byteLength, 0);
  parts.push({ part: 'overhead', bytes: bytes.length - tensorBytes, fp32Bytes: 0 });
  const fp32Bytes = fp.embeddings + model.shape.layers * fp.layer + fp.head;
  const linBytes = linears.reduce((a, l) => a + l.bytes, 0);
  const linFp32 = linears.reduce((a, l) => a + l.fp32Bytes, 0);
  return {
    version,
    fileBytes: bytes.length,
    shape: model.shape,
    labels: model.labels,
    meta: model.meta,
    storageBits: Object.fromEntries(STORABLE_MATRICES.map((k) => [k, model.storage?.[k]?.bits ?? 32])) as Record<StorableMatrix, number>,
    attention: model.layers.map((L, i) => ({ layer: i, variant: L.attention.variant, ...(L.attention.tau !== undefined ? { tau: L.attention.tau } : {}) })),
    activations: model.layers.map((L) => L.activation),
    sites,
    linears,
    parts,
    layerKinds: layerKinds(entries),
    tensors: entries,
    fp32Bytes,
    ratio: fp32Bytes / bytes.length,
    linearRatio: linFp32 / linBytes,
  };
}

function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((x, c) => (c === 0 ? x.padEnd(w[c]) : x.padStart(w[c]))).join('  ');
  return cells.map(line).join('\n');
}

const kb = (n: number): string => (n >= 10240 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

/** Plain-text report of a description, for the terminal. */
export function formatDescription(d: BmtDescription, name = 'model', showTensors = false): string {
  const s = d.shape;
  const out: string[] = [];
  out.push(`${name}: .bmt version ${d.version}, ${d.fileBytes} bytes; FP32 equivalent ${d.fp32Bytes} bytes; ${d.ratio.toFixed(2)}× smaller (encoder linears ${d.linearRatio.toFixed(1)}× smaller)`);
  out.push(`shape: vocab ${s.vocabSize}, seq ${s.seqLen}, hidden ${s.hidden}, heads ${s.heads}, ffn ${s.ffn}, layers ${s.layers}; labels ${d.labels.join(', ')}`);
  const meta = JSON.stringify(d.meta);
  out.push(`meta: ${meta.length > 300 ? meta.slice(0, 297) + '...' : meta}`);
  out.push(`float matrices stored as: ${STORABLE_MATRICES.map((k) => `${k} ${d.storageBits[k]}-bit`).join(', ')}`);
  out.push('');
  out.push('bits per activation site (1 = binary, 32 = float):');
  out.push(
    table(
      ['layer', 'qkvIn', 'qOut', 'kOut', 'vOut', 'probs', 'ctxIn', 'ffnIn', 'ffn2In', 'attention', 'activation'],
      d.attention.map((a, i) => {
        const bits = d.sites.filter((x) => x.layer === i).map((x) => x.bits);
        return [i, ...bits, a.variant + (a.tau !== undefined ? ` τ=${a.tau.toPrecision(3)}` : ''), d.activations[i]];
      }),
    ),
  );
  out.push('');
  out.push('binary linears (1 bit per weight):');
  out.push(
    table(
      ['layer', 'linear', 'in→out', 'parts', 'thresholds', 'bytes', 'fp32 bytes', 'ratio'],
      d.linears.map((l) => [l.layer, l.name, `${l.inFeatures}→${l.outFeatures}`, l.parts, l.threshold ? 'yes' : 'no', l.bytes, l.fp32Bytes, `${(l.fp32Bytes / l.bytes).toFixed(1)}×`]),
    ),
  );
  out.push('');
  out.push(
    table(
      ['part', 'bytes', 'fp32 bytes', 'ratio'],
      [
        ...d.parts.map((p) => [p.part, kb(p.bytes), kb(p.fp32Bytes), p.fp32Bytes ? `${(p.fp32Bytes / p.bytes).toFixed(1)}×` : '']),
        ['total', kb(d.fileBytes), kb(d.fp32Bytes), `${d.ratio.toFixed(2)}×`],
      ],
    ),
  );
  out.push('');
  out.push('encoder layers by kind of tensor:');
  const layerBytes = d.layerKinds.reduce((a, k) => a + k.bytes + k.padding, 0);
  out.push(
    table(
      ['kind', 'tensors', 'dtypes', 'bytes', 'padding', 'share'],
      d.layerKinds.filter((k) => k.tensors > 0).map((k) => [k.kind, k.tensors, k.dtypes.join(', '), k.bytes, k.padding, `${((100 * (k.bytes + k.padding)) / layerBytes).toFixed(1)}%`]),
    ),
  );
  if (showTensors) {
    out.push('');
    out.push(table(['tensor', 'dtype', 'dims', 'offset', 'bytes'], d.tensors.map((t) => [t.name, t.dtype, t.dims.join('×'), t.offset, t.byteLength])));
  }
  return out.join('\n') + '\n';
}
