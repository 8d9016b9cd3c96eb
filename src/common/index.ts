export { createRng, hashString, shuffleInPlace, type Rng } from './rng.ts';
export { BitedgeError, fail, formatIssue, type Issue } from './errors.ts';
export { writeFileAtomic, writeJsonAtomic } from './atomic.ts';
export { createProgress, formatDuration, type Progress, type ProgressOptions } from './progress.ts';
