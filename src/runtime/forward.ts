/**
 * Deployed inference of a DeployModel (docs/forward.md), written once and parametrised by how integer
 * products are done (`IntegerOps`): the wasm kernels (engine.ts) or their plain TypeScript twins
 * (reference/forward.ts). Everything else — embedding, quantizer sites, softmax, LayerNorm, residuals,
 * pooler, classifier — is the same code for both (float.ts), so their logits are equal bit for bit.
 */
import { fail } from '../common/errors.ts';
import type { ActSite, BinaryLinear, DeployLayer, DeployModel, FoldedThreshold, LayerNormParams, PackedBits } from '../format/model.ts';
import { emptyBits, getBit, setBit } from './bits.ts';
import {
  activateInPlace, addAndNorm, betaAt, channelBeta, addLinearAndNorm, embed, type SignTarget, siteScale, linearFromDots, linearFromFloat, poolAndClassify, scoreValues, softmaxBitsFromDots, softmaxRows, type Scores, unsignedBit,
} from './float.ts';
import { encodeSite, firstRows, operandCols, operandRows, operandValues, sliceOperand, transposeOperand, type Operand } from './operand.ts';
import { thresholdFromDots } from './reference/kernels.ts';

/** Integer products between packed operands; `w` rows are ±1 (bit 1 = +1). All return row-major M×N. */
export interface IntegerOps {
  /** ±1 × ±1: out[m,n] = Σ_k a[m,k]·w[n,k]. */
  xnorGemm(a: PackedBits, w: PackedBits): Int32Array;
  /** {0,1} × ±1. */
  bitsGemm(x: PackedBits, w: PackedBits): Int32Array;
  /** k-bit codes, given as bit planes (two's complement when signed), × ±1. */
  bitSerialGemm(planes: PackedBits[], signed: boolean, w: PackedBits): Int32Array;
  /** Fused output: bits of (dot vs per-channel threshold), N columns. */
  thresholdGemm(input: 'signs' | 'bits', a: PackedBits, w: PackedBits, t: FoldedThreshold): PackedBits;
  /**
   * Optional fused stage (the wasm engine): binarized softmax probabilities of one head from ±1 q and k rows,
   * scores fround(scale·dot), |dot| ≤ bound, a binary-unsigned probs site; equal bit for bit to
   * `xnorGemm` followed by float.ts `softmaxBitsFromDots`, which runs otherwise.
   */
  softmaxBits?(q: PackedBits, k: PackedBits, scale: number, mask: Uint8Array, base2: boolean, alpha: number, beta: Float32Array, bound: number): PackedBits;
  /** Optional fused stage (the wasm engine): the embedding and its LayerNorm into h, equal to float.ts `embed`. */
  embed?(model: DeployModel, ids: Int32Array, h: Float32Array, signs?: SignTarget): void;
  /**
   * Optional fused stages (the wasm engine): one head's context fround(scale·(P·v)) for {0,1} probabilities P
   * and ±1 values (as vᵀ rows) into columns off … of a context kept by the ops, or every head of softmax
   * attention from ±1 q, k, v at once (`softmaxBits` then `headContext` per head), then a binary site's bits
   * of that context; equal to `bitsGemm` + float.ts `scoreValues` + operand.ts `encodeSite`.
   */
  attention?(q: PackedBits, k: PackedBits, v: PackedBits, heads: number, scale: number, ctxScale: number, mask: Uint8Array, base2: boolean, alpha: number, beta: Float32Array): void;
  headContext?(P: PackedBits, vT: PackedBits, scale: number, H: number, off: number): void;
  contextBits?(rows: number, cols: number, signed: boolean, alpha: number, beta: Float32Array): PackedBits;
  /**
   * Optional fused stage (the wasm engine): h = LN(h + Lin(x)) for a linear of one or two parts on a ±1 or
   * {0,1} input, equal bit for bit to the integer products followed by float.ts `addLinearAndNorm` (one part)
   * or `linearFromDots` and `addAndNorm` (two parts), which run otherwise.
   */
  residualNorm?(input: 'signs' | 'bits', x: PackedBits, parts: BinaryLinear['parts'], qIn: number, bias: Float32Array, h: Float32Array, rows: number, ln: LayerNormParams, signs?: SignTarget): void;
  /**
   * Optional fused stage (the wasm engine): a binary site's bits of Lin(x) (after ReLU when `relu`) for a
   * linear of one or two parts on a ±1 or {0,1} input, equal bit for bit to the integer products followed by
   * float.ts `linearFromDots`, `activateInPlace` and operand.ts `encodeSite`, which run otherwise.
   */
  linearBits?(input: 'signs' | 'bits', x: PackedBits, parts: BinaryLinear['parts'], qIn: number, bias: Float32Array, relu: boolean, site: Extract<ActSite, { alpha: number }>): PackedBits;
  /**
   * Optional (the wasm engine): the hidden state of one forward pass (n floats) as a view on the ops' own
   * memory, so that fused stages update it in place; valid until `release`, called when the pass ends.
   */
  hidden?(n: number): Float32Array | undefined;
  release?(): void;
  /** Optional (the wasm engine): zeroed packed bits in the ops' own memory, for a LayerNorm's sign bits. */
  bitsBuffer?(rows: number, cols: number): PackedBits | undefined;
}

