/**
 * Progress for long work: a bar with rate and ETA on a TTY (redrawn in place, on stderr),
 * plain lines otherwise (at most one every `plainEverySeconds`, plus the last).
 */

export interface ProgressOptions {
  /** Write target; defaults to process.stderr. */
  stream?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
  /** Unit name shown after counts, e.g. "steps". */
  unit?: string;
  /** Seconds between plain (non-TTY) lines. */
  plainEverySeconds?: number;
  /** Silence all output (library use, tests). */
  quiet?: boolean;
}

export interface Progress {
  /** Set absolute progress `done` of `total`, with an optional status text (e.g. "loss 0.31"). */
  update(done: number, status?: string): void;
  /** Finish: draw the final state and end the line. */
  done(status?: string): void;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = String(m).padStart(2, '0'), ss = String(r).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function createProgress(label: string, total: number, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY);
  const unit = opts.unit ? ` ${opts.unit}` : '';
  const every = (opts.plainEverySeconds ?? 10) * 1000;
  const t0 = Date.now();
  let lastPlain = 0;
  let current = 0;
  let lastStatus = '';
  const line = (done: number, status: string): string => {
    const el = (Date.now() - t0) / 1000;
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const eta = done > 0 ? (el * (total - done)) / done : NaN;
    const width = 24;
    const fill = Math.round(frac * width);
    const bar = tty ? `[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ` : '';
    const pct = (frac * 100).toFixed(0).padStart(3);
    return `${label} ${bar}${pct}% ${done}/${total}${unit} elapsed ${formatDuration(el)} eta ${formatDuration(eta)}${status ? ' ' + status : ''}`;
  };
  return {
    update(done: number, status = '') {
      current = done;
      lastStatus = status;
      if (opts.quiet) return;
      if (tty) stream.write(`\r\x1b[2K${line(done, status)}`);
      else if (Date.now() - lastPlain >= every) {
        lastPlain = Date.now();
        stream.write(line(done, status) + '\n');
      }
    },
    done(status?: string) {
      if (opts.quiet) return;
      const s = line(Math.max(current, total), status ?? lastStatus);
      stream.write(tty ? `\r\x1b[2K${s}\n` : s + '\n');
    },
  };
}
