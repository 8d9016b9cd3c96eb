/**
 * The BMT configuration: model shape, quantization options and the training recipe, as one validated,
 * serialisable record (zod). Every run saves it; every run is reproducible from it.
 */
import { z } from 'zod';
import { BitedgeError } from '../common/errors.ts';
import { NORMALIZERS } from '../data/normalize.ts';

/** Bits per activation site: 1 (elastic binarization), 2/4/8 (LSQ), 32 (full precision). */
export const ActBitsSchema = z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8), z.literal(32)], {
  error: 'bits must be one of 1, 2, 4, 8, 32',
});
export type ActBits = z.infer<typeof ActBitsSchema>;

/** Bits of a stored float matrix: 1 (sign · per-row mean |x|), 2/4/8 (symmetric per-row), 32 (float). */
export const StorageBitsSchema = z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8), z.literal(32)], {
  error: 'storage bits must be one of 1, 2, 4, 8, 32',
});

/** Bits of a matrix stored as codes (32, float, excluded). */
export type StoredBits = Exclude<z.infer<typeof StorageBitsSchema>, 32>;
const int = (min: number) => z.number().int().min(min);

export const SiteBitsSchema = z.object({
  /** Input of Q, K, V (one quantizer shared by the three). */
  qkvIn: ActBitsSchema.default(1),
  /** Q, K, V outputs. */
  qkvOut: ActBitsSchema.default(1),
  /** Attention probabilities (unsigned). */
  probs: ActBitsSchema.default(1),
  /** Concatenated heads, input of the attention-output linear. */
  ctxIn: ActBitsSchema.default(1),
  /** Input of FFN-in. */
  ffnIn: ActBitsSchema.default(1),
  /** FFN hidden activation, input of FFN-out (unsigned). */
  ffn2In: ActBitsSchema.default(1),
});
export type SiteBits = z.infer<typeof SiteBitsSchema>;

export const BmtConfigSchema = z
  .object({
    layers: int(1),
    hidden: int(1),
    heads: int(1),
    ffn: int(1),
    /** Padded sequence length T, [CLS] included. */
    seqLen: int(2),
    /** Tokenizer vocabulary size (special tokens included). */
    vocabSize: int(8).max(1 << 20),
    /** Text normalizer the tokenizer applies (src/data/normalize.ts); 'auto' = the dataset's own (mime for spamassassin). */
    normalizer: z.enum(['auto', ...NORMALIZERS]).default('auto'),
    bits: SiteBitsSchema.prefault({}),
    /**
     * Bits of the float matrices in the quantized stages: per-row k-bit codes as the .bmt file stores them
     * (src/format/quantize.ts), trained as stored (straight-through gradient to the float copy); 32 = float.
     */
    storageBits: z
      .object({
        tokenEmbedding: StorageBitsSchema.default(32),
        positionEmbedding: StorageBitsSchema.default(32),
        pooler: StorageBitsSchema.default(32),
        classifier: StorageBitsSchema.default(32),
      })
      .prefault({}),
    attention: z.enum(['softmax-binary', 'threshold', 'shift-softmax']).default('softmax-binary'),
    activation: z.enum(['relu', 'gelu']).default('relu'),
    pow2Scales: z.boolean().default(false),
    weightScale: z.enum(['per-tensor', 'per-channel']).default('per-tensor'),
    /**
     * Weighted ternary weight splitting: learnable per-channel λ1, λ2 after the split. Off in the schema (the
     * plain TWS of BinaryBERT); the default and names presets turn it on: over three training seeds it matched or
     * beat TWS on both tasks (docs/results.md).
     */
    wtws: z.boolean().default(false),
    /** Optional stepwise activation bits for the ternary stage, e.g. [8, 4, 2]; each step then the final bits. */
    stepwiseBits: z.array(z.union([z.literal(2), z.literal(4), z.literal(8)])).default([]),
    train: z
      .object({
        seed: z.number().int().default(1),
        batchSize: int(1).default(32),
        /** Epochs per stage (fractions allowed). */
        epochs: z
          .object({ fp32: z.number().positive(), ternary: z.number().positive(), binary: z.number().positive() })
          .prefault({ fp32: 3, ternary: 2, binary: 2 }),
        lr: z.object({ fp32: z.number().positive(), quant: z.number().positive() }).prefault({ fp32: 1e-3, quant: 5e-4 }),
        /** Fraction of a stage's steps with linear warmup; linear decay to 0 after. */
        warmup: z.number().min(0).max(0.5).default(0.1),
        clipNorm: z.number().positive().default(1),
        /**
         * Dropout rate of the FP32 stage, at BERT's hidden sites (embeddings, attention and FFN outputs, pooled
         * output). The distilled stages train without it: their targets are the teacher's exact values.
         */
        dropout: z.number().min(0).lt(1).default(0),
        /** Write the stage checkpoint every this many steps (and at the end of the stage). */
        checkpointEvery: int(1).default(50),
        /** Cap on training examples (0 = all): for tests and quick runs. */
        maxTrainExamples: int(0).default(0),
      })
      .prefault({}),
    distill: z
      .object({
        /** Weight of the soft cross-entropy on logits (temperature 1). */
        logits: z.number().min(0).default(1),
        /** Weight of Σ_layers MSE of hidden states (embedding output included). */
        hidden: z.number().min(0).default(1),
        /** Weight of the hard-label cross-entropy [ours: BiT/BinaryBERT use 0]. */
        hard: z.number().min(0).default(1),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.hidden % c.heads !== 0)
      ctx.addIssue({ code: 'custom', path: ['heads'], message: `heads (${c.heads}) must divide hidden (${c.hidden})` });
  });

export type BmtConfig = z.infer<typeof BmtConfigSchema>;
export type BmtConfigInput = z.input<typeof BmtConfigSchema>;

/** Validate a config; bad values raise a BitedgeError naming each field. */
export function parseBmtConfig(raw: unknown, file?: string): BmtConfig {
  const r = BmtConfigSchema.safeParse(raw);
  if (r.success) return r.data;
  throw new BitedgeError(
    r.error.issues.map((i) => ({
      code: 'bmt_config_invalid',
      message: i.message,
      file,
      path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    })),
  );
}
