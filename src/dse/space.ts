/**
 * The joint search space: model options (bmt) × hardware options (bat), each a list of allowed values.
 * A field with more than one value becomes one choice gene (the gene is the index of the value); a
 * genome decodes to a model choice and a hardware description, both validated by their stages' own
 * schemas (`parseBmtConfig`, `parseHardware`). The space itself is a versioned JSON document (zod).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { BitedgeError, fail, type Issue } from '../common/errors.ts';
import { parseBmtConfig, type BmtConfig } from '../bmt/config.ts';
import { BOARDS } from '../bat/boards.ts';
import { parseHardware, type Hardware } from '../bat/hw.ts';
import { workloadFromShape, type Workload } from '../bat/workload.ts';
import type { Gene } from './nsga2.ts';

const values = <T extends z.ZodType>(t: T) => z.array(t).min(1);
const count = z.number().int().positive();
const amount = z.number().positive().finite();
const bits = z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)]);

/** Model options: the bmt config fields the exploration chooses; the rest comes from a base config. */
const ModelSpaceSchema = z.strictObject({
  layers: values(count),
  hidden: values(count),
  heads: values(count),
  /** FFN width as a multiple of hidden (BERT uses 4). */
  ffnMult: values(count),
  seqLen: values(z.number().int().min(2)),
  /** Bits per activation site (bmt's site names; qkvOut covers the Q, K and V outputs). */
  qkvIn: values(bits), qkvOut: values(bits), probs: values(bits), ctxIn: values(bits), ffnIn: values(bits), ffn2In: values(bits),
  attention: values(z.enum(['softmax-binary', 'threshold', 'shift-softmax'])),
  wtws: values(z.boolean()),
});

/** Hardware options: every field of a `bitedge-hw` description (src/bat/hw.ts) except format, version and name. */
const HardwareSpaceSchema = z.strictObject({
  board: values(z.string().min(1)),
  clockMHz: values(amount),
  bmuPe: values(count), bmuSimd: values(count), accBits: values(count.max(48)),
  atuHeadsParallel: values(count), atuPe: values(count), atuSimd: values(count),
  softmaxLanes: values(count), layernormLanes: values(count), thresholdLanes: values(count),
  weightBufferKiB: values(amount), activationBufferKiB: values(amount), fifoKiB: values(amount),
  ram: values(z.enum(['bram', 'uram'])),
  ddrBandwidthGBps: values(amount), ddrLatencyNs: values(z.number().nonnegative().finite()),
});

export const SpaceSchema = z.strictObject({
  format: z.literal('bitedge-space'),
  version: z.literal(1),
  model: ModelSpaceSchema,
  hardware: HardwareSpaceSchema,
});

export type Space = z.infer<typeof SpaceSchema>;
export type ModelField = keyof Space['model'];
export type HardwareField = keyof Space['hardware'];

/** Gene order: model fields, then hardware fields, in schema order (stable across runs). */
export const MODEL_FIELDS = Object.keys(ModelSpaceSchema.shape) as ModelField[];
export const HARDWARE_FIELDS = Object.keys(HardwareSpaceSchema.shape) as HardwareField[];

/** What the search varies: the model too (`joint`), or the hardware only for a fixed trained model. */
export type Scope = 'joint' | 'hardware';

/** One value per model field. */
export type ModelChoice = { [K in ModelField]: Space['model'][K][number] };

export interface DesignPoint {
  model: ModelChoice;
  hardware: Hardware;
}

/** Parse a space document; every violated field and every impossible combination is listed. */
export function parseSpace(value: unknown, file?: string): Space {
  const r = SpaceSchema.safeParse(value);
  const at = file ? { file } : {};
  if (!r.success) {
    throw new BitedgeError(r.error.issues.map((i) => ({ code: 'space_invalid_field', message: i.message, path: i.path.map(String), ...at })));
  }
  const s = r.data, issues: Issue[] = [];
  for (const h of s.model.hidden)
    for (const a of s.model.heads)
      if (h % a !== 0) issues.push({ code: 'space_bad_heads', message: `heads ${a} does not divide hidden ${h}: every combination must be a valid model`, path: ['model', 'heads'], ...at });
  for (const b of s.hardware.board)
    if (!(b in BOARDS)) issues.push({ code: 'space_unknown_board', message: `unknown board '${b}'`, path: ['hardware', 'board'], expected: Object.keys(BOARDS).join(' | '), received: b, ...at });
  if (issues.length) throw new BitedgeError(issues);
  return s;
}

