/**
 * The header JSON of a .bmt file: everything about a DeployModel except its tensors (docs/format.md,
 * "Header JSON"). Validated with zod at the boundary; tensors are referenced by name from the tensor table.
 */
import { z } from 'zod';
import { MAX_DIM } from './validate.ts';

const dim = z.number().int().min(1).max(MAX_DIM);
const positive = z.number().positive();

export const shapeSchema = z
  .object({ vocabSize: dim, seqLen: dim, hidden: dim, heads: dim, ffn: dim, layers: dim, numLabels: dim })
  .strict();

/** A site without its per-channel β (β is the tensor `<site path>.beta`). */
export const siteSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('binary-signed'), alpha: positive }).strict(),
  z.object({ kind: z.literal('binary-unsigned'), alpha: positive }).strict(),
  z.object({ kind: z.literal('kbit'), bits: z.union([z.literal(2), z.literal(4), z.literal(8)]), signed: z.boolean(), step: positive }).strict(),
  z.object({ kind: z.literal('float') }).strict(),
]);

/** A binary linear's structure: how many weight parts, whether folded thresholds are stored. */
export const linearSchema = z.object({ parts: z.union([z.literal(1), z.literal(2)]), threshold: z.boolean() }).strict();

/** Bits of a stored matrix (StorageBits); 1 only in files of version ≥ 2 (checked by the reader). */
const storedBits = z.union([z.literal(8), z.literal(4), z.literal(2), z.literal(1)]);

const lnSchema = z.object({ eps: positive }).strict();

export const layerSchema = z
  .object({
    qkvIn: siteSchema,
    q: linearSchema,
    k: linearSchema,
    v: linearSchema,
    qOut: siteSchema,
    kOut: siteSchema,
    vOut: siteSchema,
    attention: z
      .object({ variant: z.enum(['softmax-binary', 'threshold', 'shift-softmax']), probs: siteSchema, tau: z.number().optional() })
      .strict(),
    ctxIn: siteSchema,
    o: linearSchema,
    ln1: lnSchema,
    ffnIn: siteSchema,
    ffn1: linearSchema,
    activation: z.enum(['relu', 'gelu']),
    ffn2In: siteSchema,
    ffn2: linearSchema,
    ln2: lnSchema,
  })
  .strict();

export const headerSchema = z
  .object({
    shape: shapeSchema,
    /** Matrices stored as k-bit codes (tensors `<key>.scale`, `<key>.codes`); the others are float32 tensors `<key>`. */
    storage: z
      .object({ tokenEmbedding: storedBits, positionEmbedding: storedBits, 'pooler.weight': storedBits, 'classifier.weight': storedBits })
      .partial()
      .strict(),
    lnEmb: lnSchema,
    layers: z.array(layerSchema),
    labels: z.array(z.string()),
    tokenizer: z.unknown().optional(),
    meta: z.record(z.string(), z.unknown()),
  })
  .strict()
  .refine((h) => h.layers.length === h.shape.layers, { message: 'layers must have shape.layers entries', path: ['layers'] })
  .refine((h) => h.labels.length === h.shape.numLabels, { message: 'labels must have shape.numLabels entries', path: ['labels'] })
  .refine((h) => h.shape.hidden % h.shape.heads === 0, { message: 'hidden must be a multiple of heads', path: ['shape', 'hidden'] });

export type BmtHeader = z.infer<typeof headerSchema>;
export type SiteHeader = z.infer<typeof siteSchema>;
export type LinearHeader = z.infer<typeof linearSchema>;