type IntOperand = Exclude<Operand, { kind: 'float' }>;

/** Σ_k code[m,k]·w[n,k] for an integer operand against ±1 rows. */
function operandDots(ops: IntegerOps, x: IntOperand, w: PackedBits): Int32Array {
  if (x.kind === 'signs') return ops.xnorGemm(x.bits, w);
  if (x.kind === 'bits') return ops.bitsGemm(x.bits, w);
  return ops.bitSerialGemm(x.planes, x.signed, w);
}

/** ±1 weights as floats (n × k), for the rare binary linear on a float site. */
const signCache = new WeakMap<PackedBits, Float32Array>();
function weightSigns(w: PackedBits): Float32Array {
  let s = signCache.get(w);
  if (!s) {
    s = new Float32Array(w.rows * w.cols);
    for (let n = 0; n < w.rows; n++) for (let k = 0; k < w.cols; k++) s[n * w.cols + k] = getBit(w, n, k) ? 1 : -1;
    signCache.set(w, s);
  }
  return s;
}

/**
 * Float buffers reused across layers and calls (per model; inference is synchronous, one pass at a time
 * per thread): allocating fresh 100 KiB-class typed arrays for every stage costs more than the stage.
 */
interface Workspace { h: Float32Array; y: Float32Array; ctx: Float32Array; head: Float32Array }
const workspaces = new WeakMap<DeployModel, Workspace>();
function workspaceFor(model: DeployModel): Workspace {
  let ws = workspaces.get(model);
  if (!ws) {
    const { seqLen: T, hidden: H, heads: A } = model.shape;
    ws = { h: new Float32Array(T * H), y: new Float32Array(T * H), ctx: new Float32Array(T * H), head: new Float32Array(T * (H / A)) };
    workspaces.set(model, ws);
  }
  return ws;
}

/** Lin(x) in float: Σ_p scale_p[n]·q_in·dot_p[m,n] + b[n] (docs/forward.md); into `out` when given. */
function linear(ops: IntegerOps, x: Operand, lin: BinaryLinear, out?: Float32Array): Float32Array {
  const rows = operandRows(x);
  const scales = lin.parts.map((p) => p.scale);
  if (x.kind === 'float') return linearFromFloat(lin.parts.map((p) => weightSigns(p.weight)), scales, x.values, rows, lin.inFeatures, lin.bias);
  const dots = lin.parts.map((p) => operandDots(ops, x, p.weight));
  return linearFromDots(dots, scales, x.scale, lin.bias, rows, out);
}

