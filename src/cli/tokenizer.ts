/** `bitedge tokenizer train|encode`: train the byte-level BPE tokenizer on a train split; encode text with it. */
import { fail } from '../common/errors.ts';
import { createProgress, type Progress } from '../common/progress.ts';
import { loadDataset } from '../data/dataset.ts';
import { splitDataset } from '../data/split.ts';
import { readTextFile } from '../data/text-file.ts';
import { NORMALIZERS, type Normalizer } from '../data/normalize.ts';
import { MAX_VOCAB, MIN_VOCAB, trainTokenizer } from '../data/tokenizer.ts';
import { loadTokenizer, saveTokenizer } from '../data/tokenizer-file.ts';
import type { Command } from './command.ts';
import { DATASET_HELP, DATASET_OPTIONS, datasetSource, loadOptionsFrom, numberOption, parseCommandArgs, splitOptionsFrom } from './data.ts';

const TRAIN_USAGE = 'bitedge tokenizer train <dataset> --out FILE [--vocab N] [--normalizer none|mail|mime] [options]';
const ENCODE_USAGE = 'bitedge tokenizer encode --tokenizer FILE (--text TEXT | --input FILE) [--seq-len N] [--json]';

async function train(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args, allowPositionals: true,
    options: { vocab: { type: 'string' }, normalizer: { type: 'string', default: 'none' }, out: { type: 'string' }, json: { type: 'boolean' }, quiet: { type: 'boolean' }, ...DATASET_OPTIONS },
  });
  const source = datasetSource(positionals, TRAIN_USAGE);
  if (!values.out) fail('cli_usage', `--out FILE is required; usage: ${TRAIN_USAGE}`);
  const vocabSize = numberOption(values.vocab, 'vocab', 'int') ?? 4096;
  if (vocabSize < MIN_VOCAB || vocabSize > MAX_VOCAB) fail('cli_bad_option', `--vocab must be in [${MIN_VOCAB}, ${MAX_VOCAB}] (3 special tokens + 256 bytes + merges)`, { received: String(vocabSize) });
  const normalizer = values.normalizer as Normalizer;
  if (!NORMALIZERS.includes(normalizer)) fail('cli_bad_option', '--normalizer must be none, mail or mime', { expected: NORMALIZERS.join(' | '), received: values.normalizer });
  const split = splitOptionsFrom(values);
  const ds = loadDataset(source, loadOptionsFrom(values));
  const texts = splitDataset(ds, split).train.examples.map((e) => e.text);
  const megabytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0) / 1e6;
  if (!values.quiet) process.stderr.write(`counting pre-tokens in ${texts.length} train texts (${megabytes.toFixed(1)} MB)\n`);
  // The bar starts with the first merge, so that its rate and ETA are about merging only.
  let progress: Progress | undefined;
  const t0 = performance.now();
  const tok = trainTokenizer(texts, {
    vocabSize, normalizer,
    onProgress: (k, total) => {
      progress ??= createProgress('training BPE', total, { unit: 'merges', quiet: values.quiet });
      if (k % 64 === 0) progress.update(k);
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  progress?.done();
  saveTokenizer(tok, values.out);
  const summary = { out: values.out, vocabSize: tok.vocabSize, merges: tok.merges.length, dataset: ds.name, trainTexts: texts.length, trainMegabytes: +megabytes.toFixed(3), seed: split.seed, seconds: +seconds.toFixed(3) };
  process.stdout.write(values.json ? JSON.stringify(summary, null, 2) + '\n'
    : `wrote ${summary.out}: vocabulary ${summary.vocabSize} (${summary.merges} merges) from ${summary.trainTexts} train texts of ${ds.name} (${megabytes.toFixed(1)} MB) in ${seconds.toFixed(1)} s\n`);
  return 0;
}

async function encode(args: string[]): Promise<number> {
  const { values } = parseCommandArgs({
    args, allowPositionals: false,
    options: { tokenizer: { type: 'string' }, text: { type: 'string' }, input: { type: 'string' }, 'seq-len': { type: 'string' }, json: { type: 'boolean' } },
  });
  if (!values.tokenizer) fail('cli_usage', `--tokenizer FILE is required; usage: ${ENCODE_USAGE}`);
  if ((values.text === undefined) === (values.input === undefined)) fail('cli_usage', `give exactly one of --text and --input; usage: ${ENCODE_USAGE}`);
  const seqLen = numberOption(values['seq-len'], 'seq-len', 'int');
  if (seqLen !== undefined && seqLen < 2) fail('cli_bad_option', '--seq-len must be at least 2 ([CLS] and [SEP])', { received: String(seqLen) });
  const tok = loadTokenizer(values.tokenizer);
  const text = values.text ?? readTextFile(values.input!);
  if (seqLen !== undefined) {
    const m = tok.encodeForModel(text, seqLen);
    const ids = Array.from(m.ids);
    process.stdout.write(values.json
      ? JSON.stringify({ ids, mask: Array.from(m.mask), truncated: m.truncated, tokens: ids.map((id) => tok.tokenText(id)) }) + '\n'
      : ids.join(' ') + '\n');
    return 0;
  }
  const ids = tok.encode(text);
  process.stdout.write(values.json ? JSON.stringify({ ids, tokens: ids.map((id) => tok.tokenText(id)) }) + '\n' : ids.join(' ') + '\n');
  return 0;
}

export const tokenizerCommand: Command = {
  name: 'tokenizer',
  summary: 'Train the byte-level BPE tokenizer on a train split; encode text with it',
  help: `Usage: ${TRAIN_USAGE}
       ${ENCODE_USAGE}

train   learns byte-level BPE merges on the train split of <dataset> (GPT-2 pre-tokenization,
        ties broken by the smallest pair of ids) and writes the tokenizer JSON atomically.
          --vocab N           vocabulary size, special tokens and bytes included (default 4096)
          --normalizer NAME   none (default); mail: emails reduced to their From/To/Reply-To/Subject/
                              Content-Type/X-Mailer lines and body, before BPE and at every encode;
                              mime: the mail view with the body decoded to its text (quoted-printable,
                              base64, multipart, HTML) and whitespace squeezed
          --out FILE          where to write the tokenizer JSON (required)
          --json              print the summary as JSON
          --quiet             no progress output
encode  prints the token ids of a text, space-separated.
          --tokenizer FILE    a tokenizer JSON written by 'train' (required)
          --text TEXT         the text to encode, or
          --input FILE        a UTF-8 file to encode
          --seq-len N         model input: [CLS] text [SEP], truncated or padded with [PAD] to N
          --json              print {"ids", "tokens"} (and "mask", "truncated" with --seq-len)

${DATASET_HELP}

Examples:
  bitedge tokenizer train spamassassin --vocab 4096 --out tok.json
  bitedge tokenizer encode --tokenizer tok.json --text "Free money!!!" --json
`,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === 'train') return train(rest);
    if (sub === 'encode') return encode(rest);
    fail('cli_usage', `unknown tokenizer subcommand ${JSON.stringify(sub ?? '')}; expected train or encode`);
  },
};
