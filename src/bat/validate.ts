/**
 * `bitedge hw validate`: every violated constraint of a hardware description, alone or against a
 * workload: schema and unknown board, resources over the board budget, buffers too small for a tile or
 * for the activations, and (as notes, not errors) the parameters that do not divide and how they are padded.
 */
import { BitedgeError, type Issue } from '../common/errors.ts';
import { parseHardware, type Hardware } from './hw.ts';
import { budgetIssues, resourceReport, type ResourceReport } from './resources.ts';
import { fitIssues, minTileBytes, type CompileOptions } from './compiler.ts';
import type { Workload } from './workload.ts';

export interface Validation {
  ok: boolean;
  /** Violations: the description cannot be built or cannot run the workload. */
  errors: Issue[];
  /** Non-dividing parameters and their padding; fine, but lanes idle. */
  notes: Issue[];
  hardware?: Hardware;
  resources?: ResourceReport;
}

function padNote(what: string, size: number, by: number, unit: string, path: string[]): Issue | null {
  if (size % by === 0) return null;
  const padded = Math.ceil(size / by) * by;
  return {
    code: 'hw_padded', path,
    message: `${what} ${size} is not a multiple of ${unit} ${by}: padded to ${padded}, ${(100 * (1 - size / padded)).toFixed(1)}% of those lanes idle`,
  };
}

/** Padding of every (workload dimension, folding parameter) pair. */
export function paddingNotes(w: Workload, hw: Hardware): Issue[] {
  const { hidden: H, ffn: F, heads: A, seqLen: T } = w.shape, d = H / A;
  const notes = [
    padNote('hidden (K of Q/K/V/O/FFN-in)', H, hw.bmu.simd, 'BMU SIMD', ['bmu', 'simd']),
    padNote('FFN width (K of FFN-out)', F, hw.bmu.simd, 'BMU SIMD', ['bmu', 'simd']),
    padNote('hidden (N of O/FFN-out)', H, hw.bmu.pe, 'BMU PE', ['bmu', 'pe']),
    padNote('FFN width (N of FFN-in)', F, hw.bmu.pe, 'BMU PE', ['bmu', 'pe']),
    padNote('heads', A, hw.atu.headsParallel, 'ATU headsParallel', ['atu', 'headsParallel']),
    padNote('head size (scores K, context N)', d, hw.atu.simd, 'ATU SIMD', ['atu', 'simd']),
    padNote('sequence (scores N)', T, hw.atu.pe, 'ATU PE', ['atu', 'pe']),
    padNote('sequence (context K)', T, hw.atu.simd, 'ATU SIMD', ['atu', 'simd']),
  ];
  return notes.filter((n): n is Issue => n !== null);
}

/** Validate a parsed-or-raw description; never throws on bad input, returns every issue. */
export function validateHardware(value: unknown, opts: { file?: string; workload?: Workload; compile?: CompileOptions } = {}): Validation {
  let hw: Hardware;
  try {
    hw = parseHardware(value, opts.file);
  } catch (e) {
    if (e instanceof BitedgeError) return { ok: false, errors: e.issues, notes: [] };
    throw e;
  }
  const resources = resourceReport(hw);
  const errors = budgetIssues(resources);
  if (hw.memory.weightBufferKiB * 1024 < 2 * minTileBytes(hw)) {
    errors.push({ code: 'bat_weight_tile_too_big', path: ['memory', 'weightBufferKiB'],
      message: `weight buffer cannot double-buffer one ${hw.bmu.pe}×${hw.bmu.simd}-bit weight tile`,
      expected: `≥ ${Math.ceil((2 * minTileBytes(hw)) / 1024)} KiB`, received: `${hw.memory.weightBufferKiB} KiB` });
  }
  const notes: Issue[] = [];
  if (opts.workload) {
    for (const i of fitIssues(opts.workload, hw, opts.compile)) if (!errors.some((e) => e.code === i.code)) errors.push(i);
    notes.push(...paddingNotes(opts.workload, hw));
  }
  if (opts.file) for (const i of [...errors, ...notes]) i.file ??= opts.file;
  return { ok: errors.length === 0, errors, notes, hardware: hw, resources };
}