/**
 * A binary linear whose output goes (through `activation`, if any) into the quantizer `site`. With a folded
 * threshold (one part, integer input, binary site) the comparison happens on the integer dot and the
 * output bits come out directly; a binary site after no activation or ReLU on a ±1 or {0,1} input (two parts,
 * or one without threshold) is the fused `linearBits` stage where the ops have it; otherwise the float output
 * is quantized at the site.
 */
function linearToSite(ops: IntegerOps, x: Operand, lin: BinaryLinear, site: ActSite, activation?: 'relu' | 'gelu'): Operand {
  const binarySite = site.kind === 'binary-signed' || site.kind === 'binary-unsigned';
  if (lin.threshold && lin.parts.length === 1 && x.kind !== 'float' && binarySite) {
    const w = lin.parts[0].weight;
    const bits = x.kind === 'planes'
      ? thresholdFromDots(operandDots(ops, x, w), operandRows(x), lin.threshold)
      : ops.thresholdGemm(x.kind, x.bits, w, lin.threshold);
    return { kind: site.kind === 'binary-signed' ? 'signs' : 'bits', bits, scale: site.alpha };
  }
  if (ops.linearBits && (x.kind === 'signs' || x.kind === 'bits') && (site.kind === 'binary-signed' || site.kind === 'binary-unsigned') && activation !== 'gelu') {
    const bits = ops.linearBits(x.kind, x.bits, lin.parts, x.scale, lin.bias, activation === 'relu', site);
    return { kind: site.kind === 'binary-signed' ? 'signs' : 'bits', bits, scale: site.alpha };
  }
  const y = linear(ops, x, lin);
  if (activation) activateInPlace(y, activation);
  return encodeSite(y, operandRows(x), lin.outFeatures, site);
}

/** The largest |code| of an integer operand (1 for ±1 and {0,1}; 2^k for k-bit planes, a safe bound). */
function maxAbsCode(x: IntOperand): number {
  return x.kind === 'planes' ? 2 ** x.planes.length : 1;
}

/** A (rows × K) times B (cols × K)ᵀ in real values, for operand pairs no kernel covers. */
function productValues(a: Operand, b: Operand): Float32Array {
  const M = operandRows(a), N = operandRows(b), K = operandCols(a);
  const av = operandValues(a), bv = operandValues(b);
  const out = new Float32Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += av[m * K + k] * bv[n * K + k];
      out[m * N + n] = s;
    }
  }
  return out;
}

/**
 * a · bᵀ scaled by `c` (a: M × K, b: N × K): with b of ±1 signs and a integer, an integer kernel product,
 * values fround(c · scale_a · scale_b · dot); otherwise in real values.
 */
function scaledProduct(ops: IntegerOps, a: Operand, b: Operand, c: number): Scores {
  if (b.kind === 'signs' && a.kind !== 'float') {
    const dots = operandDots(ops, a, b.bits);
    return { dots, scale: c * a.scale * b.scale, bound: operandCols(a) * maxAbsCode(a) };
  }
  const values = productValues(a, b);
  for (let i = 0; i < values.length; i++) values[i] = c * values[i];
  return { values };
}

/**
 * Binarized attention probabilities of one head (docs/forward.md; variants softmax-binary, threshold,
 * shift-softmax): M query rows over the T = mask.length keys.
 */
