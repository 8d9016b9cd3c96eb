/**
 * The simulator's functional side: real data through the engines, one stage of one token block at a time,
 * in the order the simulator runs them. Integer products use the runtime's reference kernels (its public
 * `referenceOps`); the float stages call the runtime's own row-wise float functions, so the logits equal
 * `referenceForward`'s bit for bit (test/bat/functional.test.ts). Per-row work is done on the block's rows
 * only; attention reads the keys and values of all tokens, which the phase barrier guarantees are complete.
 */
import type { ActSite, BinaryLinear, DeployLayer, DeployModel, PackedBits } from '../format/model.ts';
import { referenceOps, thresholdFromDots } from '../runtime/reference/kernels.ts';
import { addAndNorm, dense, layerNormRows, linearFromDots, activateInPlace, siteScale, softmaxOfRows } from '../runtime/float.ts';
import { encodeSite, sliceOperand, transposeOperand, operandValues, type Operand } from '../runtime/operand.ts';
import { wordsPerRowFor } from '../format/model.ts';
import type { Phase, StageName } from './compiler.ts';
import type { Datapath } from './sim.ts';

type IntOperand = Exclude<Operand, { kind: 'float' }>;
const f = Math.fround;

/** BMU: Σ_k code[m,k]·w[n,k] by XNOR-popcount, AND-popcount, or bit-serial passes over the code's planes. */
export function bmuDots(x: IntOperand, w: PackedBits): Int32Array {
  if (x.kind === 'signs') return referenceOps.xnorGemm(x.bits, w);
  if (x.kind === 'bits') return referenceOps.bitsGemm(x.bits, w);
  return referenceOps.bitSerialGemm(x.planes, x.signed, w);
}

function intOperand(x: Operand): IntOperand {
  if (x.kind === 'float') throw new Error('BAT data path: float operand reached a binary engine (the workload check should have refused it)');
  return x;
}

/** Rows of a list of packed matrices stacked (the token blocks of Q, K or V, back into the whole sequence). */
function stackRows(parts: PackedBits[]): PackedBits {
  const cols = parts[0].cols, wpr = wordsPerRowFor(cols);
  const rows = parts.reduce((s, p) => s + p.rows, 0);
  const data = new Uint32Array(rows * wpr);
  let o = 0;
  for (const p of parts) { data.set(p.data.subarray(0, p.rows * wpr), o); o += p.rows * wpr; }
  return { rows, cols, wordsPerRow: wpr, data };
}

function stackOperands(xs: Operand[]): Operand {
  const x0 = xs[0];
  if (x0.kind === 'signs' || x0.kind === 'bits') return { ...x0, bits: stackRows(xs.map((x) => (x as typeof x0).bits)) };
  if (x0.kind === 'planes') return { ...x0, planes: x0.planes.map((_, b) => stackRows(xs.map((x) => (x as typeof x0).planes[b]))) };
  throw new Error('BAT data path: float operands are not stacked');
}

/** ATU: a · bᵀ scaled by c (scores with b = K of a head, context with b = Vᵀ), values as the runtime rounds them. */
export function atuProduct(a: Operand, b: Operand, c: number): { values: Float32Array; dots?: Int32Array } {
  if (b.kind === 'signs' && a.kind !== 'float') {
    const dots = bmuDots(a, b.bits);
    const k = c * a.scale * b.scale;
    const values = new Float32Array(dots.length);
    for (let i = 0; i < dots.length; i++) values[i] = k * dots[i];
    return { values, dots };
  }
  const av = operandValues(a), bv = operandValues(b);
  const M = a.kind === 'float' ? a.rows : a.kind === 'planes' ? a.planes[0].rows : a.bits.rows;
  const N = b.kind === 'float' ? b.rows : b.kind === 'planes' ? b.planes[0].rows : b.bits.rows;
  const K = av.length / M;
  const values = new Float32Array(M * N);
  for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += av[m * K + k] * bv[n * K + k];
    values[m * N + n] = s;
  }
  for (let i = 0; i < values.length; i++) values[i] = c * values[i];
  return { values };
}

