/** `bitedge export`: a trained binary stage to a packed .bmt file (and the FP32 teacher to ONNX). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fail } from '../common/errors.ts';
import { readCheckpoint } from '../bmt/checkpoint.ts';
import { toDeployModel, toFloatModel } from '../bmt/export.ts';
import { loadRun } from '../bmt/run.ts';
import { writeBmtFile, writeOnnxFile } from '../format/index.ts';
import type { Command } from './command.ts';

const help = `Usage: bitedge export RUN --out model.bmt [--onnx teacher.onnx] [--json]

RUN is a run folder written by 'bitedge train' (its final stage) or a binary-stage checkpoint inside one
(binary.ckpt, direct.ckpt, w1a32.ckpt). Packs the sign bits, folds scales and thresholds (docs/forward.md)
and writes the .bmt file with the run's tokenizer and labels. --onnx also writes the run's FP32 teacher
(fp32.ckpt in the same folder) as an ONNX model.

Examples:
  bitedge export runs/spam --out spam.bmt
  bitedge export runs/spam/binary.ckpt --out spam.bmt --onnx spam-teacher.onnx
`;

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a trained binary model to a .bmt file (and the FP32 teacher to ONNX)',
  help,
  async run(args) {
    const { values: v, positionals } = parseArgs({
      args, strict: true, allowPositionals: true,
      options: { out: { type: 'string' }, onnx: { type: 'string' }, json: { type: 'boolean', default: false } },
    });
    if (positionals.length !== 1) fail('cli_usage', 'give exactly one run folder or checkpoint');
    if (!v.out) fail('cli_usage', '--out FILE.bmt is required');
    const run = loadRun(positionals[0]);
    const model = toDeployModel(run.state, run.tokenizer.toJSON(), { checkpoint: run.checkpoint });
    const bytes = writeBmtFile(v.out, model);
    const report: Record<string, unknown> = { checkpoint: run.checkpoint, stage: run.state.stage, bmt: v.out, bmtBytes: bytes };
    if (v.onnx) {
      const teacherPath = join(run.dir, 'fp32.ckpt');
      if (!existsSync(teacherPath)) fail('export_no_teacher', 'no fp32.ckpt next to the checkpoint for --onnx', { file: teacherPath });
      report.onnx = v.onnx;
      report.onnxBytes = writeOnnxFile(v.onnx, toFloatModel(readCheckpoint(teacherPath)));
    }
    process.stdout.write(v.json ? JSON.stringify(report, null, 2) + '\n' : `wrote ${v.out} (${bytes} bytes)${v.onnx ? `, ${v.onnx} (${report.onnxBytes} bytes)` : ''}\n`);
    return 0;
  },
};
