/**
 * Errors are data (as in zod): every failure bitedge reports on bad input is a BitedgeError carrying
 * a stable `code`, where it happened (`file`, `line`, `offset`, `path`), and one worded message.
 * The CLI prints `message` on one line and exits non-zero; library users can switch on `code`.
 */

export interface Issue {
  /** Stable machine-readable code, e.g. `jsonl_bad_line`, `bmt_truncated`, `hw_over_budget`. */
  code: string;
  /** Human-readable message, one line. */
  message: string;
  /** File the issue is about, if any. */
  file?: string;
  /** 1-based line number in `file`, if any. */
  line?: number;
  /** Byte offset in `file`, if any. */
  offset?: number;
  /** Path inside a config or JSON document, e.g. ["bmu", "pe"]. */
  path?: (string | number)[];
  expected?: string;
  received?: string;
}

export class BitedgeError extends Error {
  readonly issues: Issue[];
  constructor(issues: Issue | Issue[]) {
    const list = Array.isArray(issues) ? issues : [issues];
    super(list.map(formatIssue).join('\n'));
    this.name = 'BitedgeError';
    this.issues = list;
  }
  get code(): string {
    return this.issues[0]?.code ?? 'unknown';
  }
}

/** One issue as one line: `file:line: message (expected X, received Y)`. */
export function formatIssue(issue: Issue): string {
  let where = '';
  if (issue.file) {
    where = issue.file;
    if (issue.line !== undefined) where += `:${issue.line}`;
    else if (issue.offset !== undefined) where += `@${issue.offset}`;
    where += ': ';
  }
  if (issue.path && issue.path.length) where += `${issue.path.join('.')}: `;
  let tail = '';
  if (issue.expected !== undefined || issue.received !== undefined) {
    tail = ` (expected ${issue.expected ?? '?'}, received ${issue.received ?? '?'})`;
  }
  return `${where}${issue.message}${tail}`;
}

/** Shorthand: throw a single-issue BitedgeError. */
export function fail(code: string, message: string, extra: Omit<Issue, 'code' | 'message'> = {}): never {
  throw new BitedgeError({ code, message, ...extra });
}
