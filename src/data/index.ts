/** Stage `data`: datasets, the seeded split, statistics and the byte-level BPE tokenizer. */
export { loadDataset, defaultNormalizer, labelVocabulary, labelIds, makeDataset, BUILTIN_DATASETS, LoadOptionsSchema, type Dataset, type Example, type LoadOptions } from './dataset.ts';
export { splitDataset, splitAssignment, SplitOptionsSchema, type SplitOptions, type Splits } from './split.ts';
export { datasetStats, splitStats, PERCENTILES, type DatasetStats, type SplitStats } from './stats.ts';
export { stripMailHeaders } from './spamassassin.ts';
export { pretokenize, PRETOKEN_PATTERN } from './pretokenize.ts';
export { mailView, mimeView, normalizeText, NORMALIZERS, type Normalizer } from './normalize.ts';
export {
  Tokenizer, trainTokenizer, countPretokens,
  TokenizerJsonSchema, TOKENIZER_FORMAT, TOKENIZER_VERSION, SPECIAL_TOKENS, MIN_VOCAB, MAX_VOCAB,
  type TokenizerJson, type ModelInput, type TrainTokenizerOptions,
} from './tokenizer.ts';
export { saveTokenizer, loadTokenizer } from './tokenizer-file.ts';
