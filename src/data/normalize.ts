/**
 * Text normalizers: what a tokenizer does to a text before BPE. The tokenizer file names its normalizer, so a
 * deployed model applies the one it was trained with (as the normalizer step of a Hugging Face tokenizer.json).
 */
import { decodeEncodedWords, entityText, parseContentType, squeezeWhitespace, unfoldHeader } from './mime.ts';

export const NORMALIZERS = ['none', 'mail', 'mime'] as const;
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
  const m = splitMessage(text);
  return m ? `${keyFields(m.lines).join('\n')}\n\n${m.body}` : text;
}

/**
 * The mail view with every part readable [ours]: header words decoded (RFC 2047), Content-Type as its media type
 * only, and the body as its text (mime.ts: transfer encodings undone, multipart/alternative as its plain part,
 * HTML as text, attachments as `[type]`), whitespace runs squeezed. Puts more of the message in a short window.
 */
export function mimeView(text: string): string {
  const m = splitMessage(text);
  if (!m) return text;
  const fields = keyFields(m.lines).map((f) => (/^content-type:/i.test(f) ? `Content-Type: ${parseContentType(f.slice(13)).type}` : decodeEncodedWords(f)));
  return `${fields.join('\n')}\n\n${squeezeWhitespace(entityText(m.lines, m.body))}`;
}

/** A message as its unfolded header lines and its body; undefined if the text does not begin with a header. */
function splitMessage(text: string): { lines: string[]; body: string } | undefined {
  if (!HEADER_START.test(text)) return undefined;
  const end = /\r?\n\r?\n/.exec(text);
  return { lines: unfoldHeader(end ? text.slice(0, end.index) : text), body: end ? text.slice(end.index + end[0].length) : '' };
}

/** The envelope sender and the key header fields, in KEY_FIELDS order. */
function keyFields(lines: readonly string[]): string[] {
  const rank = (line: string) => KEY_FIELDS.indexOf(line.slice(0, line.indexOf(':')).trimEnd().toLowerCase());
  const fields = lines.filter((line) => line.includes(':') && rank(line) >= 0).sort((a, b) => rank(a) - rank(b));
  const envelope = ENVELOPE.exec(lines[0]);
  return [...(envelope ? [`From ${envelope[1]}`] : []), ...fields];
}

export function normalizeText(text: string, normalizer: Normalizer): string {
  return normalizer === 'mail' ? mailView(text) : normalizer === 'mime' ? mimeView(text) : text;
}
