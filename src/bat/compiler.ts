/**
 * The compiler: workload + hardware → schedule (Timeloop's "mapping"), a JSON-inspectable plan.
 *
 * The schedule is a list of phases run one after another (temporal reuse of the engines):
 *   embed · for each layer [qkv phase · attention+FFN phase] · head.
 * Inside a phase the stages form a streaming pipeline over token blocks (spatial): stage s of block b
 * follows stage s−1 of block b, FIFOs of `fifoDepthBlocks` blocks between engines. A phase starts when
 * the previous one has drained: attention needs the keys and values of every token (the barrier between
 * the qkv phase and the attention phase), and the next layer needs this layer's weights swapped in.
 * Weights live on chip for the whole model (`resident`), per layer double-buffered from DDR
 * (`layer-double-buffered`), or are streamed in double-buffered tiles for every block (`streamed`).
 */
import { BitedgeError, type Issue } from '../common/errors.ts';
import type { Hardware } from './hw.ts';
import type { Workload } from './workload.ts';
import type { Op } from './ops.ts';

export type StageName =
  | 'gather' | 'embed-ln'
  | 'in-bin' | 'qkv' | 'qkv-bin'
  | 'scores' | 'softmax' | 'context' | 'ctx-bin' | 'o' | 'add-ln1' | 'ffn-bin' | 'ffn1' | 'relu-bin' | 'ffn2' | 'add-ln2'
  | 'head-load' | 'pooler' | 'classifier';

export interface Stage {
  name: StageName;
  /** The op on one token block (the last block may be shorter: `lastOp`). */
  op: Op;
  /** Per-block op on the last, possibly partial, block. */
  lastOp: Op;
  /** Streamed weights of this stage: tiles per block and bytes per tile. */
  stream?: { tiles: number; tileBytes: number; lastTileBytes: number };
  /** Output bits per token carried by the FIFO to the next stage. */
  outBitsPerToken: number;
}

export interface Phase {
  name: string;
  kind: 'embed' | 'qkv' | 'attn-ffn' | 'head';
  /** Encoder layer index, −1 for embed and head. */
  layer: number;
  blocks: number;
  stages: Stage[];
  /** Bytes of this layer's weights loaded before the phase (layer-double-buffered placement). */
  weightLoadBytes?: number;
}

export type WeightPlacement = 'resident' | 'layer-double-buffered' | 'streamed';

export interface Schedule {
  format: 'bitedge-schedule';
  version: 1;
  hardware: string;
  workload: Workload;
  blockTokens: number;
  blocks: number;
  fifoDepthBlocks: number;
  placement: WeightPlacement;
  /** Bytes of one encoder layer's weights and per-channel constants. */
  layerWeightBytes: number;
  /** Bytes of activations kept on chip (residual stream + Q/K/V codes). */
  activationBytes: number;
  phases: Phase[];
}

export interface CompileOptions {
  /** Tokens per block; default: `chooseBlockTokens`. */
  blockTokens?: number;
}

const FIFO_DEPTH_BLOCKS = 2;
/** Width of raw popcount results and scores on the FIFOs (accumulator bits; 16 for the ATU). */
const SCORE_BITS = 16;
const FLOAT_BITS = 32;

/** Bytes of one binary linear: bit-packed weights plus per-channel scale, bias and threshold (32-bit each). */
export function linearBytes(k: number, n: number, parts: number): number {
  return Math.ceil((n * k * parts) / 8) + n * 4 * (parts + 2);
}

/** Weight bytes of one encoder layer (Q, K, V, O, FFN-in, FFN-out, two LayerNorms). */
export function layerWeightBytes(w: Workload): number {
  const { hidden: H, ffn: F } = w.shape, P = w.weightParts;
  return 4 * linearBytes(H, H, P) + linearBytes(H, F, P) + linearBytes(F, H, P) + 2 * 2 * H * 4;
}

