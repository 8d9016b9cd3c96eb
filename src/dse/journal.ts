/**
 * The search journal: an append-only JSON-lines file, each batch of lines fsync'd before the search goes on,
 * so that `kill -9` loses at most the evaluations in flight. Records:
 *   {"type":"start","version":1,"fingerprint":…,"settings":…}      first line: what search this is
 *   {"type":"model","key":…,"model":{…}}                            a finished training (joint scope)
 *   {"type":"eval","key":…,"x":[…],"objectives":[…],"violation":…,"metrics":{…}}   a finished evaluation
 *   {"type":"generation","generation":g,"population":[key…]}       the survivors after generation g
 *   {"type":"done","generations":G}
 * A torn last line (the process died mid-write) is cut off on reopening; any other bad line is an error.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { BitedgeError, fail } from '../common/errors.ts';
import type { DesignMetrics } from './objectives.ts';
import type { TrainedModel } from './trainer.ts';

export const JOURNAL_VERSION = 1;

export type JournalRecord =
  | { type: 'start'; version: number; fingerprint: string; settings: unknown }
  | { type: 'model'; key: string; model: TrainedModel }
  | { type: 'eval'; key: string; x: number[]; objectives: number[]; violation: number; metrics: DesignMetrics }
  | { type: 'generation'; generation: number; population: string[] }
  | { type: 'done'; generations: number };

export interface Journal {
  /** Records found when the journal was opened (empty for a new one). */
  readonly previous: JournalRecord[];
  append(records: JournalRecord[]): void;
  close(): void;
}

const TYPES = new Set(['start', 'model', 'eval', 'generation', 'done']);

/** Parse the journal text; returns the records and the byte length of the complete lines. */
export function readJournal(text: string, file: string): { records: JournalRecord[]; goodBytes: number } {
  const records: JournalRecord[] = [];
  let pos = 0, line = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    line++;
    if (nl < 0) break; // torn last line: no newline was written after it
    const s = text.slice(pos, nl);
    let r: JournalRecord;
    try {
      r = JSON.parse(s) as JournalRecord;
    } catch {
      return fail('journal_corrupt', 'journal line is not JSON', { file, line });
    }
    if (!r || typeof r !== 'object' || !TYPES.has((r as { type?: string }).type ?? '')) fail('journal_corrupt', 'journal line is not a known record', { file, line });
    records.push(r);
    pos = nl + 1;
  }
  return { records, goodBytes: Buffer.byteLength(text.slice(0, pos)) };
}

/**
 * Open (create, or with `resume` continue) the journal at `path` for the search with this fingerprint.
 * Without `resume` an existing journal is refused; with it, a journal of another search is refused.
 */
export function openJournal(path: string, fingerprint: string, settings: unknown, resume: boolean): Journal {
  let previous: JournalRecord[] = [];
  if (existsSync(path)) {
    if (!resume) fail('explore_out_exists', 'the output folder already holds a search journal; pass --resume to continue it or choose another --out', { file: path });
    const { records, goodBytes } = readJournal(readFileSync(path, 'utf8'), path);
    truncateSync(path, goodBytes);
    const start = records[0];
    if (start && (start.type !== 'start' || start.version !== JOURNAL_VERSION)) fail('journal_corrupt', 'journal does not begin with a version-1 start record', { file: path, line: 1 });
    if (start && start.fingerprint !== fingerprint) {
      throw new BitedgeError({
        code: 'journal_other_search', file: path,
        message: 'the journal belongs to a different search (space, model, data, seed, population or budget changed); choose another --out',
        expected: fingerprint, received: start.fingerprint,
      });
    }
    previous = records;
  }
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a');
  const write = (recs: JournalRecord[]) => {
    const buf = Buffer.from(recs.map((r) => JSON.stringify(r) + '\n').join(''), 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  };
  if (previous.length === 0) write([{ type: 'start', version: JOURNAL_VERSION, fingerprint, settings }]);
  return {
    previous,
    append(records) {
      if (records.length) write(records);
    },
    close() {
      closeSync(fd);
    },
  };
}
