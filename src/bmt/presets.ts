/**
 * Named BMT presets (nanoGPT `config/` style): flat defaults plus the few values that differ, with reasons.
 */
import { fail } from '../common/errors.ts';
import { parseBmtConfig, type BmtConfig, type BmtConfigInput } from './config.ts';

export const presets: Record<string, BmtConfigInput> = {
  // For tests: a model that trains in seconds on two cores; all sites binary so every quantizer runs.
  tiny: {
    layers: 1, hidden: 32, heads: 2, ffn: 64, seqLen: 16, vocabSize: 300,
    train: { batchSize: 16, epochs: { fp32: 2, ternary: 1, binary: 1 }, lr: { fp32: 3e-3, quant: 1e-3 }, checkpointEvery: 10 },
  },
  // SpamAssassin: emails in the tokenizer's mime view (envelope sender, key header fields, the body decoded to its
  // text; normalizer auto), which puts more signal in the window than the raw message's relays and MIME plumbing
  // (docs/data.md). Width 64 keeps the whole recipe near the 20-minute budget on two cores; the teacher gets most
  // of the epochs, with dropout 0.1 because without it the teacher fits the training split to 99.94% (FP32 test
  // 98.51% on seeds 1 and 2 with it, 98.35 / 97.85% without). The float matrices are trained as the .bmt stores
  // them (1-bit token embedding, 8-bit position/pooler/classifier): no cost in W1A1 accuracy, 9.5× smaller files.
  // WTWS on: docs/results.md compares it with plain TWS.
  default: {
    layers: 2, hidden: 64, heads: 2, ffn: 128, seqLen: 160, vocabSize: 4000,
    storageBits: { tokenEmbedding: 1, positionEmbedding: 8, pooler: 8, classifier: 8 }, wtws: true,
    train: { batchSize: 32, epochs: { fp32: 4, ternary: 1, binary: 2 }, lr: { fp32: 2e-3, quant: 5e-4 }, dropout: 0.1, checkpointEvery: 50 },
  },
  // First names (female/male): short inputs, so many cheap epochs.
  names: {
    layers: 2, hidden: 64, heads: 2, ffn: 128, seqLen: 16, vocabSize: 1000,
    storageBits: { tokenEmbedding: 1, positionEmbedding: 8, pooler: 8, classifier: 8 }, wtws: true,
    train: { batchSize: 64, epochs: { fp32: 8, ternary: 4, binary: 4 }, lr: { fp32: 2e-3, quant: 5e-4 }, checkpointEvery: 50 },
  },
};

/** A preset by name, optionally overridden field by field, validated. */
export function resolvePreset(name: string, overrides: Partial<BmtConfigInput> = {}): BmtConfig {
  const base = presets[name];
  if (!base) fail('bmt_preset_unknown', `unknown preset '${name}'`, { expected: Object.keys(presets).join(' | '), received: name });
  const merged = { ...base, ...overrides, train: { ...base.train, ...(overrides.train ?? {}) } } as BmtConfigInput;
  return parseBmtConfig(merged);
}
