/**
 * Training checkpoints: one file per stage, written atomically, ending in a SHA-256 of everything before it,
 * so a truncated or corrupted file is detected and never loaded.
 *
 * Layout: "BMTCKPT1" (8 bytes) · u32 LE header length · header JSON (utf-8) · zero padding to 4 bytes ·
 * float32 LE tensors in header order · 32-byte SHA-256.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../common/atomic.ts';
import { fail } from '../common/errors.ts';
import { parseBmtConfig, type BmtConfig } from './config.ts';
import type { ModelVariant, Params } from './model.ts';

const MAGIC = 'BMTCKPT1';

export interface StageState {
  /** Stage name, e.g. "fp32", "ternary", "binary". */
  stage: string;
  config: BmtConfig;
  variant: ModelVariant;
  labels: string[];
  /** Optimizer steps done and planned in this stage. */
  step: number;
  totalSteps: number;
  /** True once the stage finished (its metrics are final). */
  done: boolean;
  metrics?: Record<string, unknown>;
  params: Params;
  /** Adam first/second moments, same names as params (absent once done). */
  adamM?: Params;
  adamV?: Params;
}

interface Header {
  stage: string; config: BmtConfig; variant: ModelVariant; labels: string[];
  step: number; totalSteps: number; done: boolean; metrics?: Record<string, unknown>;
  tensors: { group: 'params' | 'adamM' | 'adamV'; name: string; length: number }[];
}

export function encodeCheckpoint(s: StageState): Uint8Array {
  const tensors: Header['tensors'] = [];
  const arrays: Float32Array[] = [];
  for (const group of ['params', 'adamM', 'adamV'] as const) {
    const rec = s[group];
    if (!rec) continue;
    for (const [name, a] of Object.entries(rec)) { tensors.push({ group, name, length: a.length }); arrays.push(a); }
  }
  const header: Header = { stage: s.stage, config: s.config, variant: s.variant, labels: s.labels, step: s.step, totalSteps: s.totalSteps, done: s.done, metrics: s.metrics, tensors };
  const hb = Buffer.from(JSON.stringify(header), 'utf8');
  const hEnd = 12 + hb.length, dataStart = (hEnd + 3) & ~3;
  const dataBytes = arrays.reduce((n, a) => n + a.length * 4, 0);
  const out = new Uint8Array(dataStart + dataBytes + 32);
  out.set(Buffer.from(MAGIC, 'latin1'), 0);
  new DataView(out.buffer).setUint32(8, hb.length, true);
  out.set(hb, 12);
  let off = dataStart;
  for (const a of arrays) { out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off); off += a.byteLength; }
  out.set(createHash('sha256').update(out.subarray(0, off)).digest(), off);
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array, file = '<checkpoint>'): StageState {
  if (bytes.length < 44 || Buffer.from(bytes.subarray(0, 8)).toString('latin1') !== MAGIC)
    fail('ckpt_bad_magic', 'not a bitedge checkpoint (bad magic or too short)', { file, offset: 0 });
  const body = bytes.subarray(0, bytes.length - 32);
  const sum = createHash('sha256').update(body).digest();
  if (!Buffer.from(bytes.subarray(bytes.length - 32)).equals(sum))
    fail('ckpt_checksum', 'checkpoint is truncated or corrupt (SHA-256 mismatch); delete it to restart the stage', { file, offset: bytes.length - 32 });
  const hlen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  const header = JSON.parse(Buffer.from(bytes.subarray(12, 12 + hlen)).toString('utf8')) as Header;
  let off = (12 + hlen + 3) & ~3;
  // Re-validated: fills the defaults of options added since the checkpoint was written
  const s: StageState = { stage: header.stage, config: parseBmtConfig(header.config, file), variant: header.variant, labels: header.labels, step: header.step, totalSteps: header.totalSteps, done: header.done, metrics: header.metrics, params: {} };
  for (const t of header.tensors) {
    if (off + t.length * 4 > body.length) fail('ckpt_inconsistent', `tensor ${t.name} runs past the end of the data`, { file, offset: off });
    const a = new Float32Array(t.length);
    new Uint8Array(a.buffer).set(body.subarray(off, off + t.length * 4));
    off += t.length * 4;
    (s[t.group] ??= {})[t.name] = a;
  }
  return s;
}

export function writeCheckpoint(path: string, s: StageState): void {
  writeFileAtomic(path, encodeCheckpoint(s));
}

export function readCheckpoint(path: string): StageState {
  if (!existsSync(path)) fail('ckpt_missing', 'checkpoint file not found', { file: path });
  return decodeCheckpoint(readFileSync(path), path);
}