export function loadSpace(file: string): Space {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return fail('space_unreadable', `cannot read space file (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail('space_bad_json', `not JSON: ${(e as Error).message}`, { file });
  }
  return parseSpace(json, file);
}

interface GeneSlot { part: 'model' | 'hardware'; field: string; choices: number }

/** The fields that vary in this scope (more than one allowed value), in gene order. */
function slots(space: Space, scope: Scope): GeneSlot[] {
  const out: GeneSlot[] = [];
  if (scope === 'joint')
    for (const f of MODEL_FIELDS) if (space.model[f].length > 1) out.push({ part: 'model', field: f, choices: space.model[f].length });
  for (const f of HARDWARE_FIELDS) if (space.hardware[f].length > 1) out.push({ part: 'hardware', field: f, choices: space.hardware[f].length });
  return out;
}

export function spaceGenes(space: Space, scope: Scope): Gene[] {
  return slots(space, scope).map((s) => ({ kind: 'choice', choices: s.choices }));
}

/** Gene names in order, e.g. `model.hidden`, `hardware.bmuPe` (CSV headers, docs). */
export function geneNames(space: Space, scope: Scope): string[] {
  return slots(space, scope).map((s) => `${s.part}.${s.field}`);
}

/** Number of distinct points (model and hardware) the scope spans. */
export function spaceSize(space: Space, scope: Scope): { models: number; hardware: number } {
  const prod = (xs: number[]) => xs.reduce((a, b) => a * b, 1);
  const ss = slots(space, scope);
  return { models: prod(ss.filter((s) => s.part === 'model').map((s) => s.choices)), hardware: prod(ss.filter((s) => s.part === 'hardware').map((s) => s.choices)) };
}

/** Index of each field's value: from the genome for varying fields, 0 for fixed ones. */
function indices(space: Space, scope: Scope, genome: number[]): Map<string, number> {
  const ss = slots(space, scope);
  if (genome.length !== ss.length) fail('space_bad_genome', `genome has ${genome.length} genes, the space has ${ss.length}`);
  const m = new Map<string, number>();
  ss.forEach((s, i) => {
    const g = genome[i];
    if (!Number.isInteger(g) || g < 0 || g >= s.choices) fail('space_bad_genome', `gene ${s.part}.${s.field} = ${g} is outside [0, ${s.choices})`);
    m.set(`${s.part}.${s.field}`, g);
  });
  return m;
}

export function decodeModel(space: Space, genome: number[], scope: Scope = 'joint'): ModelChoice {
  const idx = indices(space, scope, genome);
  return Object.fromEntries(MODEL_FIELDS.map((f) => [f, space.model[f][idx.get(`model.${f}`) ?? 0]])) as ModelChoice;
}

export function decodeHardware(space: Space, genome: number[], scope: Scope): Hardware {
  const idx = indices(space, scope, genome);
  const v = Object.fromEntries(HARDWARE_FIELDS.map((f) => [f, space.hardware[f][idx.get(`hardware.${f}`) ?? 0]])) as { [K in HardwareField]: Space['hardware'][K][number] };
  return parseHardware({
    format: 'bitedge-hw', version: 1, name: 'explored', board: v.board, clockMHz: v.clockMHz,
    bmu: { pe: v.bmuPe, simd: v.bmuSimd, accBits: v.accBits },
    atu: { headsParallel: v.atuHeadsParallel, pe: v.atuPe, simd: v.atuSimd },
    sfu: { softmaxLanes: v.softmaxLanes, layernormLanes: v.layernormLanes, thresholdLanes: v.thresholdLanes },
    memory: {
      weightBufferKiB: v.weightBufferKiB, activationBufferKiB: v.activationBufferKiB, fifoKiB: v.fifoKiB, ram: v.ram,
      ddrBandwidthGBps: v.ddrBandwidthGBps, ddrLatencyNs: v.ddrLatencyNs,
    },
  });
}

export function decodePoint(space: Space, genome: number[], scope: Scope = 'joint'): DesignPoint {
  return { model: decodeModel(space, genome, scope), hardware: decodeHardware(space, genome, scope) };
}

/** Inverse of decodePoint: every value must be one the space allows. */
export function encodePoint(space: Space, p: DesignPoint, scope: Scope = 'joint'): number[] {
  const h = p.hardware;
  const hw: Record<HardwareField, unknown> = {
    board: h.board, clockMHz: h.clockMHz, bmuPe: h.bmu.pe, bmuSimd: h.bmu.simd, accBits: h.bmu.accBits,
    atuHeadsParallel: h.atu.headsParallel, atuPe: h.atu.pe, atuSimd: h.atu.simd,
    softmaxLanes: h.sfu.softmaxLanes, layernormLanes: h.sfu.layernormLanes, thresholdLanes: h.sfu.thresholdLanes,
    weightBufferKiB: h.memory.weightBufferKiB, activationBufferKiB: h.memory.activationBufferKiB, fifoKiB: h.memory.fifoKiB,
    ram: h.memory.ram, ddrBandwidthGBps: h.memory.ddrBandwidthGBps, ddrLatencyNs: h.memory.ddrLatencyNs,
  };
  return slots(space, scope).map((s) => {
    const allowed = (s.part === 'model' ? space.model[s.field as ModelField] : space.hardware[s.field as HardwareField]) as unknown[];
    const value = s.part === 'model' ? p.model[s.field as ModelField] : hw[s.field as HardwareField];
    const i = allowed.indexOf(value);
    if (i < 0) fail('space_value_outside', `${s.part}.${s.field} = ${JSON.stringify(value)} is not in the space`, { path: [s.part, s.field], expected: allowed.map((a) => JSON.stringify(a)).join(' | ') });
    return i;
  });
}

/** The bmt config of a model choice: the base config (vocabulary, training schedule, seed) with the choice's fields, validated by bmt. */
export function modelConfig(base: BmtConfig, m: ModelChoice): BmtConfig {
  return parseBmtConfig({
    ...base, layers: m.layers, hidden: m.hidden, heads: m.heads, ffn: m.ffnMult * m.hidden, seqLen: m.seqLen,
    bits: { qkvIn: m.qkvIn, qkvOut: m.qkvOut, probs: m.probs, ctxIn: m.ctxIn, ffnIn: m.ffnIn, ffn2In: m.ffn2In },
    attention: m.attention, wtws: m.wtws,
  });
}

/**
 * The BAT workload of a bmt config: its shape and site bits; two binary weight parts, since the bmt
 * recipe ends with (weighted) ternary weight splitting (src/bmt/recipe.ts).
 */
export function workloadOfConfig(c: BmtConfig, numLabels: number): Workload {
  const b = c.bits;
  const bad = Object.entries(b).find(([, x]) => x === 32);
  if (bad) fail('space_float_site', `site ${bad[0]} is full precision: BAT runs binary or k-bit sites only`, { path: ['bits', bad[0]] });
  const k = (x: number) => x as 1 | 2 | 4 | 8;
  return workloadFromShape(
    { vocabSize: c.vocabSize, seqLen: c.seqLen, hidden: c.hidden, heads: c.heads, ffn: c.ffn, layers: c.layers, numLabels },
    { qkvIn: k(b.qkvIn), q: k(b.qkvOut), k: k(b.qkvOut), v: k(b.qkvOut), probs: k(b.probs), ctxIn: k(b.ctxIn), ffnIn: k(b.ffnIn), ffn2In: k(b.ffn2In) },
    { attention: c.attention, weightParts: 2 },
  );
}

const hwSpace = (board: string[]): Space['hardware'] => ({
  board, clockMHz: [100, 150, 200, 250], bmuPe: [4, 8, 16, 32, 64], bmuSimd: [32, 64, 128, 256], accBits: [24],
  atuHeadsParallel: [1, 2, 4], atuPe: [8, 16], atuSimd: [32, 64],
  softmaxLanes: [8, 16, 32], layernormLanes: [8, 16, 32], thresholdLanes: [32, 64, 128],
  weightBufferKiB: [128, 256, 512, 1024], activationBufferKiB: [128, 256, 512], fifoKiB: [32, 64, 128],
  ram: ['bram'], ddrBandwidthGBps: [4, 8, 12.8], ddrLatencyNs: [150],
});

/**
 * Named spaces (nanoGPT-style presets; the comments give the reasons):
 * - `default`: 8 model configs (layers × hidden × WTWS) for SpamAssassin-sized models, the full hardware range on three boards.
 * - `codesign`: what `bitedge codesign` searches: 4 model configs (hidden 32/64 × WTWS), so the joint search
 *   trains 4 models (2 at a time on 2 cores) and stays within minutes; hardware as `default` on the edge boards.
 * - `small`: tests: 2 model configs, 2–3 values per hardware field.
 */
export const SPACES: Record<string, Space> = {
  default: parseSpace({
    format: 'bitedge-space', version: 1,
    model: {
      layers: [1, 2], hidden: [64, 128], heads: [2], ffnMult: [2], seqLen: [48],
      qkvIn: [1], qkvOut: [1], probs: [1], ctxIn: [1], ffnIn: [1], ffn2In: [1], attention: ['softmax-binary'], wtws: [true, false],
    },
    hardware: hwSpace(['ultra96', 'kv260', 'zcu102']),
  }),
  codesign: parseSpace({
    format: 'bitedge-space', version: 1,
    model: {
      layers: [1], hidden: [32, 64], heads: [2], ffnMult: [2], seqLen: [48],
      qkvIn: [1], qkvOut: [1], probs: [1], ctxIn: [1], ffnIn: [1], ffn2In: [1], attention: ['softmax-binary'], wtws: [true, false],
    },
    hardware: hwSpace(['ultra96', 'kv260']),
  }),
  small: parseSpace({
    format: 'bitedge-space', version: 1,
    model: {
      layers: [1], hidden: [32], heads: [2], ffnMult: [2], seqLen: [16],
      qkvIn: [1], qkvOut: [1], probs: [1], ctxIn: [1], ffnIn: [1, 2], ffn2In: [1], attention: ['softmax-binary'], wtws: [true],
    },
    hardware: {
      board: ['ultra96', 'zcu102'], clockMHz: [100, 200], bmuPe: [4, 16, 64], bmuSimd: [32, 128], accBits: [24],
      atuHeadsParallel: [1, 2], atuPe: [8], atuSimd: [32], softmaxLanes: [8, 32], layernormLanes: [8], thresholdLanes: [32, 128],
      weightBufferKiB: [64, 512], activationBufferKiB: [128], fifoKiB: [32], ram: ['bram'], ddrBandwidthGBps: [4, 12.8], ddrLatencyNs: [150],
    },
  }),
};
