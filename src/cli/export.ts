/** `bitedge export`: a trained binary stage to a packed .bmt file (and the FP32 teacher to ONNX). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fail } from '../common/errors.ts';
import { readCheckpoint } from '../bmt/checkpoint.ts';
import { toDeployModel, toFloatModel } from '../bmt/export.ts';
import { loadRun } from '../bmt/run.ts';
import { parseStoragePlan, quantizeStorage, STORABLE_MATRICES, writeBmtFile, writeOnnxFile, type DeployModel } from '../format/index.ts';
import type { Command } from './command.ts';

const help = `Usage: bitedge export RUN --out model.bmt [--store KEY=BITS,...] [--onnx teacher.onnx] [--json]

RUN is a run folder written by 'bitedge train' (its final stage) or a binary-stage checkpoint inside one
(binary.ckpt, direct.ckpt, w1a32.ckpt). Packs the sign bits, folds scales and thresholds (docs/forward.md)
and writes the .bmt file with the run's tokenizer and labels. --onnx also writes the run's FP32 teacher
(fp32.ckpt in the same folder) as an ONNX model.

Options:
  --store KEY=BITS,...  store float matrices as BITS-bit codes with one scale per row (docs/format.md,
                        "Storage"): KEY is tokenEmbedding, positionEmbedding, pooler.weight or
                        classifier.weight; BITS is 8, 4, 2 or 1 (1: sign × the row's mean magnitude).
                        This CHANGES THE MODEL'S FUNCTION unless the model was trained with that storage
                        (quantization-aware): evaluate the written file afterwards. A matrix the model
                        already stores at BITS is kept as it is. Default: the storage the checkpoint
                        carries from training, if any; otherwise every matrix stays float32.
  --onnx FILE           also write the FP32 teacher as ONNX
  --json                print the report as JSON

Examples:
  bitedge export runs/spam --out spam.bmt
  bitedge export runs/spam --out spam-small.bmt --store tokenEmbedding=1,positionEmbedding=8,pooler.weight=8,classifier.weight=8
  bitedge export runs/spam/binary.ckpt --out spam.bmt --onnx spam-teacher.onnx
`;

/** "tokenEmbedding 1-bit, pooler.weight 8-bit" (or "all float32"): the storage a written model has. */
function storageSummary(model: DeployModel): string {
  const stored = STORABLE_MATRICES.filter((k) => model.storage?.[k]).map((k) => `${k} ${model.storage![k]!.bits}-bit`);
  return stored.length ? stored.join(', ') : 'all float32';
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a trained binary model to a .bmt file (and the FP32 teacher to ONNX)',
  help,
  async run(args) {
    const { values: v, positionals } = parseArgs({
      args, strict: true, allowPositionals: true,
      options: { out: { type: 'string' }, store: { type: 'string' }, onnx: { type: 'string' }, json: { type: 'boolean', default: false } },
    });
    if (positionals.length !== 1) fail('cli_usage', 'give exactly one run folder or checkpoint');
    if (!v.out) fail('cli_usage', '--out FILE.bmt is required');
    const plan = parseStoragePlan(v.store ?? '');
    const run = loadRun(positionals[0]);
    // The default storage is what toDeployModel puts in `model.storage` (the plan the model was trained with);
    // --store overrides it matrix by matrix.
    const model = quantizeStorage(toDeployModel(run.state, run.tokenizer.toJSON(), { checkpoint: run.checkpoint }), plan);
    const bytes = writeBmtFile(v.out, model);
    const report: Record<string, unknown> = { checkpoint: run.checkpoint, stage: run.state.stage, bmt: v.out, bmtBytes: bytes, storage: storageSummary(model) };
    if (v.onnx) {
      const teacherPath = join(run.dir, 'fp32.ckpt');
      if (!existsSync(teacherPath)) fail('export_no_teacher', 'no fp32.ckpt next to the checkpoint for --onnx', { file: teacherPath });
      report.onnx = v.onnx;
      report.onnxBytes = writeOnnxFile(v.onnx, toFloatModel(readCheckpoint(teacherPath)));
    }
    process.stdout.write(v.json ? JSON.stringify(report, null, 2) + '\n' : `wrote ${v.out} (${bytes} bytes; float matrices: ${report.storage})${v.onnx ? `, ${v.onnx} (${report.onnxBytes} bytes)` : ''}\n`);
    return 0;
  },
};
