/**
 * Resources of a BAT instance (LUT, FF, DSP, BRAM18, URAM): the sum of what each engine and memory
 * reports (engines/*.ts), checked against the board budget times FINN's utilisation ceilings.
 */
import type { Issue } from '../common/errors.ts';
import type { Hardware } from './hw.ts';
import { BOARDS, RESOURCE_KINDS, UTILISATION_CEILINGS, addResources, type Resources } from './boards.ts';
import { engineResources } from './engines/index.ts';

export interface ResourceReport {
  board: string;
  perEngine: Record<string, Resources>;
  total: Resources;
  budget: Resources;
  /** total / budget per kind. */
  utilisation: Resources;
  ceilings: Resources;
}

export function resourceReport(hw: Hardware): ResourceReport {
  const perEngine = engineResources(hw);
  const total = addResources(...Object.values(perEngine));
  for (const k of RESOURCE_KINDS) total[k] = Math.round(total[k]);
  const board = BOARDS[hw.board];
  const utilisation = { ...total };
  for (const k of RESOURCE_KINDS) utilisation[k] = board.budget[k] === 0 ? (total[k] === 0 ? 0 : Infinity) : total[k] / board.budget[k];
  return { board: board.name, perEngine, total, budget: board.budget, utilisation, ceilings: UTILISATION_CEILINGS };
}

/** One issue per resource kind over its ceiling (or used on a board that has none of it). */
export function budgetIssues(r: ResourceReport): Issue[] {
  const issues: Issue[] = [];
  for (const k of RESOURCE_KINDS) {
    const limit = Math.floor(r.budget[k] * r.ceilings[k]);
    if (r.total[k] > limit) {
      const top = Object.entries(r.perEngine).sort((a, b) => b[1][k] - a[1][k])[0];
      issues.push({
        code: 'hw_over_budget', path: [k],
        message: r.budget[k] === 0
          ? `${k}: ${r.total[k]} used but board ${r.board} has none (memory.ram 'uram' needs a board with URAM)`
          : `${k} over budget: ${r.total[k]} is ${(100 * r.utilisation[k]).toFixed(1)}% of ${r.board}'s ${r.budget[k]}, ceiling ${(100 * r.ceilings[k]).toFixed(0)}% (largest user: ${top[0]} with ${top[1][k]})`,
        expected: `≤ ${limit}`, received: String(r.total[k]),
      });
    }
  }
  return issues;
}
