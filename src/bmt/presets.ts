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
  // SpamAssassin: the whole FP32 → ternary → TWS → W1A1 recipe within the 20-minute budget on two cores.
  // Headers carry most of the signal, so 64 tokens suffice; two layers of width 128 reach the accuracy bars.
  default: {
    layers: 2, hidden: 128, heads: 4, ffn: 256, seqLen: 64, vocabSize: 4000,
    train: { batchSize: 32, epochs: { fp32: 3, ternary: 3, binary: 3 }, lr: { fp32: 1e-3, quant: 5e-4 }, checkpointEvery: 50 },
  },
};

/** A preset by name, optionally overridden field by field, validated. */
export function resolvePreset(name: string, overrides: Partial<BmtConfigInput> = {}): BmtConfig {
  const base = presets[name];
  if (!base) fail('bmt_preset_unknown', `unknown preset '${name}'`, { expected: Object.keys(presets).join(' | '), received: name });
  const merged = { ...base, ...overrides, train: { ...base.train, ...(overrides.train ?? {}) } } as BmtConfigInput;
  return parseBmtConfig(merged);
}