/** Threshold unit after a linear: folded integer thresholds when the linear has them, else the float site. */
function linearOut(dots: Int32Array[], x: IntOperand, lin: BinaryLinear, site: ActSite, rows: number, activation?: 'relu' | 'gelu'): Operand {
  const binarySite = site.kind === 'binary-signed' || site.kind === 'binary-unsigned';
  if (lin.threshold && lin.parts.length === 1 && binarySite) {
    return { kind: site.kind === 'binary-signed' ? 'signs' : 'bits', bits: thresholdFromDots(dots[0], rows, lin.threshold), scale: site.alpha };
  }
  const y = linearFromDots(dots, lin.parts.map((p) => p.scale), x.scale, lin.bias, rows);
  if (activation) activateInPlace(y, activation);
  return encodeSite(y, rows, lin.outFeatures, site);
}

interface LayerState {
  u: Operand[]; q: Operand[]; k: Operand[]; v: Operand[];
  dq: Int32Array[][]; dk: Int32Array[][]; dv: Int32Array[][];
  K?: Operand; Vt?: Operand;
  S: { values: Float32Array; dots?: Int32Array }[][];
  P: Operand[][];
  ctx: Float32Array[]; c: Operand[]; dOut: Int32Array[][]; fIn: Operand[]; d1: Int32Array[][]; g: Operand[]; d2: Int32Array[][];
}

