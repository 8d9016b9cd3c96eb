/**
 * Text normalizers: what a tokenizer does to a text before BPE. The tokenizer file names its normalizer, so a
 * deployed model applies the one it was trained with (as the normalizer step of a Hugging Face tokenizer.json).
 */
export const NORMALIZERS = ['none', 'mail'] as const;
export type Normalizer = (typeof NORMALIZERS)[number];

/** Header fields the `mail` view keeps, in this order: who sent it, what about, to whom, in what form, with what program. */
const KEY_FIELDS = ['from', 'subject', 'to', 'reply-to', 'content-type', 'x-mailer'];
/** The mbox separator line "From <envelope sender> <date>": its sender is kept, its date dropped. */
const ENVELOPE = /^From (\S+)/;
/** An RFC 5322 §2.2 header field line (printable name, colon) or an mbox "From " separator line. */
const HEADER_START = /^(From |[!-9;-~]+:)/;

/**
 * An email as its envelope sender, its key header fields in a fixed order (unfolded, RFC 5322 §2.2.3) and its
 * body: the routing headers (Received, Message-ID, dates…) that fill the first hundred tokens of a raw message
 * are dropped, and every message starts the same way [ours]. A text that does not begin with a header block is
 * returned unchanged.
 */
export function mailView(text: string): string {
  if (!HEADER_START.test(text)) return text;
  const end = /\r?\n\r?\n/.exec(text);
  const head = end ? text.slice(0, end.index) : text;
  const body = end ? text.slice(end.index + end[0].length) : '';
  const lines = head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
  const rank = (line: string) => KEY_FIELDS.indexOf(line.slice(0, line.indexOf(':')).trimEnd().toLowerCase());
  const fields = lines.filter((line) => line.includes(':') && rank(line) >= 0).sort((a, b) => rank(a) - rank(b));
  const envelope = ENVELOPE.exec(lines[0]);
  return `${[...(envelope ? [`From ${envelope[1]}`] : []), ...fields].join('\n')}\n\n${body}`;
}

export function normalizeText(text: string, normalizer: Normalizer): string {
  return normalizer === 'mail' ? mailView(text) : text;
}