/** Residual stream (float32, updated in place block by block) plus the Q, K, V integer codes of all tokens. */
export function activationBytes(w: Workload): number {
  const { seqLen: T, hidden: H } = w.shape, b = w.bits;
  return Math.ceil((T * H * FLOAT_BITS + T * H * (b.q + b.k + b.v)) / 8);
}

/** Per-block stage list of a phase, for a block of `rows` tokens. */
function stageOps(kind: Phase['kind'], w: Workload, hw: Hardware, rows: number): { name: StageName; op: Op; out: number }[] {
  const { hidden: H, ffn: F, heads: A, seqLen: T, numLabels: L } = w.shape, b = w.bits, P = w.weightParts, d = H / A;
  const acc = hw.bmu.accBits;
  switch (kind) {
    case 'embed': return [
      { name: 'gather', op: { kind: 'transfer', engine: 'ddr', bytes: rows * H * 4 * 2 }, out: 2 * H * FLOAT_BITS },
      { name: 'embed-ln', op: { kind: 'layernorm', engine: 'layernorm', rows, width: H, residual: true }, out: H * FLOAT_BITS },
    ];
    case 'qkv': return [
      { name: 'in-bin', op: { kind: 'threshold', engine: 'threshold', rows, width: H, bits: b.qkvIn }, out: H * b.qkvIn },
      { name: 'qkv', op: { kind: 'matmul', engine: 'bmu', rows, k: H, n: 3 * H, passes: b.qkvIn, parts: P }, out: 3 * H * acc * P },
      { name: 'qkv-bin', op: { kind: 'threshold', engine: 'threshold', rows, width: 3 * H, bits: Math.max(b.q, b.k, b.v) }, out: 0 },
    ];
    case 'attn-ffn': return [
      { name: 'scores', op: { kind: 'scores', engine: 'atu', rows, keys: T, heads: A, headDim: d, passes: b.q * b.k }, out: A * T * SCORE_BITS },
      { name: 'softmax', op: { kind: 'softmax', engine: 'softmax', rows, keys: T, heads: A, variant: w.attention }, out: A * T * b.probs },
      { name: 'context', op: { kind: 'context', engine: 'atu', rows, keys: T, heads: A, headDim: d, passes: b.probs * b.v }, out: H * SCORE_BITS },
      { name: 'ctx-bin', op: { kind: 'threshold', engine: 'threshold', rows, width: H, bits: b.ctxIn }, out: H * b.ctxIn },
      { name: 'o', op: { kind: 'matmul', engine: 'bmu', rows, k: H, n: H, passes: b.ctxIn, parts: P }, out: H * acc * P },
      { name: 'add-ln1', op: { kind: 'layernorm', engine: 'layernorm', rows, width: H, residual: true }, out: H * FLOAT_BITS },
      { name: 'ffn-bin', op: { kind: 'threshold', engine: 'threshold', rows, width: H, bits: b.ffnIn }, out: H * b.ffnIn },
      { name: 'ffn1', op: { kind: 'matmul', engine: 'bmu', rows, k: H, n: F, passes: b.ffnIn, parts: P }, out: F * acc * P },
      { name: 'relu-bin', op: { kind: 'threshold', engine: 'threshold', rows, width: F, bits: b.ffn2In }, out: F * b.ffn2In },
      { name: 'ffn2', op: { kind: 'matmul', engine: 'bmu', rows, k: F, n: H, passes: b.ffn2In, parts: P }, out: H * acc * P },
      { name: 'add-ln2', op: { kind: 'layernorm', engine: 'layernorm', rows, width: H, residual: true }, out: 0 },
    ];
    case 'head': return [
      { name: 'head-load', op: { kind: 'transfer', engine: 'ddr', bytes: (H * H + H + L * H + L) * 4 }, out: 0 },
      { name: 'pooler', op: { kind: 'dense', engine: 'layernorm', rows: 1, k: H, n: H }, out: H * FLOAT_BITS },
      { name: 'classifier', op: { kind: 'dense', engine: 'layernorm', rows: 1, k: H, n: L }, out: 0 },
    ];
  }
}

