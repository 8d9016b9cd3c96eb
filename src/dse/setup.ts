/**
 * From a user's inputs to an exploration: the fixed model of a hardware-only search (a .bmt file and the
 * accuracy recorded in it), a space narrowed to one board, and the output writer that knows where each
 * design's model lives. Shared by `bitedge explore` and `bitedge codesign`.
 */
import { join } from 'node:path';
import { fail } from '../common/errors.ts';
import { readBmtFile } from '../format/file.ts';
import { workloadFromModel } from '../bat/workload.ts';
import { BOARDS } from '../bat/boards.ts';
import { explore, type ExploreOptions, type ExploreResult, type FixedModel } from './explore.ts';
import { writeExploreOutputs, type FrontDocument } from './outputs.ts';
import { modelConfig, workloadOfConfig, type Space } from './space.ts';
import type { AccuracyMetrics } from './objectives.ts';

/** A number at `path` inside `meta`, or null. */
function metaNumber(meta: Record<string, unknown>, path: string[]): number | null {
  let v: unknown = meta;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * The fixed model of a hardware-only search: its workload, and the accuracies its provenance record
 * holds (bmt's exporter writes `meta.metrics.{validation,test}.accuracy`). A model without them (e.g. a
 * random test model) has accuracy null: the error objective is then the constant 1 (it cannot steer a
 * hardware-only search, where accuracy is the same for every design).
 */
export function fixedModelFromFile(file: string): FixedModel {
  const model = readBmtFile(file);
  const acc: AccuracyMetrics = {
    accuracy: metaNumber(model.meta, ['metrics', 'validation', 'accuracy']),
    testAccuracy: metaNumber(model.meta, ['metrics', 'test', 'accuracy']),
    bitflipAccuracy: metaNumber(model.meta, ['bitflip', 'accuracy']),
    model: file,
  };
  return { workload: workloadFromModel(model), accuracy: acc };
}

/** The space with its board choices narrowed to one board. */
export function restrictBoard(space: Space, board: string): Space {
  if (!(board in BOARDS)) fail('cli_bad_option', `unknown board '${board}'`, { expected: Object.keys(BOARDS).join(' | '), received: board });
  return { ...space, hardware: { ...space.hardware, board: [board] } };
}

/** Run a search and write its outputs into `o.outDir`. `modelFile` is the fixed model (hardware scope). */
export async function exploreAndReport(o: ExploreOptions, modelFile: string | null): Promise<{ result: ExploreResult; doc: FrontDocument }> {
  const result = await explore(o);
  const doc = writeExploreOutputs(o.outDir, result, {
    space: o.space, scope: o.scope, latencyBudgetMs: o.constraints.latencyBudgetMs,
    chosenModel(p) {
      if (o.scope === 'hardware') return { workload: o.fixed!.workload, modelFile };
      const m = result.models[p.metrics.model];
      const c = modelConfig(o.joint!.base, p.model!);
      return { workload: workloadOfConfig(c, m.labels.length), modelFile: join(o.joint!.cacheDir, m.key, 'model.bmt') };
    },
  });
  return { result, doc };
}