function attentionProbs(S: Scores, M: number, mask: Uint8Array, att: DeployLayer['attention']): Operand {
  const T = mask.length;
  if (att.variant === 'threshold') {
    // BiBERT-style: Pb = α_p · 1{S > τ}, masked keys 0 (α_p: the probs site's scale, as training uses it)
    if (att.tau === undefined) fail('runtime_attention', 'the threshold attention variant needs tau');
    const bits = emptyBits(M, T);
    const values = scoreValues(S);
    for (let i = 0; i < M; i++) for (let j = 0; j < T; j++) if (mask[j] && values[i * T + j] > att.tau!) setBit(bits, i, j);
    return { kind: 'bits', bits, scale: siteScale(att.probs) };
  }
  const base2 = att.variant === 'shift-softmax';
  if ('dots' in S && att.probs.kind === 'binary-unsigned') {
    const bits = emptyBits(M, T);
    softmaxBitsFromDots(S.dots, S.scale, M, T, mask, base2, att.probs.alpha, att.probs.beta, bits.data, bits.wordsPerRow, S.bound);
    return { kind: 'bits', bits, scale: att.probs.alpha };
  }
  return encodeSite(softmaxRows(S, T, mask, base2, M), M, T, att.probs);
}

/** The binarized probabilities of one head from its q (M rows) and k (T rows) (the fused wasm stage where it applies). */
function headProbs(ops: IntegerOps, qa: Operand, ka: Operand, c: number, mask: Uint8Array, att: DeployLayer['attention']): Operand {
  const probs = att.probs;
  if (ops.softmaxBits && att.variant !== 'threshold' && qa.kind === 'signs' && ka.kind === 'signs' && probs.kind === 'binary-unsigned') {
    const bits = ops.softmaxBits(qa.bits, ka.bits, c * qa.scale * ka.scale, mask, att.variant === 'shift-softmax', probs.alpha, probs.beta, operandCols(qa));
    return { kind: 'bits', bits, scale: probs.alpha };
  }
  return attentionProbs(scaledProduct(ops, qa, ka, c), operandRows(qa), mask, att);
}

/** h = LN(h + Lin(x)): fused from the dots for one-part linears on integer inputs (and two-part ones in wasm). */
function residualLinear(ops: IntegerOps, h: Float32Array, x: Operand, lin: BinaryLinear, ln: DeployLayer['ln1'], ws: Workspace, next?: ActSite): Operand | undefined {
  const rows = operandRows(x);
  const signs = signTarget(ops, next, rows, lin.outFeatures);
  if ((x.kind === 'signs' || x.kind === 'bits') && ops.residualNorm) {
    ops.residualNorm(x.kind, x.bits, lin.parts, x.scale, lin.bias, h, rows, ln, signs);
  } else if (x.kind !== 'float' && lin.parts.length === 1) {
    addLinearAndNorm(h, operandDots(ops, x, lin.parts[0].weight), lin.parts[0].scale, x.scale, lin.bias, rows, ln, signs);
  } else addAndNorm(h, linear(ops, x, lin, ws.y), rows, lin.outFeatures, ln, signs);
  return encodedAfterNorm(h, rows, lin.outFeatures, next, signs);
}

/** A signed site's bits are written by the LayerNorm pass itself; other sites are quantized afterwards. */
function signTarget(ops: IntegerOps, site: ActSite | undefined, rows: number, cols: number): SignTarget | undefined {
  if (site?.kind !== 'binary-signed') return undefined;
  return { bits: ops.bitsBuffer?.(rows, cols) ?? emptyBits(rows, cols), beta: channelBeta(site.beta, cols) };
}

/** The quantized LayerNorm output at `site` (undefined when nothing consumes it). */
function encodedAfterNorm(h: Float32Array, rows: number, cols: number, site: ActSite | undefined, signs: SignTarget | undefined): Operand | undefined {
  if (!site) return undefined;
  if (signs && site.kind === 'binary-signed') return { kind: 'signs', bits: signs.bits, scale: site.alpha };
  return encodeSite(h, rows, cols, site);
}

/**
 * One encoder layer in place on h (T × H, T = mask.length). `u` is h at the layer's Q/K/V input site; returns
 * h at `next` (the next layer's input site), quantized by the last LayerNorm pass. K and V are computed for
 * all T rows, everything from the queries on for the first M rows only (M = T, or 1 for the [CLS] row): every
 * stage after K and V is row by row, so rows 0 … M − 1 come out as in the full layer.
 */