/** FIFO bits a phase needs at depth FIFO_DEPTH_BLOCKS for blocks of B tokens (edges between different engines). */
function fifoBitsNeeded(w: Workload, hw: Hardware, B: number): number {
  let worst = 0;
  for (const kind of ['embed', 'qkv', 'attn-ffn'] as const) {
    const st = stageOps(kind, w, hw, B);
    let bitsTotal = 0;
    for (let i = 0; i + 1 < st.length; i++) if (st[i].op.engine !== st[i + 1].op.engine) bitsTotal += FIFO_DEPTH_BLOCKS * B * st[i].out;
    worst = Math.max(worst, bitsTotal);
  }
  return worst;
}

/** Blocks per sequence the default mapping aims for at least, so that fill and drain are amortised. */
export const MIN_BLOCKS = 8;

/**
 * Default block: the largest power of two whose FIFOs fit, at most seqLen / MIN_BLOCKS (at least 1);
 * 0 if not even one token fits.
 */
export function chooseBlockTokens(w: Workload, hw: Hardware): number {
  const fifoBits = hw.memory.fifoKiB * 8192;
  const cap = Math.max(1, Math.floor(w.shape.seqLen / MIN_BLOCKS));
  let best = 0;
  for (let B = 1; B <= cap; B *= 2) if (fifoBitsNeeded(w, hw, B) <= fifoBits) best = B;
  return best;
}

function placementFor(w: Workload, hw: Hardware): WeightPlacement {
  const buf = hw.memory.weightBufferKiB * 1024, layer = layerWeightBytes(w);
  if (layer * w.shape.layers <= buf) return 'resident';
  if (2 * layer <= buf) return 'layer-double-buffered';
  return 'streamed';
}

/** Smallest useful weight tile: one PE × SIMD weight word per pass (bytes). */
export function minTileBytes(hw: Hardware): number {
  return Math.ceil((hw.bmu.pe * hw.bmu.simd) / 8);
}

/**
 * Everything that makes a (workload, hardware) pair impossible, as issues: buffers too small for a
 * tile or for the activations, FIFOs too small for one token.
 */
export function fitIssues(w: Workload, hw: Hardware, opts: CompileOptions = {}): Issue[] {
  const issues: Issue[] = [];
  const act = activationBytes(w);
  if (act > hw.memory.activationBufferKiB * 1024) {
    issues.push({ code: 'bat_activations_do_not_fit', path: ['memory', 'activationBufferKiB'],
      message: `activation buffer too small for ${w.shape.seqLen} tokens × hidden ${w.shape.hidden} (residual stream and Q/K/V codes stay on chip; activations are never streamed)`,
      expected: `≥ ${Math.ceil(act / 1024)} KiB`, received: `${hw.memory.activationBufferKiB} KiB` });
  }
  if (hw.memory.weightBufferKiB * 1024 < 2 * minTileBytes(hw)) {
    issues.push({ code: 'bat_weight_tile_too_big', path: ['memory', 'weightBufferKiB'],
      message: `weight buffer cannot double-buffer one PE×SIMD weight tile (${hw.bmu.pe}×${hw.bmu.simd} bits), so weights cannot even be streamed`,
      expected: `≥ ${Math.ceil((2 * minTileBytes(hw)) / 1024)} KiB`, received: `${hw.memory.weightBufferKiB} KiB` });
  }
  const B = opts.blockTokens;
  if (B !== undefined) {
    if (!Number.isInteger(B) || B < 1 || B > w.shape.seqLen) {
      issues.push({ code: 'bat_bad_block', path: ['blockTokens'], message: 'block size must be an integer in [1, seqLen]', expected: `1..${w.shape.seqLen}`, received: String(B) });
    } else if (fifoBitsNeeded(w, hw, B) > hw.memory.fifoKiB * 8192) {
      issues.push({ code: 'bat_fifo_too_small', path: ['memory', 'fifoKiB'], message: `FIFOs too small for blocks of ${B} tokens at depth ${FIFO_DEPTH_BLOCKS}`,
        expected: `≥ ${Math.ceil(fifoBitsNeeded(w, hw, B) / 8192)} KiB`, received: `${hw.memory.fifoKiB} KiB` });
    }
  } else if (chooseBlockTokens(w, hw) === 0) {
    issues.push({ code: 'bat_fifo_too_small', path: ['memory', 'fifoKiB'], message: `FIFOs too small for even one token at depth ${FIFO_DEPTH_BLOCKS}`,
      expected: `≥ ${Math.ceil(fifoBitsNeeded(w, hw, 1) / 8192)} KiB`, received: `${hw.memory.fifoKiB} KiB` });
  }
  return issues;
}

