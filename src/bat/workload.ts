/**
 * The workload: what the accelerator must compute, without weights (Timeloop's "problem").
 * Derived from a DeployModel (the compiler's input) or written by hand from an EncoderShape and the
 * bits of each activation site (the design space exploration, which has no weights).
 */
import { z } from 'zod';
import { BitedgeError, type Issue } from '../common/errors.ts';
import type { ActSite, BinaryLinear, DeployModel, EncoderShape } from '../format/model.ts';

const bits = z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)]);
const count = z.number().int().positive();

export const ShapeSchema = z.strictObject({
  vocabSize: count, seqLen: count, hidden: count, heads: count, ffn: count, layers: count, numLabels: count,
});

export const WorkloadSchema = z.strictObject({
  format: z.literal('bitedge-workload'),
  version: z.literal(1),
  shape: ShapeSchema,
  /** Bits of each activation site that feeds an engine (1 = binary; k = bit-serial passes). */
  bits: z.strictObject({ qkvIn: bits, q: bits, k: bits, v: bits, probs: bits, ctxIn: bits, ffnIn: bits, ffn2In: bits }),
  attention: z.enum(['softmax-binary', 'threshold', 'shift-softmax']),
  /** Binary weight parts per linear: 1, or 2 after (weighted) ternary weight splitting. */
  weightParts: z.union([z.literal(1), z.literal(2)]),
});

export type Workload = z.infer<typeof WorkloadSchema>;
export type SiteBits = Workload['bits'];

/** Named shapes for timing-only runs. */
export const SHAPES: Record<string, EncoderShape> = {
  'bert-base': { vocabSize: 30522, seqLen: 128, hidden: 768, heads: 12, ffn: 3072, layers: 12, numLabels: 2 },
  'bmt-small': { vocabSize: 8192, seqLen: 128, hidden: 256, heads: 4, ffn: 1024, layers: 4, numLabels: 2 },
};

export const W1A1: SiteBits = { qkvIn: 1, q: 1, k: 1, v: 1, probs: 1, ctxIn: 1, ffnIn: 1, ffn2In: 1 };

export function workloadFromShape(shape: EncoderShape, siteBits: SiteBits = W1A1, opts: { attention?: Workload['attention']; weightParts?: 1 | 2 } = {}): Workload {
  const w: Workload = {
    format: 'bitedge-workload', version: 1, shape, bits: siteBits,
    attention: opts.attention ?? 'softmax-binary', weightParts: opts.weightParts ?? 1,
  };
  return parseWorkload(w);
}

export function parseWorkload(value: unknown, file?: string): Workload {
  const r = WorkloadSchema.safeParse(value);
  if (r.success) {
    const { hidden, heads } = r.data.shape;
    if (hidden % heads !== 0) {
      throw new BitedgeError({ code: 'workload_bad_shape', message: `hidden ${hidden} is not a multiple of heads ${heads}`, path: ['shape', 'hidden'], ...(file ? { file } : {}) });
    }
    return r.data;
  }
  throw new BitedgeError(r.error.issues.map((i) => ({
    code: 'workload_invalid_field', message: i.message, path: i.path.map(String), ...(file ? { file } : {}),
  })));
}

/** Bits of a site as the engines see it; float sites cannot feed the BMU or ATU. */
function siteBits(site: ActSite, path: (string | number)[], issues: Issue[]): 1 | 2 | 4 | 8 {
  if (site.kind === 'binary-signed' || site.kind === 'binary-unsigned') return 1;
  if (site.kind === 'kbit') return site.bits;
  issues.push({ code: 'bat_float_site', message: 'float activation site feeds a binary engine; BAT runs binary or k-bit sites only', path });
  return 1;
}

function parts(lin: BinaryLinear): number {
  return lin.parts.length;
}

/** The workload of a deployable model. Every site or layer BAT cannot run is listed in one error. */
export function workloadFromModel(model: DeployModel): Workload {
  const issues: Issue[] = [];
  const L0 = model.layers[0];
  if (!L0) throw new BitedgeError({ code: 'bat_no_layers', message: 'model has no encoder layers' });
  const first = (f: (l: DeployModel['layers'][number]) => ActSite, name: string): 1 | 2 | 4 | 8 => {
    const b = model.layers.map((l, i) => siteBits(f(l), ['layers', i, name], issues));
    if (b.some((x) => x !== b[0])) issues.push({ code: 'bat_mixed_site_bits', message: `site ${name} has different bits across layers (${b.join(',')}); BAT configures one width per site`, path: ['layers', name] });
    return b[0];
  };
  const siteBitsOf: SiteBits = {
    qkvIn: first((l) => l.qkvIn, 'qkvIn'), q: first((l) => l.qOut, 'qOut'), k: first((l) => l.kOut, 'kOut'),
    v: first((l) => l.vOut, 'vOut'), probs: first((l) => l.attention.probs, 'attention.probs'),
    ctxIn: first((l) => l.ctxIn, 'ctxIn'), ffnIn: first((l) => l.ffnIn, 'ffnIn'), ffn2In: first((l) => l.ffn2In, 'ffn2In'),
  };
  const variants = new Set(model.layers.map((l) => l.attention.variant));
  if (variants.size > 1) issues.push({ code: 'bat_mixed_attention', message: `layers use different attention variants (${[...variants].join(', ')})`, path: ['layers'] });
  const p = new Set(model.layers.flatMap((l) => [l.q, l.k, l.v, l.o, l.ffn1, l.ffn2].map(parts)));
  if (p.size > 1 || ![1, 2].includes([...p][0])) issues.push({ code: 'bat_weight_parts', message: `linears have weight parts {${[...p].join(',')}}; BAT runs 1 or 2 parts, the same everywhere`, path: ['layers'] });
  model.layers.forEach((l, i) => {
    if (l.activation !== 'relu') issues.push({ code: 'bat_gelu', message: 'GELU FFN activation: BAT implements ReLU only (BiT\'s hardware-friendly FFN)', path: ['layers', i, 'activation'] });
  });
  if (issues.length) throw new BitedgeError(issues);
  return workloadFromShape(model.shape, siteBitsOf, { attention: L0.attention.variant, weightParts: [...p][0] as 1 | 2 });
}
