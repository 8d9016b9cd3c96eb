/**
 * The wasm kernels (kernels/*.ts → build/kernels.wasm) behind the `IntegerOps` interface, plus the small
 * memory manager they need. Platform-neutral: Node reads the module with kernels-node.ts, the browser
 * fetches it (src/web). Model weights are copied into wasm memory once (`preload`); activations go into a
 * scratch region that is reset by every call, and results are copied out.
 */
import { fail } from '../common/errors.ts';
import { wordsPerRowFor, type ActSite, type BinaryLinear, type DeployModel, type FoldedThreshold, type LayerNormParams, type PackedBits } from '../format/model.ts';
import type { IntegerOps } from './forward.ts';
import { channelBeta, NO_KEY, SoftmaxBitRows, unsignedBitMinimum, zeroProbBits, type SignTarget } from './float.ts';

/** The module's exports (pointers are byte offsets into `memory`). */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  xnorGemm(a: number, w: number, out: number, M: number, N: number, words: number, K: number): void;
  rowPopcounts(a: number, rows: number, words: number, out: number): void;
  bitsGemm(x: number, w: number, pw: number, out: number, M: number, N: number, words: number, K: number): void;
  bitSerialGemm(planes: number, w: number, pw: number, out: number, M: number, N: number, words: number, K: number, bits: number, signed: number): void;
  xnorThreshold(a: number, w: number, theta: number, sense: number, out: number, M: number, N: number, words: number, K: number, outWords: number): void;
  bitsThreshold(x: number, w: number, pw: number, theta: number, sense: number, out: number, M: number, N: number, words: number, K: number, outWords: number): void;
  scoreHistograms(q: number, k: number, dots: number, M: number, N: number, words: number, K: number, mask: number, bound: number, hist: number, maxes: number, mins: number): void;
  packProbBits(dots: number, M: number, N: number, maxes: number, probs: number, span: number, mask: number, zeroBits: number, pmin: number, out: number, outWords: number): void;
  rowSearch(hist: number, maxes: number, mins: number, M: number, bound: number, table: number, perTensor: number, alpha: number, beta0: number, thr: number, probs: number): void;
  sliceBits(src: number, rows: number, srcWords: number, start: number, cols: number, dst: number, dstWords: number): void;
  transposeBits(src: number, rows: number, cols: number, srcWords: number, dst: number, dstWords: number): void;
  scaleInto(dots: number, M: number, N: number, scale: number, ctx: number, H: number, off: number): void;
  packSiteBits(x: number, rows: number, cols: number, signed: number, alpha: number, beta: number, out: number, outWords: number): void;
  packAtLeast(dots: number, M: number, N: number, thr: number, mask: number, zeroBits: number, out: number, outWords: number): void;
  embedSum(tok: number, pos: number, ids: number, T: number, H: number, h: number): void;
  residualNorm(h: number, rows: number, n: number, dots: number, coef: number, bias: number, gamma: number, beta: number, eps: number, signBeta: number, signs: number, signWords: number): void;
  combineParts(d0: number, c0: number, d1: number, c1: number, bias: number, M: number, N: number, relu: number, out: number, residual: number): void;
}

const ALIGN = 64;
const PAGE = 65536;
const alignUp = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/**
 * Bump allocation in wasm memory: a persistent region (weights, kept for the life of the instance) and,
 * above it, scratch that `resetScratch` empties. Growing the memory detaches old views, so callers take
 * fresh views (`u32`, `i32`, …) after every allocation. While views are handed out to live across calls
 * (`pin`, during a forward pass: the hidden state and the activation bits stay in wasm memory), growing is
 * an error rather than a silent detach; `reserve` grows the memory beforehand.
 */