function encoderLayer(ops: IntegerOps, model: DeployModel, L: DeployLayer, h: Float32Array, mask: Uint8Array, ws: Workspace, u: Operand, M: number, next?: ActSite): Operand | undefined {
  const { hidden: H, heads: A } = model.shape;
  const d = H / A;
  // u: one quantizer shared by Q, K, V
  const q = linearToSite(ops, M < operandRows(u) ? firstRows(u, M) : u, L.q, L.qOut);
  const k = linearToSite(ops, u, L.k, L.kOut);
  const v = linearToSite(ops, u, L.v, L.vOut);
  const ctx = ws.ctx;
  const ctxIn = L.ctxIn, att = L.attention;
  // P (bits) · v (signs) into a binary context site: the fused stages, when the ops have them
  const fused = ops.headContext && ops.contextBits && v.kind === 'signs' && (att.variant === 'threshold' || att.probs.kind === 'binary-unsigned')
    && (ctxIn.kind === 'binary-signed' || ctxIn.kind === 'binary-unsigned');
  const probs = att.probs;
  const whole = fused && ops.attention && att.variant !== 'threshold' && q.kind === 'signs' && k.kind === 'signs' && v.kind === 'signs' && probs.kind === 'binary-unsigned';
  if (whole) ops.attention!(q.bits, k.bits, v.bits, A, 1 / Math.sqrt(d) * q.scale * k.scale, 1 * probs.alpha * v.scale, mask, att.variant === 'shift-softmax', probs.alpha, probs.beta);
  for (let a = 0; a < (whole ? 0 : A); a++) {
    const qa = sliceOperand(q, a * d, d), ka = sliceOperand(k, a * d, d), va = sliceOperand(v, a * d, d);
    const P = headProbs(ops, qa, ka, 1 / Math.sqrt(d), mask, att); // from S = qa·kaᵀ/√d
    const vT = transposeOperand(va);
    if (fused) {
      if (P.kind !== 'bits' || vT.kind !== 'signs') fail('runtime_attention', `head ${a}: expected {0,1} probabilities and ±1 values`, { received: `${P.kind} × ${vT.kind}` });
      ops.headContext!(P.bits, vT.bits, 1 * P.scale * vT.scale, H, a * d); // scaledProduct's scale, same order
      continue;
    }
    const C = scoreValues(scaledProduct(ops, P, vT, 1), ws.head.subarray(0, M * d)); // (M, d) = Pb·va
    for (let t = 0; t < M; t++) ctx.set(C.subarray(t * d, (t + 1) * d), t * H + a * d);
  }
  const c: Operand = fused && (ctxIn.kind === 'binary-signed' || ctxIn.kind === 'binary-unsigned')
    ? { kind: ctxIn.kind === 'binary-signed' ? 'signs' : 'bits', bits: ops.contextBits!(M, H, ctxIn.kind === 'binary-signed', ctxIn.alpha, ctxIn.beta), scale: ctxIn.alpha }
    : encodeSite(ctx, M, H, ctxIn);
  const f = residualLinear(ops, h, c, L.o, L.ln1, ws, L.ffnIn)!;
  const g = linearToSite(ops, f, L.ffn1, L.ffn2In, L.activation); // ReLU, then {0,1} (BiT)
  return residualLinear(ops, h, g, L.ffn2, L.ln2, ws, next);
}

/**
 * The rows a pass computes (docs/runtime.md, "Computing only what the logits need"): the encoder runs on
 * positions 0 … rows − 1, and with `clsOnly` the last layer computes its queries onward for row 0 alone (K
 * and V for every row), since the pooler reads only h[0].
 */
export interface RowPlan { rows: number; clsOnly: boolean }

/** Every row of every layer: the plain computation (`referenceForward`). */
export function allRows(model: DeployModel): RowPlan {
  return { rows: model.shape.seqLen, clsOnly: false };
}

