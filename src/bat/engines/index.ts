/**
 * The engines answer for themselves (FINN's HWCustomOp habit): the simulator, the analytical model and
 * the report only iterate and ask `opCycles`, `opActions` and `engineResources`.
 */
import type { Hardware } from '../hw.ts';
import type { Resources } from '../boards.ts';
import type { Actions, Op } from '../ops.ts';
import * as bmu from './bmu.ts';
import * as atu from './atu.ts';
import * as sfu from './sfu.ts';
import * as memory from './memory.ts';

export { bmu, atu, sfu, memory };

export function opCycles(op: Op, hw: Hardware): number {
  switch (op.kind) {
    case 'matmul': return bmu.cycles(op, hw);
    case 'scores': case 'context': return atu.cycles(op, hw);
    case 'transfer': return memory.cycles(op, hw);
    default: return sfu.cycles(op, hw);
  }
}

export function opActions(op: Op, hw: Hardware): Actions {
  switch (op.kind) {
    case 'matmul': return bmu.actions(op, hw);
    case 'scores': case 'context': return atu.actions(op, hw);
    case 'transfer': return memory.actions(op);
    default: return sfu.actions(op);
  }
}

/** Resources per hardware block; the SFU's three lane arrays are reported together. */
export function engineResources(hw: Hardware): Record<'bmu' | 'atu' | 'sfu' | 'memory', Resources> {
  return { bmu: bmu.resources(hw), atu: atu.resources(hw), sfu: sfu.resources(hw), memory: memory.resources(hw) };
}