export class WasmHeap {
  private persistentTop: number;
  private scratchTop: number;
  private pinned = false;
  constructor(readonly memory: WebAssembly.Memory, base: number) {
    this.persistentTop = alignUp(base);
    this.scratchTop = this.persistentTop;
  }
  private ensure(top: number): void {
    const have = this.memory.buffer.byteLength;
    if (top <= have) return;
    if (this.pinned) fail('runtime_memory', 'wasm memory would grow while views on it are in use (scratch reserve too small)', { expected: `≤ ${have} bytes`, received: String(top) });
    this.memory.grow(Math.ceil((top - have) / PAGE));
  }
  /** Grow now so that `bytes` of scratch fit without growing later. */
  reserve(bytes: number): void {
    this.ensure(this.persistentTop + bytes);
  }
  /** Views on the memory live across calls until `unpin`: the memory must not grow meanwhile. */
  pin(): void { this.pinned = true; }
  unpin(): void { this.pinned = false; }
  /** Whether `a` is a view on this memory (then its byteOffset is its wasm pointer). */
  holds(a: ArrayBufferView): boolean { return a.buffer === this.memory.buffer; }
  /** Bytes for the life of the instance. Only between calls (scratch is empty then). */
  persistent(bytes: number): number {
    const p = this.persistentTop;
    this.persistentTop = alignUp(p + bytes);
    this.scratchTop = this.persistentTop;
    this.ensure(this.persistentTop);
    return p;
  }
  scratch(bytes: number): number {
    const p = this.scratchTop;
    this.scratchTop = alignUp(p + bytes);
    this.ensure(this.scratchTop);
    return p;
  }
  resetScratch(): void {
    this.scratchTop = this.persistentTop;
  }
  /** Bytes in use (persistent + scratch high-water is not tracked; this is the current top). */
  get bytes(): number {
    return this.memory.buffer.byteLength;
  }
  u32(ptr: number, n: number): Uint32Array { return new Uint32Array(this.memory.buffer, ptr, n); }
  i32(ptr: number, n: number): Int32Array { return new Int32Array(this.memory.buffer, ptr, n); }
  i8(ptr: number, n: number): Int8Array { return new Int8Array(this.memory.buffer, ptr, n); }
  f32(ptr: number, n: number): Float32Array { return new Float32Array(this.memory.buffer, ptr, n); }
}

interface PlacedWeight { ptr: number; pw: number }
const expKey = (scale: number, base2: boolean, bound: number): string => `${scale}|${base2}|${bound}`;
/** Pointers of one call's probability scratch (`WasmOps.probScratch`). */
interface ProbScratch {
  T: number; N: number; span: number; perTensor: boolean; outWords: number;
  mask: number; zeroBits: number; pmin: number; dots: number; hist: number; maxes: number; mins: number; thr: number; out: number;
}
interface PlacedThreshold { theta: number; sense: number }

/** The wasm kernels as `IntegerOps`, with model weights resident in wasm memory. */
export class WasmOps implements IntegerOps {
  /**
   * Results are copied out of wasm memory into a ring of reusable buffers (allocating a fresh 100 KiB-class
   * typed array per product costs more than the product): a result stays valid for RING − 1 further calls,
   * which covers the forward pass's use (each product is consumed before the next few start).
   */
  private static readonly RING = 4;
  private readonly ring: ArrayBuffer[] = [];
  private ringNext = 0;
  private readonly weights = new WeakMap<PackedBits, PlacedWeight>();
  private readonly thresholds = new WeakMap<FoldedThreshold, PlacedThreshold>();
  /** Float constants (biases, LayerNorm γ/β, site β, scale·q_in) resident in wasm memory. */
  private readonly constants = new WeakMap<Float32Array, number>();
  /** fround(scale[n]·q_in) per (scale, q_in): the dequantisation coefficients of addLinearAndNorm. */
  private readonly searches = new WeakMap<Float32Array, { scale: number; base2: boolean; alpha: number; bound: number; rows: SoftmaxBitRows }>();
  /** Wasm pointers of `SoftmaxBitRows.allTables()` per (scale, base, bound), made by `preload`. */
  private readonly expTables = new Map<string, number>();
  private readonly minima = new WeakMap<Float32Array, { alpha: number; pmin: Float32Array }>();
  private readonly coefs = new WeakMap<Float32Array, { qIn: number; coef: Float32Array }>();
  /** `exports`: the raw kernels (benchmarks call them on buffers placed with `heap`). */
  constructor(readonly exports: KernelExports, readonly heap: WasmHeap) {}
  private get k(): KernelExports { return this.exports; }

  /** A copy of the `n` i32 at `ptr` in the next ring buffer. */
  private result(ptr: number, n: number): Int32Array {
    const slot = this.ringNext;
    this.ringNext = (slot + 1) % WasmOps.RING;
    const have = this.ring[slot]?.byteLength ?? 0;
    if (have < 4 * n) this.ring[slot] = new ArrayBuffer(Math.max(4 * n, 2 * have));
    const out = new Int32Array(this.ring[slot], 0, n);
    out.set(this.heap.i32(ptr, n));
    return out;
  }