/** n when the mask is n ones followed by zeros (the tokenizer's layout), else 0. */
export function prefixLength(mask: Uint8Array): number {
  let n = 0;
  while (n < mask.length && mask[n]) n++;
  for (let t = n; t < mask.length; t++) if (mask[t]) return 0;
  return n;
}

/**
 * Whether padded keys n … T − 1 add nothing to P·V: masked keys get P = 0 (softmax variants) or bit 0
 * (threshold variant), and the probs site maps P = 0 to code 0 — always for k-bit (round(0/s) = 0) and
 * float sites, for a binary-unsigned site where unsignedBit(0, α, β[j]) = 0, never for a signed one (±α).
 */
export function paddedKeysSilent(att: DeployLayer['attention'], n: number, T: number): boolean {
  if (att.variant === 'threshold') return true;
  const p = att.probs;
  if (p.kind === 'binary-signed') return false;
  if (p.kind !== 'binary-unsigned') return true;
  for (let j = n; j < T; j++) if (unsignedBit(0, p.alpha, betaAt(p.beta, j))) return false;
  return true;
}

/**
 * The rows the logits need. With a prefix mask of n ≥ 1 real tokens whose padded keys are silent in every
 * layer, no real row reads a padded one (embeddings, LayerNorm and the products are per row; softmax
 * excludes masked keys), so the encoder runs on the n real rows; otherwise on all seqLen rows. The last
 * layer needs its queries onward for [CLS] only, whatever the mask.
 */
export function neededRows(model: DeployModel, mask: Uint8Array): RowPlan {
  const n = prefixLength(mask), T = mask.length;
  const short = n > 0 && model.layers.every((L) => paddedKeysSilent(L.attention, n, T));
  return { rows: short ? n : T, clsOnly: true };
}

/** Logits of one sequence: ids and mask of length seqLen; `plan` picks the rows computed (default all). */
export function forwardSequence(ops: IntegerOps, model: DeployModel, ids: Int32Array, mask: Uint8Array, plan: RowPlan = allRows(model)): Float32Array {
  const ws = workspaceFor(model);
  const { hidden: H } = model.shape;
  const T = plan.rows, rowIds = ids.subarray(0, T), rowMask = mask.subarray(0, T);
  const first = model.layers[0]?.qkvIn;
  const h = ops.hidden?.(T * H) ?? ws.h;
  try {
    const signs = signTarget(ops, first, T, H);
    if (ops.embed) ops.embed(model, rowIds, h, signs);
    else embed(model, rowIds, h, signs);
    let u = encodedAfterNorm(h, T, H, first, signs);
    const last = model.layers.length - 1;
    model.layers.forEach((L, l) => { u = encoderLayer(ops, model, L, h, rowMask, ws, u!, plan.clsOnly && l === last ? 1 : T, model.layers[l + 1]?.qkvIn); });
    return poolAndClassify(model, h);
  } finally {
    ops.release?.();
  }
}

/** Ids and mask must match the model: length seqLen, ids in [0, vocabSize), mask 0/1. */
export function checkInput(model: DeployModel, ids: Int32Array, mask: Uint8Array): void {
  const { seqLen, vocabSize } = model.shape;
  if (ids.length !== seqLen || mask.length !== seqLen) {
    fail('runtime_input', `ids and mask must have length seqLen`, { expected: String(seqLen), received: `${ids.length} and ${mask.length}` });
  }
  for (let t = 0; t < seqLen; t++) {
    if (!(ids[t] >= 0 && ids[t] < vocabSize)) fail('runtime_input', `token id at position ${t} is outside the vocabulary`, { expected: `0..${vocabSize - 1}`, received: String(ids[t]) });
    if (mask[t] > 1) fail('runtime_input', `mask at position ${t} must be 0 or 1`, { received: String(mask[t]) });
  }
}