/** Compile a workload for a hardware instance. Throws a BitedgeError listing every reason it cannot. */
export function compile(w: Workload, hw: Hardware, opts: CompileOptions = {}): Schedule {
  const B = opts.blockTokens ?? chooseBlockTokens(w, hw);
  // the default block is checked once here (0: not even one token fits), a requested one in fitIssues
  const issues = fitIssues(w, hw, opts.blockTokens === undefined && B === 0 ? {} : { blockTokens: B });
  if (issues.length) throw new BitedgeError(issues);
  const T = w.shape.seqLen;
  const nb = Math.ceil(T / B), lastRows = T - (nb - 1) * B;
  const placement = placementFor(w, hw);
  const tileCap = Math.floor((hw.memory.weightBufferKiB * 1024) / 2);
  const lwb = layerWeightBytes(w);

  // every layer runs the same stages: build each kind once, share it between the layers' phases
  const stagesByKind = new Map<Phase['kind'], Stage[]>();
  const makePhase = (kind: Phase['kind'], layer: number, name: string): Phase => {
    const blocks = kind === 'head' ? 1 : nb;
    const phase: Phase = { name, kind, layer, blocks, stages: stagesByKind.get(kind) ?? makeStages(kind) };
    stagesByKind.set(kind, phase.stages);
    if (placement === 'layer-double-buffered' && kind === 'qkv') phase.weightLoadBytes = lwb;
    return phase;
  };
  const makeStages = (kind: Phase['kind']): Stage[] => {
    const full = stageOps(kind, w, hw, B), last = stageOps(kind, w, hw, lastRows);
    return full.map((s, i): Stage => {
      const st: Stage = { name: s.name, op: s.op, lastOp: last[i].op, outBitsPerToken: s.out };
      if (placement === 'streamed' && s.op.kind === 'matmul') {
        const bytes = linearBytes(s.op.k, s.op.n, s.op.parts);
        const tiles = Math.ceil(bytes / tileCap), tileBytes = Math.ceil(bytes / tiles);
        st.stream = { tiles, tileBytes, lastTileBytes: bytes - (tiles - 1) * tileBytes };
      }
      return st;
    });
  };

  const phases: Phase[] = [makePhase('embed', -1, 'embed')];
  for (let l = 0; l < w.shape.layers; l++) {
    phases.push(makePhase('qkv', l, `layer${l}.qkv`));
    phases.push(makePhase('attn-ffn', l, `layer${l}.attn-ffn`));
  }
  phases.push(makePhase('head', -1, 'head'));
  return {
    format: 'bitedge-schedule', version: 1, hardware: hw.name, workload: w,
    blockTokens: B, blocks: nb, fifoDepthBlocks: FIFO_DEPTH_BLOCKS, placement,
    layerWeightBytes: lwb, activationBytes: activationBytes(w), phases,
  };
}
