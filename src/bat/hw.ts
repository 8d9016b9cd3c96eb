/**
 * The hardware description of one BAT instance: a typed, versioned, validated JSON document
 * (Timeloop's "architecture" input; the workload and the mapping are separate inputs).
 * Units are in the field names: MHz, KiB, GB/s (1e9 bytes per second), ns.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { BitedgeError, type Issue } from '../common/errors.ts';
import { BOARDS } from './boards.ts';
import { PRESETS } from './presets.ts';

const count = z.number().int().positive();
const amount = z.number().positive().finite();

export const HardwareSchema = z.strictObject({
  format: z.literal('bitedge-hw'),
  version: z.literal(1),
  name: z.string().min(1),
  /** Key of the board table (src/bat/boards.ts): resource budget and DDR. */
  board: z.string().min(1),
  clockMHz: amount,
  /** Binary matrix unit: PE output channels × SIMD input bits per cycle (FINN MVAU folding). */
  bmu: z.strictObject({ pe: count, simd: count, accBits: count.max(48) }),
  /** Attention unit: `headsParallel` head units, each PE keys (or output channels) × SIMD bits per cycle. */
  atu: z.strictObject({ headsParallel: count, pe: count, simd: count }),
  /** Special function units: elements per cycle of each function. */
  sfu: z.strictObject({ softmaxLanes: count, layernormLanes: count, thresholdLanes: count }),
  memory: z.strictObject({
    /** On-chip weight buffer (double-buffered halves when weights are streamed). */
    weightBufferKiB: amount,
    /** On-chip activation buffers (residual ping-pong, Q/K/V codes, scores). */
    activationBufferKiB: amount,
    /** Total capacity of the FIFOs between engines. */
    fifoKiB: amount,
    /** Which on-chip RAM the buffers use. */
    ram: z.enum(['bram', 'uram']),
    ddrBandwidthGBps: amount,
    ddrLatencyNs: z.number().nonnegative().finite(),
  }),
});

export type Hardware = z.infer<typeof HardwareSchema>;

/** zod issues → bitedge issues (one per violated field, with its path). */
function zodIssues(err: z.ZodError, file?: string): Issue[] {
  return err.issues.map((i) => ({
    code: 'hw_invalid_field',
    message: i.message,
    path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    ...(file ? { file } : {}),
  }));
}

/**
 * Parse an unknown value as a hardware description. Every schema violation is reported, plus an
 * unknown board; throws one BitedgeError listing them all.
 */
export function parseHardware(value: unknown, file?: string): Hardware {
  const r = HardwareSchema.safeParse(value);
  const issues: Issue[] = r.success ? [] : zodIssues(r.error, file);
  const board = (value as { board?: unknown } | null)?.board;
  if (typeof board === 'string' && !(board in BOARDS)) {
    issues.push({
      code: 'hw_unknown_board', message: `unknown board '${board}'`, path: ['board'],
      expected: Object.keys(BOARDS).join(' | '), received: board, ...(file ? { file } : {}),
    });
  }
  if (issues.length || !r.success) throw new BitedgeError(issues);
  return r.data;
}

/** A preset name (`zcu102`, `edge`) or a path to a JSON hardware description. */
export function loadHardware(presetOrFile: string): Hardware {
  const preset = PRESETS[presetOrFile];
  if (preset) return parseHardware(structuredClone(preset), `preset:${presetOrFile}`);
  let text: string;
  try {
    text = readFileSync(presetOrFile, 'utf8');
  } catch (e) {
    throw new BitedgeError({
      code: 'hw_unreadable', file: presetOrFile,
      message: `cannot read hardware description (${(e as NodeJS.ErrnoException).code ?? 'error'}); presets: ${Object.keys(PRESETS).join(', ')}`,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BitedgeError({ code: 'hw_bad_json', file: presetOrFile, message: `not JSON: ${(e as Error).message}` });
  }
  return parseHardware(json, presetOrFile);
}

/** DDR bytes per clock cycle at the accelerator clock. */
export function ddrBytesPerCycle(hw: Hardware): number {
  return (hw.memory.ddrBandwidthGBps * 1e9) / (hw.clockMHz * 1e6);
}

/** DDR access latency in accelerator cycles. */
export function ddrLatencyCycles(hw: Hardware): number {
  return Math.ceil(hw.memory.ddrLatencyNs * 1e-3 * hw.clockMHz);
}