/** A functional data path for one sequence of `model`; `logits` is set when the head has run. */
export function createDatapath(model: DeployModel, ids: Int32Array, mask: Uint8Array): Datapath & { logits: Float32Array | null } {
  const { hidden: H, heads: A, seqLen: T } = model.shape, d = H / A;
  const h = new Float32Array(T * H);
  let pooled: Float32Array | null = null;
  const layers = new Map<number, LayerState>();
  const st = (l: number): LayerState => {
    let s = layers.get(l);
    if (!s) {
      s = { u: [], q: [], k: [], v: [], dq: [], dk: [], dv: [], S: [], P: [], ctx: [], c: [], dOut: [], fIn: [], d1: [], g: [], d2: [] };
      layers.set(l, s);
    }
    return s;
  };
  const dp = {
    logits: null as Float32Array | null,
    run(stage: StageName, phase: Phase, r0: number, rows: number): void {
      const hb = h.subarray(r0 * H, (r0 + rows) * H);
      const L: DeployLayer | undefined = phase.layer >= 0 ? model.layers[phase.layer] : undefined;
      const s = phase.layer >= 0 ? st(phase.layer) : undefined;
      const key = r0; // blocks are keyed by their first row
      switch (stage) {
        case 'gather': return; // DDR → chip: the rows of the two embedding tables
        case 'embed-ln':
          for (let t = r0; t < r0 + rows; t++) {
            const tok = ids[t] * H, pos = t * H, o = t * H;
            for (let c = 0; c < H; c++) h[o + c] = model.tokenEmbedding[tok + c] + model.positionEmbedding[pos + c];
          }
          layerNormRows(hb, rows, H, model.lnEmb);
          return;
        case 'in-bin': s!.u[key] = encodeSite(hb, rows, H, L!.qkvIn); return;
        case 'qkv': {
          const u = intOperand(s!.u[key]);
          s!.dq[key] = L!.q.parts.map((p) => bmuDots(u, p.weight));
          s!.dk[key] = L!.k.parts.map((p) => bmuDots(u, p.weight));
          s!.dv[key] = L!.v.parts.map((p) => bmuDots(u, p.weight));
          return;
        }
        case 'qkv-bin': {
          const u = intOperand(s!.u[key]);
          s!.q[key] = linearOut(s!.dq[key], u, L!.q, L!.qOut, rows);
          s!.k[key] = linearOut(s!.dk[key], u, L!.k, L!.kOut, rows);
          s!.v[key] = linearOut(s!.dv[key], u, L!.v, L!.vOut, rows);
          return;
        }
        case 'scores': {
          s!.K ??= stackOperands(s!.k.filter(Boolean));
          s!.S[key] = [];
          for (let a = 0; a < A; a++) s!.S[key][a] = atuProduct(sliceOperand(s!.q[key], a * d, d), sliceOperand(s!.K, a * d, d), 1 / Math.sqrt(d));
          return;
        }
        case 'softmax': {
          const att = L!.attention;
          s!.P[key] = s!.S[key].map((S) => {
            if (att.variant === 'threshold') {
              const out: Operand = { kind: 'bits', bits: { rows, cols: T, wordsPerRow: wordsPerRowFor(T), data: new Uint32Array(rows * wordsPerRowFor(T)) }, scale: siteScale(att.probs) };
              for (let i = 0; i < rows; i++) for (let j = 0; j < T; j++) if (mask[j] && S.values[i * T + j] > att.tau!) out.bits.data[i * out.bits.wordsPerRow + (j >>> 5)] |= 1 << (j & 31);
              return out;
            }
            return encodeSite(softmaxOfRows(S.values, S.dots, rows, T, mask, att.variant === 'shift-softmax'), rows, T, att.probs);
          });
          return;
        }
        case 'context': {
          s!.Vt ??= transposeOperand(stackOperands(s!.v.filter(Boolean)));
          const ctx = new Float32Array(rows * H);
          for (let a = 0; a < A; a++) {
            const vta = sliceRowsOperand(s!.Vt, a * d, d);
            const C = atuProduct(s!.P[key][a], vta, 1).values;
            for (let t = 0; t < rows; t++) ctx.set(C.subarray(t * d, (t + 1) * d), t * H + a * d);
          }
          s!.ctx[key] = ctx;
          return;
        }
        case 'ctx-bin': s!.c[key] = encodeSite(s!.ctx[key], rows, H, L!.ctxIn); return;
        case 'o': { const c = intOperand(s!.c[key]); s!.dOut[key] = L!.o.parts.map((p) => bmuDots(c, p.weight)); return; }
        case 'add-ln1': {
          const c = intOperand(s!.c[key]);
          addAndNorm(hb, linearFromDots(s!.dOut[key], L!.o.parts.map((p) => p.scale), c.scale, L!.o.bias, rows), rows, H, L!.ln1);
          return;
        }
        case 'ffn-bin': s!.fIn[key] = encodeSite(hb, rows, H, L!.ffnIn); return;
        case 'ffn1': { const x = intOperand(s!.fIn[key]); s!.d1[key] = L!.ffn1.parts.map((p) => bmuDots(x, p.weight)); return; }
        case 'relu-bin': s!.g[key] = linearOut(s!.d1[key], intOperand(s!.fIn[key]), L!.ffn1, L!.ffn2In, rows, L!.activation); return;
        case 'ffn2': { const x = intOperand(s!.g[key]); s!.d2[key] = L!.ffn2.parts.map((p) => bmuDots(x, p.weight)); return; }
        case 'add-ln2': {
          const x = intOperand(s!.g[key]);
          addAndNorm(hb, linearFromDots(s!.d2[key], L!.ffn2.parts.map((p) => p.scale), x.scale, L!.ffn2.bias, rows), rows, H, L!.ln2);
          if (r0 + rows === T) layers.delete(phase.layer); // the layer's intermediate data is dead
          return;
        }
        case 'head-load': return;
        case 'pooler':
          pooled = dense(model.pooler, h.subarray(0, H));
          for (let i = 0; i < pooled.length; i++) pooled[i] = Math.tanh(pooled[i]);
          return;
        case 'classifier': dp.logits = dense(model.classifier, pooled!); return;
      }
    },
  };
  return dp;
}

/** Rows [start, start + n) of a (transposed) operand: the d rows of one head of Vᵀ. */
function sliceRowsOperand(x: Operand, start: number, n: number): Operand {
  const rowsOf = (p: PackedBits): PackedBits => ({ rows: n, cols: p.cols, wordsPerRow: p.wordsPerRow, data: p.data.slice(start * p.wordsPerRow, (start + n) * p.wordsPerRow) });
  if (x.kind === 'signs' || x.kind === 'bits') return { ...x, bits: rowsOf(x.bits) };
  if (x.kind === 'planes') return { ...x, planes: x.planes.map(rowsOf) };
  throw new Error('BAT data path: float operands are not sliced');
}
