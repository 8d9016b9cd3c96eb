/**
 * Engine operations: what the compiler emits and the engines answer for (cycles, actions).
 * One op acts on one token block (`rows` tokens) unless it is a DDR transfer or the float head.
 */

export const ENGINES = ['ddr', 'bmu', 'atu', 'softmax', 'layernorm', 'threshold'] as const;
export type EngineName = (typeof ENGINES)[number];

export type Op =
  /** Binary (or bit-serial k-bit) matrix product: rows × k activations by k × n binary weights, `parts` weight parts. */
  | { kind: 'matmul'; engine: 'bmu'; rows: number; k: number; n: number; passes: number; parts: number }
  /** Attention scores Q·Kᵀ for `rows` queries against `keys` keys, `heads` heads of `headDim`. */
  | { kind: 'scores'; engine: 'atu'; rows: number; keys: number; heads: number; headDim: number; passes: number }
  /** Attention context P·V. */
  | { kind: 'context'; engine: 'atu'; rows: number; keys: number; heads: number; headDim: number; passes: number }
  /** Row softmax (or threshold / base-2 softmax) and binarization of the probabilities. */
  | { kind: 'softmax'; engine: 'softmax'; rows: number; keys: number; heads: number; variant: 'softmax-binary' | 'threshold' | 'shift-softmax' }
  /** Residual add (optional) then LayerNorm over `width` channels. */
  | { kind: 'layernorm'; engine: 'layernorm'; rows: number; width: number; residual: boolean }
  /** Per-channel threshold compare (binarization or k-bit requantization, `bits` compares per element). */
  | { kind: 'threshold'; engine: 'threshold'; rows: number; width: number; bits: number }
  /** Float dense layer (pooler, classifier) on the LayerNorm lanes' multiply-accumulators. */
  | { kind: 'dense'; engine: 'layernorm'; rows: number; k: number; n: number }
  /** DDR → on-chip transfer. */
  | { kind: 'transfer'; engine: 'ddr'; bytes: number };

/** Energy-relevant action counts (Accelergy's "actions"); units are events. */
export interface Actions {
  /** One bit of an XNOR/AND-popcount (one binary MAC). */
  xnorPopBit: number;
  /** One accumulator add of a popcount into an `accBits` accumulator. */
  accAdd: number;
  /** One 32-bit float (or fixed) multiply-add. */
  fpMac: number;
  /** One 32-bit float add. */
  fpAdd: number;
  /** One exponential (table look-up plus interpolation). */
  exp: number;
  /** One integer compare against a threshold. */
  compare: number;
  /** On-chip SRAM bits read or written. */
  sramBit: number;
  /** DDR bytes transferred. */
  ddrByte: number;
}

export const ACTION_KINDS = ['xnorPopBit', 'accAdd', 'fpMac', 'fpAdd', 'exp', 'compare', 'sramBit', 'ddrByte'] as const;

export function noActions(): Actions {
  return { xnorPopBit: 0, accAdd: 0, fpMac: 0, fpAdd: 0, exp: 0, compare: 0, sramBit: 0, ddrByte: 0 };
}

export function addActionsInto(into: Actions, a: Actions, times = 1): Actions {
  for (const k of ACTION_KINDS) into[k] += a[k] * times;
  return into;
}

/** Ops counted for GOPS: an M×K by K×N product is 2·M·N·K ops whatever the precision (accelerator convention). */
export function opsCount(op: Op): number {
  switch (op.kind) {
    case 'matmul': return 2 * op.rows * op.k * op.n * op.parts;
    case 'scores':
    case 'context': return 2 * op.rows * op.keys * op.headDim * op.heads;
    case 'dense': return 2 * op.rows * op.k * op.n;
    default: return 0;
  }
}