  /** The wasm pointer of `data`: where it already is (activations kept in wasm memory) or a copy. */
  private put(data: Uint32Array | Int32Array | Int8Array | Uint8Array | Float32Array, persistent: boolean): number {
    if (!persistent && this.heap.holds(data)) return data.byteOffset;
    const ptr = persistent ? this.heap.persistent(data.byteLength) : this.heap.scratch(data.byteLength);
    new Uint8Array(this.heap.memory.buffer, ptr, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return ptr;
  }

  /** Copy packed rows in and count each row's ones (needed by the {0,1} · ±1 identity). */
  private place(w: PackedBits, persistent: boolean): PlacedWeight {
    const ptr = this.put(w.data, persistent);
    const pw = persistent ? this.heap.persistent(4 * w.rows) : this.heap.scratch(4 * w.rows);
    this.k.rowPopcounts(ptr, w.rows, w.wordsPerRow, pw);
    return { ptr, pw };
  }

  private weight(w: PackedBits): PlacedWeight {
    return this.weights.get(w) ?? this.place(w, false);
  }

  private threshold(t: FoldedThreshold): PlacedThreshold {
    return this.thresholds.get(t) ?? { theta: this.put(t.theta, false), sense: this.put(t.sense, false) };
  }

  private constant(c: Float32Array): number {
    return this.constants.get(c) ?? this.put(c, false);
  }

  private coefficients(scale: Float32Array, qIn: number): Float32Array {
    const known = this.coefs.get(scale);
    if (known?.qIn === qIn) return known.coef;
    const coef = scale.map((v) => v * qIn);
    this.coefs.set(scale, { qIn, coef });
    return coef;
  }

  private keep(c: Float32Array): void {
    if (!this.constants.has(c)) this.constants.set(c, this.put(c, true));
  }

  /** The attention context (seqLen × hidden f32) assembled head by head in wasm memory. */
  private context = { ptr: 0, bytes: 0 };
  /** The hidden state (seqLen × hidden f32) of a forward pass, kept in wasm memory (`hidden`). */
  private hiddenState = { ptr: 0, bytes: 0 };
  /**
   * Activation bits kept in wasm memory from one product to the next: a ring of persistent slots, each
   * valid for BITS_RING − 1 further `bitsBuffer` results (a layer holds at most four at once: u, q, k, v).
   */
  private static readonly BITS_RING = 6;
  private bitSlots: number[] = [];
  private bitSlotBytes = 0;
  private bitNext = 0;
  /** The bits of P = 0 per key (float.ts `zeroProbBits`) in wasm memory, per (β, α, keys). */
  private readonly zeroBits = new WeakMap<Float32Array, { alpha: number; n: number; ptr: number }>();

  /** Copy every binary weight, threshold and float constant of the fused stages into wasm memory once. */
  preload(model: DeployModel): void {
    const { seqLen: T, hidden: Hd, ffn: F } = model.shape;
    const ctxBytes = 4 * T * Hd;
    if (this.context.bytes < ctxBytes) this.context = { ptr: this.heap.persistent(ctxBytes), bytes: ctxBytes };
    if (this.hiddenState.bytes < ctxBytes) this.hiddenState = { ptr: this.heap.persistent(ctxBytes), bytes: ctxBytes };
    const slotBytes = 4 * T * wordsPerRowFor(Math.max(Hd, F, T));
    if (this.bitSlotBytes < slotBytes) {
      this.bitSlots = Array.from({ length: WasmOps.BITS_RING }, () => this.heap.persistent(slotBytes));
      this.bitSlotBytes = slotBytes;
    }
    this.keep(model.lnEmb.gamma); this.keep(model.lnEmb.beta);
    this.keep(model.tokenEmbedding); this.keep(model.positionEmbedding);
    const { hidden: H, heads: A } = model.shape, d = H / A;
    for (const L of model.layers) {
      const att = L.attention, probs = att.probs;
      if (att.variant !== 'threshold' && L.qOut.kind === 'binary-signed' && L.kOut.kind === 'binary-signed' && probs.kind === 'binary-unsigned') {
        // the scores' scale exactly as forward.ts computes it: (1/√d · q_scale) · k_scale
        const scale = 1 / Math.sqrt(d) * L.qOut.alpha * L.kOut.alpha, base2 = att.variant === 'shift-softmax';
        const key = expKey(scale, base2, d);
        if (!this.expTables.has(key)) {
          const all = new SoftmaxBitRows(scale, base2, probs.alpha, probs.beta, d).allTables();
          const ptr = this.heap.persistent(all.byteLength);
          new Float64Array(this.heap.memory.buffer, ptr, all.length).set(all);
          this.expTables.set(key, ptr);
        }
        if (!this.zeroBits.has(probs.beta)) this.zeroBits.set(probs.beta, { alpha: probs.alpha, n: T, ptr: this.put(zeroProbBits(T, probs.alpha, probs.beta), true) });
      }
      for (const ln of [L.ln1, L.ln2]) { this.keep(ln.gamma); this.keep(ln.beta); }
      // the dequantisation constants of every linear on a binary input (`residualNorm`, `linearBits`)
      for (const [lin, x] of [[L.q, L.qkvIn], [L.k, L.qkvIn], [L.v, L.qkvIn], [L.o, L.ctxIn], [L.ffn1, L.ffnIn], [L.ffn2, L.ffn2In]] as const) {
        this.keep(lin.bias);
        if (x.kind === 'binary-signed' || x.kind === 'binary-unsigned') for (const p of lin.parts) this.keep(this.coefficients(p.scale, x.alpha));
      }
      for (const site of [L.qkvIn, L.ffnIn, L.qOut, L.kOut, L.vOut]) if (site.kind === 'binary-signed' || site.kind === 'binary-unsigned') this.keep(channelBeta(site.beta, model.shape.hidden));
      if (L.ffn2In.kind === 'binary-unsigned' || L.ffn2In.kind === 'binary-signed') this.keep(channelBeta(L.ffn2In.beta, F));
      for (const lin of [L.q, L.k, L.v, L.o, L.ffn1, L.ffn2]) {
        for (const p of lin.parts) if (!this.weights.has(p.weight)) this.weights.set(p.weight, this.place(p.weight, true));
        const t = lin.threshold;
        if (t && !this.thresholds.has(t)) this.thresholds.set(t, { theta: this.put(t.theta, true), sense: this.put(t.sense, true) });
      }
    }
    this.heap.reserve(WasmOps.scratchBound(model));
  }

  /**
   * Scratch a forward pass of this shape may take in one call, with room to spare (the largest are the
   * attention's dots, histograms and row tables, and a product's dots): reserved at preload so that the
   * memory does not grow while the hidden state and activation bits are views on it.
   */
  private static scratchBound(model: DeployModel): number {
    const { seqLen: T, hidden: Hd, ffn: F, heads: A } = model.shape;
    const span = 2 * (Hd / A) + 1;
    return 16 * T * (Hd + F + T + 2 * span) + (1 << 20);
  }

  /** The forward pass's hidden state as a view on wasm memory (n floats), pinned until `release`. */
  hidden(n: number): Float32Array | undefined {
    if (4 * n > this.hiddenState.bytes) return undefined;
    this.heap.pin();
    return this.heap.f32(this.hiddenState.ptr, n);
  }

  /** End of a forward pass: the memory may grow again. */
  release(): void {
    this.heap.unpin();
  }

  /** Zeroed packed bits (rows × cols) in the next slot of the activation ring, or undefined if they do not fit. */
  bitsBuffer(rows: number, cols: number): PackedBits | undefined {
    const words = wordsPerRowFor(cols);
    if (4 * rows * words > this.bitSlotBytes) return undefined;
    const ptr = this.bitSlots[this.bitNext];
    this.bitNext = (this.bitNext + 1) % WasmOps.BITS_RING;
    const data = this.heap.u32(ptr, rows * words);
    data.fill(0);
    return { rows, cols, wordsPerRow: words, data };
  }

  /** Output bits of a kernel: written straight into an activation ring slot, else into scratch and copied out. */
  private bitsOut(rows: number, cols: number, write: (ptr: number, words: number) => void): PackedBits {
    const ring = this.bitsBuffer(rows, cols);
    if (ring) {
      write(ring.data.byteOffset, ring.wordsPerRow);
      return ring;
    }
    const words = wordsPerRowFor(cols);
    const out = this.heap.scratch(4 * rows * words);
    write(out, words);
    return { rows, cols, wordsPerRow: words, data: this.heap.u32(out, rows * words).slice() };
  }

  private static sameK(a: PackedBits, w: PackedBits): void {
    if (a.cols !== w.cols || a.wordsPerRow !== w.wordsPerRow) {
      fail('runtime_shape', 'operand widths differ', { expected: `${w.cols} columns`, received: String(a.cols) });
    }
  }

  private dots(a: PackedBits, w: PackedBits, run: (a: number, w: PlacedWeight, out: number) => void): Int32Array {
    WasmOps.sameK(a, w);
    this.heap.resetScratch();
    const pw = this.weight(w);
    const pa = this.put(a.data, false);
    const out = this.heap.scratch(4 * a.rows * w.rows);
    run(pa, pw, out);
    return this.result(out, a.rows * w.rows);
  }

  xnorGemm(a: PackedBits, w: PackedBits): Int32Array {
    return this.dots(a, w, (pa, pw, out) => this.k.xnorGemm(pa, pw.ptr, out, a.rows, w.rows, a.wordsPerRow, a.cols));
  }

  bitsGemm(x: PackedBits, w: PackedBits): Int32Array {
    return this.dots(x, w, (px, pw, out) => this.k.bitsGemm(px, pw.ptr, pw.pw, out, x.rows, w.rows, x.wordsPerRow, x.cols));
  }

  bitSerialGemm(planes: PackedBits[], signed: boolean, w: PackedBits): Int32Array {
    const x = planes[0];
    WasmOps.sameK(x, w);
    this.heap.resetScratch();
    const pw = this.weight(w);
    const stacked = new Uint32Array(planes.length * x.data.length);
    planes.forEach((p, b) => stacked.set(p.data, b * x.data.length));
    const px = this.put(stacked, false);
    const out = this.heap.scratch(4 * x.rows * w.rows);
    this.k.bitSerialGemm(px, pw.ptr, pw.pw, out, x.rows, w.rows, x.wordsPerRow, x.cols, planes.length, signed ? 1 : 0);
    return this.result(out, x.rows * w.rows);
  }

  /**
   * h = LN(h + Lin(x)) for a binary linear of one or two parts on a ±1 or {0,1} input, in place on `h` (rows × N),
   * and the next signed site's bits into `signs`: the dots stay in wasm memory and go straight into the
   * `residualNorm` kernel (one part; its floats equal float.ts `addLinearAndNorm` bit for bit) or through
   * `combineParts` into h, then `residualNorm` (two parts; float.ts `linearFromDots` then `addAndNorm`).
   */
  residualNorm(input: 'signs' | 'bits', a: PackedBits, parts: BinaryLinear['parts'], qIn: number, bias: Float32Array, h: Float32Array, rows: number, ln: LayerNormParams, signs?: SignTarget): void {
    this.heap.resetScratch();
    const N = parts[0].weight.rows;
    if (parts.length === 1) {
      const dots = this.partDots(input, a, parts[0].weight);
      this.norm(h, rows, N, ln, signs, dots, this.constant(this.coefficients(parts[0].scale, qIn)), this.constant(bias));
      return;
    }
    const ph = this.put(h.subarray(0, rows * N), false);
    this.combineInto(input, a, parts, qIn, bias, false, ph, true);
    this.norm(h, rows, N, ln, signs, 0, 0, 0, ph);
  }

  /**
   * The bits of a binary `site` (after ReLU when `relu`) of Lin(x) for a binary linear of one or two parts on a
   * ±1 or {0,1} input: the parts' dots, `combineParts`, `packSiteBits`; equal to float.ts `linearFromDots`,
   * `activateInPlace` and operand.ts `encodeSite` bit for bit. The bits go into the activation ring.
   */
  linearBits(input: 'signs' | 'bits', a: PackedBits, parts: BinaryLinear['parts'], qIn: number, bias: Float32Array, relu: boolean, site: Extract<ActSite, { alpha: number }>): PackedBits {
    this.heap.resetScratch();
    const rows = a.rows, N = parts[0].weight.rows;
    const y = this.heap.scratch(4 * rows * N);
    this.combineInto(input, a, parts, qIn, bias, relu, y, false);
    const pb = this.constant(channelBeta(site.beta, N));
    return this.bitsOut(rows, N, (out, words) => this.k.packSiteBits(y, rows, N, site.kind === 'binary-signed' ? 1 : 0, site.alpha, pb, out, words));
  }

  /** Σ_k x[m,k]·w[n,k] into scratch (rows × N i32) for ±1 or {0,1} rows x. */
  private partDots(input: 'signs' | 'bits', a: PackedBits, w: PackedBits): number {
    WasmOps.sameK(a, w);
    const pw = this.weight(w);
    const pa = this.put(a.data, false);
    const dots = this.heap.scratch(4 * a.rows * w.rows);
    if (input === 'signs') this.k.xnorGemm(pa, pw.ptr, dots, a.rows, w.rows, a.wordsPerRow, a.cols);
    else this.k.bitsGemm(pa, pw.ptr, pw.pw, dots, a.rows, w.rows, a.wordsPerRow, a.cols);
    return dots;
  }

  /** Lin(x) (one or two parts; ReLU when `relu`) into the floats at `out`, or added to them when `residual`. */
  private combineInto(input: 'signs' | 'bits', a: PackedBits, parts: BinaryLinear['parts'], qIn: number, bias: Float32Array, relu: boolean, out: number, residual: boolean): void {
    const N = parts[0].weight.rows;
    const dots = parts.map((p) => this.partDots(input, a, p.weight));
    const coef = parts.map((p) => this.constant(this.coefficients(p.scale, qIn)));
    this.k.combineParts(dots[0], coef[0], dots[1] ?? 0, coef[1] ?? 0, this.constant(bias), a.rows, N, relu ? 1 : 0, out, residual ? 1 : 0);
  }

  /**
   * h = LN_emb(tok[ids] + pos) (and the first layer's signed site bits) with the embeddings resident in wasm
   * memory: float.ts `embed` (`embeddingSum` then `layerNormRows`) in wasm.
   */
  embed(model: DeployModel, ids: Int32Array, h: Float32Array, signs?: SignTarget): void {
    this.heap.resetScratch();
    const { hidden: H } = model.shape, T = ids.length;
    const pids = this.put(ids, false);
    const hv = h.subarray(0, T * H);
    const ph = this.heap.holds(hv) ? hv.byteOffset : this.heap.scratch(4 * T * H);
    this.k.embedSum(this.constant(model.tokenEmbedding), this.constant(model.positionEmbedding), pids, T, H, ph);
    this.norm(h, T, H, model.lnEmb, signs, 0, 0, 0, ph);
  }

  /** Residual (dots ≠ 0) + LayerNorm of h in wasm; h is copied in, unless it is already at `placed`. */
  private norm(h: Float32Array, rows: number, N: number, ln: LayerNormParams, signs: SignTarget | undefined, dots: number, coef: number, pb: number, placed = 0): void {
    const hv = h.subarray(0, rows * N);
    const ph = placed || this.put(hv, false); // no copy when h is the wasm-resident hidden state
    const gamma = this.constant(ln.gamma), beta = this.constant(ln.beta);
    const sb = signs ? this.constant(signs.beta) : 0;
    const pbits = signs ? this.put(signs.bits.data, false) : 0;
    this.k.residualNorm(ph, rows, N, dots, coef, pb, gamma, beta, ln.eps, sb, pbits, signs ? signs.bits.wordsPerRow : 0);
    if (!this.heap.holds(hv)) hv.set(this.heap.f32(ph, rows * N));
    if (signs && !this.heap.holds(signs.bits.data)) signs.bits.data.set(this.heap.u32(pbits, signs.bits.data.length));
  }

  /**
   * Binarized softmax probabilities (T × N bits) of one head from ±1 rows q (T) and k (N): the dots, row
   * maxima and histograms in wasm (`scoreHistograms`); per row, by float.ts `SoftmaxBitRows` (exp in
   * TypeScript), the smallest "on" dot (per-tensor β; bits by `packAtLeast`) or fround(e/z) per distinct dot
   * (per-key β; bits by `packProbBits`, against float.ts `unsignedBitMinimum` per key). Equal to `softmaxBitsFromDots` on `xnorGemm(q, k)` bit for bit.
   */
  softmaxBits(q: PackedBits, k: PackedBits, scale: number, mask: Uint8Array, base2: boolean, alpha: number, beta: Float32Array, bound: number): PackedBits {
    WasmOps.sameK(q, k);
    this.heap.resetScratch();
    const pq = this.put(q.data, false), pk = this.put(k.data, false);
    const s = this.probScratch(q.rows, k.rows, mask, alpha, beta, bound);
    this.probBits(s, pq, pk, q.wordsPerRow, q.cols, scale, base2, alpha, beta, bound);
    return { rows: q.rows, cols: k.rows, wordsPerRow: s.outWords, data: this.heap.u32(s.out, q.rows * s.outWords).slice() };
  }

  /**
   * Every head of softmax attention into the wasm-resident context (then `contextBits`): per head a the
   * columns a·d … of ±1 rows q (M × H), k and v (T × H) are sliced in wasm, P = `softmaxBits` of (q_a, k_a)
   * with scores fround(scale·dot), and P·v_a goes into the context as `headContext(P, v_aᵀ, ctxScale, H, a·d)` would.
   */
  attention(q: PackedBits, k: PackedBits, v: PackedBits, heads: number, scale: number, ctxScale: number, mask: Uint8Array, base2: boolean, alpha: number, beta: Float32Array): void {
    WasmOps.sameK(q, k); WasmOps.sameK(q, v);
    const M = q.rows, T = k.rows, H = q.cols, d = H / heads, dw = wordsPerRowFor(d), tw = wordsPerRowFor(T);
    if (v.rows !== T) fail('runtime_shape', 'keys and values differ in rows', { expected: String(T), received: String(v.rows) });
    if (this.context.bytes < 4 * M * H) fail('runtime_shape', 'the attention context does not fit: preload the model first', { expected: `${M * H} floats`, received: String(this.context.bytes / 4) });
    this.heap.resetScratch();
    const pq = this.put(q.data, false), pk = this.put(k.data, false), pv = this.put(v.data, false);
    const s = this.probScratch(M, T, mask, alpha, beta, d);
    const qa = this.heap.scratch(4 * M * dw), ka = this.heap.scratch(4 * T * dw), va = this.heap.scratch(4 * T * dw);
    const vT = this.heap.scratch(4 * d * tw), pw = this.heap.scratch(4 * d), dots = this.heap.scratch(4 * M * d);
    for (let a = 0; a < heads; a++) {
      this.k.sliceBits(pq, M, q.wordsPerRow, a * d, d, qa, dw);
      this.k.sliceBits(pk, T, k.wordsPerRow, a * d, d, ka, dw);
      this.k.sliceBits(pv, T, v.wordsPerRow, a * d, d, va, dw);
      this.k.transposeBits(va, T, d, dw, vT, tw);
      this.k.rowPopcounts(vT, d, tw, pw);
      this.probBits(s, qa, ka, dw, d, scale, base2, alpha, beta, d);
      this.k.bitsGemm(s.out, vT, pw, dots, M, d, tw, T);
      this.k.scaleInto(dots, M, d, ctxScale, this.context.ptr, H, a * d);
    }
  }

  /** Scratch for the probabilities of T query rows over N keys, reused by every head of a call. */
  private probScratch(T: number, N: number, mask: Uint8Array, alpha: number, beta: Float32Array, bound: number): ProbScratch {
    const span = 2 * bound + 1, perTensor = beta.length === 1, outWords = wordsPerRowFor(N);
    return {
      T, N, span, perTensor, outWords,
      mask: this.put(mask, false),
      zeroBits: this.zeroProbBitsAt(N, alpha, beta),
      pmin: perTensor ? 0 : this.constant(this.probMinimum(alpha, beta)),
      dots: this.heap.scratch(4 * T * N),
      hist: this.heap.scratch(4 * T * span),
      maxes: this.heap.scratch(4 * T),
      mins: this.heap.scratch(4 * T),
      thr: this.heap.scratch(perTensor ? 4 * T : 4 * T * span), // row thresholds, or fround(e/z) by key
      out: this.heap.scratch(4 * T * outWords),
    };
  }

  /** Probability bits of q (T rows) against k (N rows) into `s.out` (no allocation: views stay valid). */
  private probBits(s: ProbScratch, pq: number, pk: number, words: number, K: number, scale: number, base2: boolean, alpha: number, beta: Float32Array, bound: number): void {
    const { T, N, span } = s;
    this.k.scoreHistograms(pq, pk, s.dots, T, N, words, K, s.mask, bound, s.hist, s.maxes, s.mins);
    const counts = this.heap.i32(s.hist, T * span), rowMax = this.heap.i32(s.maxes, T), rowMin = this.heap.i32(s.mins, T);
    const table = this.expTables.get(expKey(scale, base2, bound));
    if (table !== undefined) { // the whole row search in wasm
      this.k.rowSearch(s.hist, s.maxes, s.mins, T, bound, table, s.perTensor ? 1 : 0, alpha, beta[0], s.thr, s.thr);
      if (s.perTensor) this.k.packAtLeast(s.dots, T, N, s.thr, s.mask, s.zeroBits, s.out, s.outWords);
      else this.k.packProbBits(s.dots, T, N, s.maxes, s.thr, span, s.mask, s.zeroBits, s.pmin, s.out, s.outWords);
      return;
    }
    const rows = this.softmaxRows(scale, base2, alpha, beta, bound);
    if (s.perTensor) {
      const thresholds = this.heap.i32(s.thr, T);
      for (let i = 0; i < T; i++) thresholds[i] = rowMax[i] === NO_KEY ? 0 : rows.minOnDot(counts, i * span, rowMax[i], rowMin[i]);
      this.k.packAtLeast(s.dots, T, N, s.thr, s.mask, s.zeroBits, s.out, s.outWords);
    } else {
      const probs = this.heap.f32(s.thr, T * span);
      for (let i = 0; i < T; i++) if (rowMax[i] !== NO_KEY) rows.probsByKey(counts, i * span, rowMax[i], probs, i * span, rowMin[i]);
      this.k.packProbBits(s.dots, T, N, s.maxes, s.thr, span, s.mask, s.zeroBits, s.pmin, s.out, s.outWords);
    }
  }

  /**
   * One head's context P·v into columns off … off + d − 1 of the wasm-resident context (T × H):
   * fround(scale · dot) of `bitsGemm(P, vT)`, as float.ts `scoreValues` stores it.
   */
  headContext(P: PackedBits, vT: PackedBits, scale: number, H: number, off: number): void {
    WasmOps.sameK(P, vT);
    if (this.context.bytes < 4 * P.rows * H) fail('runtime_shape', 'the attention context does not fit: preload the model first', { expected: `${P.rows * H} floats`, received: String(this.context.bytes / 4) });
    this.heap.resetScratch();
    const pw = this.weight(vT);
    const px = this.put(P.data, false);
    const dots = this.heap.scratch(4 * P.rows * vT.rows);
    this.k.bitsGemm(px, pw.ptr, pw.pw, dots, P.rows, vT.rows, P.wordsPerRow, P.cols);
    this.k.scaleInto(dots, P.rows, vT.rows, scale, this.context.ptr, H, off);
  }

  /** The binary site's bits of the context assembled by `headContext` (rows × cols): operand.ts `encodeSite`. */
  contextBits(rows: number, cols: number, signed: boolean, alpha: number, beta: Float32Array): PackedBits {
    this.heap.resetScratch();
    const pb = this.constant(channelBeta(beta, cols));
    return this.bitsOut(rows, cols, (out, words) => this.k.packSiteBits(this.context.ptr, rows, cols, signed ? 1 : 0, alpha, pb, out, words));
  }

  /**
   * float.ts `zeroProbBits(n, α, β)` in wasm memory: the persistent bits of (β, α) for at least n keys (entry j
   * depends on j alone, so a longer array's prefix serves), else scratch.
   */
  private zeroProbBitsAt(n: number, alpha: number, beta: Float32Array): number {
    const known = this.zeroBits.get(beta);
    if (known?.alpha === alpha && known.n >= n) return known.ptr;
    return this.put(zeroProbBits(n, alpha, beta), false);
  }

  /** Per key j, float.ts `unsignedBitMinimum(α, β[j])` (kept per β array and α). */
  private probMinimum(alpha: number, beta: Float32Array): Float32Array {
    const known = this.minima.get(beta);
    if (known?.alpha === alpha) return known.pmin;
    const pmin = beta.map((b) => unsignedBitMinimum(alpha, b));
    this.minima.set(beta, { alpha, pmin });
    return pmin;
  }

  /**
   * The row search of one probs site, kept across heads and calls: its exp tables depend only on (scale,
   * base, bound) and the row maximum, which repeat for every head of a layer and every sequence.
   */
  private softmaxRows(scale: number, base2: boolean, alpha: number, beta: Float32Array, bound: number): SoftmaxBitRows {
    const known = this.searches.get(beta);
    if (known && known.scale === scale && known.base2 === base2 && known.alpha === alpha && known.bound === bound) return known.rows;
    const rows = new SoftmaxBitRows(scale, base2, alpha, beta, bound);
    this.searches.set(beta, { scale, base2, alpha, bound, rows });
    return rows;
  }

  thresholdGemm(input: 'signs' | 'bits', a: PackedBits, w: PackedBits, t: FoldedThreshold): PackedBits {
    WasmOps.sameK(a, w);
    this.heap.resetScratch();
    const pw = this.weight(w);
    const th = this.threshold(t);
    const pa = this.put(a.data, false);
    return this.bitsOut(a.rows, w.rows, (out, outWords) => {
      if (input === 'signs') this.k.xnorThreshold(pa, pw.ptr, th.theta, th.sense, out, a.rows, w.rows, a.wordsPerRow, a.cols, outWords);
      else this.k.bitsThreshold(pa, pw.ptr, pw.pw, th.theta, th.sense, out, a.rows, w.rows, a.wordsPerRow, a.cols, outWords);
    });
  }
}

/** Instantiate the kernel module from its bytes (Node: kernels-node.ts; browser: fetch). */
export async function instantiateKernels(bytes: ArrayBuffer | Uint8Array): Promise<WasmOps> {
  let instance: WebAssembly.Instance;
  try {
    ({ instance } = await WebAssembly.instantiate(bytes as BufferSource, {}));
  } catch (e) {
    return fail('runtime_kernels', `cannot instantiate the wasm kernels: ${(e as Error).message}`);
  }
  const k = instance.exports as unknown as KernelExports;
  return new WasmOps(k, new WasmHeap(k.memory, k.heapBase()));
}
