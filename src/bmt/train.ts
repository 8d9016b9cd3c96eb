/**
 * One training stage: Adam with linear warmup and decay, global-norm clipping, optional distillation from a
 * frozen teacher (soft cross-entropy on logits + Σ hidden-state MSE), checkpoints every N steps, resume.
 * The loop reads top to bottom: schedule, batch, forward/backward, clip, step, checkpoint.
 */
import { createProgress, type Progress } from '../common/progress.ts';
import { createRng, shuffleInPlace } from '../common/rng.ts';
import { fail } from '../common/errors.ts';
import type { BmtConfig } from './config.ts';
import { tf } from './engine.ts';
import { writeCheckpoint, type StageState } from './checkpoint.ts';
import { embedTokens, forward, paramSpecs, scatterAddEmbeddingGrad, sizeOf, storedParams, type BitFlipNoise, type ForwardCtx, type ModelVariant, type Params } from './model.ts';

type T = tf.Tensor;

/** A tokenized split: N rows of T ids, mask and label index. */
export interface EncodedSplit {
  ids: Int32Array;
  mask: Uint8Array;
  labels: Int32Array;
  n: number;
  seqLen: number;
}

export interface Teacher {
  config: BmtConfig;
  variant: ModelVariant;
  params: Params;
}

export interface StageOptions {
  stage: string;
  config: BmtConfig;
  variant: ModelVariant;
  labels: string[];
  /** Starting parameters (copied, not modified). */
  params: Params;
  train: EncodedSplit;
  epochs: number;
  lr: number;
  teacher?: Teacher;
  /**
   * Activation-scale parameters (`….alpha`) that already hold trained values (carried from the previous stage at the
   * same bits): first-batch initialisation leaves them alone, so e.g. fine-tuning starts from the exact split.
   */
  keepScales?: ReadonlySet<string>;
  /** Continue from this unfinished checkpoint of the same stage. */
  resume?: StageState;
  checkpointPath?: string;
  quiet?: boolean;
  progress?: Progress;
}

export interface StageResult {
  params: Params;
  steps: number;
  finalLoss: number;
}

/** Rows [start, end) of a split in the order `order`, as one batch. */
export function gatherBatch(s: EncodedSplit, order: ArrayLike<number>, start: number, end: number): { ids: Int32Array; mask: Uint8Array; labels: Int32Array; size: number } {
  const size = end - start, T_ = s.seqLen;
  const ids = new Int32Array(size * T_), mask = new Uint8Array(size * T_), labels = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const r = order[start + i];
    ids.set(s.ids.subarray(r * T_, (r + 1) * T_), i * T_);
    mask.set(s.mask.subarray(r * T_, (r + 1) * T_), i * T_);
    labels[i] = s.labels[r];
  }
  return { ids, mask, labels, size };
}

/** Learning rate at `step` of `total`: linear warmup over `warmup·total` steps, then linear decay to 0. */
export function lrAt(step: number, total: number, base: number, warmup: number): number {
  const w = Math.max(1, Math.round(warmup * total));
  return step < w ? (base * (step + 1)) / w : (base * Math.max(0, total - step)) / Math.max(1, total - w);
}

/** Tensors of the parameters (as the variant uses them: pass `storedParams`), the token embedding left out when asked. */
function tensorsOf(c: BmtConfig, v: ModelVariant, params: Params, numLabels: number, skipTok: boolean): Record<string, T> {
  const out: Record<string, T> = {};
  for (const s of paramSpecs(c, v, numLabels)) {
    if (skipTok && s.name === 'emb.tok') continue;
    if (!params[s.name] || params[s.name].length !== sizeOf(s.shape)) fail('params_mismatch', `parameter ${s.name} is missing or has the wrong size for this model variant`, { path: [s.name] });
    out[s.name] = tf.tensor(params[s.name], s.shape);
  }
  return out;
}

/** Soft cross-entropy −Σ p_teacher · log softmax(student), mean over the batch (temperature 1). */
function softCrossEntropy(teacherLogits: T, studentLogits: T): T {
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.softmax(teacherLogits), tf.logSoftmax(studentLogits)), -1)));
}

/** Train one stage; returns the trained parameters. Throws `train_diverged` on a non-finite loss or gradient. */
export function trainStage(o: StageOptions): StageResult {
  const { config: c, variant: v, train } = o;
  const numLabels = o.labels.length;
  const B = c.train.batchSize, H = c.hidden, Tn = train.seqLen;
  const stepsPerEpoch = Math.ceil(train.n / B);
  const total = Math.max(1, Math.round(o.epochs * stepsPerEpoch));
  const specs = paramSpecs(c, v, numLabels);
  const params: Params = {}, m: Params = {}, s2: Params = {};
  for (const sp of specs) {
    params[sp.name] = Float32Array.from(o.resume?.params[sp.name] ?? o.params[sp.name]);
    m[sp.name] = o.resume?.adamM?.[sp.name] ? Float32Array.from(o.resume.adamM[sp.name]) : new Float32Array(params[sp.name].length);
    s2[sp.name] = o.resume?.adamV?.[sp.name] ? Float32Array.from(o.resume.adamV[sp.name]) : new Float32Array(params[sp.name].length);
  }
  let step = o.resume?.step ?? 0;
  const progress = o.progress ?? createProgress(`train ${o.stage}`, total, { unit: 'steps', quiet: o.quiet });
  const teacherUsed = o.teacher ? storedParams(o.teacher.config, o.teacher.variant, o.teacher.params) : null;
  const teacherT = teacherUsed ? tf.tidy(() => tensorsOf(o.teacher!.config, o.teacher!.variant, teacherUsed, numLabels, true)) : null;
  if (teacherT) for (const t of Object.values(teacherT)) tf.keep(t);
  const names = specs.map((sp) => sp.name).filter((n) => n !== 'emb.tok');
  const shapes = Object.fromEntries(specs.map((sp) => [sp.name, sp.shape]));
  const dist = c.distill;
  let order: number[] = [];
  let orderEpoch = -1;
  let lastLoss = NaN;
  // Unfinished-stage checkpoint (the caller writes the finished one, with its metrics)
  const save = () => {
    if (o.checkpointPath)
      writeCheckpoint(o.checkpointPath, { stage: o.stage, config: c, variant: v, labels: o.labels, step, totalSteps: total, done: false, params, adamM: m, adamV: s2 });
  };

  try {
    // Fresh elastic scales start from the first batch (BiT): 2·mean|x| signed, 4·mean|x| unsigned.
    const keep = o.keepScales ?? new Set<string>();
    if (v.acts && step === 0 && specs.some((sp) => sp.name.endsWith('.alpha') && !keep.has(sp.name))) {
      const first = gatherBatch(train, Array.from({ length: Math.min(B, train.n) }, (_, i) => i), 0, Math.min(B, train.n));
      tf.tidy(() => {
        const used = storedParams(c, v, params);
        const p = tensorsOf(c, v, used, numLabels, true);
        const ctx: ForwardCtx = { config: c, variant: v, p, calibrate: (name, meanAbs, q) => (keep.has(name) ? params[name][0] : (params[name][0] = q.initScale(meanAbs))) };
        forward(ctx, tf.tensor(embedTokens(used['emb.tok'], H, first.ids), [first.size, Tn, H]), tf.tensor(first.mask, [first.size, Tn], 'float32'));
      });
    }
    while (step < total) {
      const epoch = Math.floor(step / stepsPerEpoch);
      if (epoch !== orderEpoch) {
        order = shuffleInPlace(Array.from({ length: train.n }, (_, i) => i), createRng(`${c.train.seed}:${o.stage}:${epoch}`));
        orderEpoch = epoch;
      }
      const k = step % stepsPerEpoch;
      const batch = gatherBatch(train, order, k * B, Math.min(train.n, (k + 1) * B));
      const nb = batch.size;
      const grads: Params = {};
      let loss = NaN;
      const used = storedParams(c, v, params);
      tf.tidy(() => {
        const embT = tf.tensor(embedTokens(used['emb.tok'], H, batch.ids), [nb, Tn, H]);
        const maskT = tf.tensor(batch.mask, [nb, Tn], 'float32');
        const onehot = tf.oneHot(tf.tensor1d(batch.labels, 'int32'), numLabels);
        const tOut = teacherT
          ? forward({ config: o.teacher!.config, variant: o.teacher!.variant, p: teacherT }, tf.tensor(embedTokens(teacherUsed!['emb.tok'], H, batch.ids), [nb, Tn, H]), maskT)
          : null;
        const xs = names.map((n) => tf.tensor(used[n], shapes[n]));
        const f = (...ins: T[]): T => {
          const p: Record<string, T> = {};
          names.forEach((n, i) => (p[n] = ins[i + 1]));
          // Dropout in the FP32 stage only, seeded by (seed, stage, step) so a resumed run draws the same masks
          const dropout = v.weights === 'float' && !o.teacher ? { rate: c.train.dropout, rng: createRng(`${c.train.seed}:${o.stage}:dropout:${step}`) } : undefined;
          const out = forward({ config: c, variant: v, p, dropout }, ins[0], maskT);
          let l: T = tf.mul(tf.losses.softmaxCrossEntropy(onehot, out.logits), tOut ? dist.hard : 1);
          if (tOut) {
            // Distillation (BinaryBERT/BiT): soft CE on logits + Σ_layers MSE(hidden), embedding output included
            l = tf.add(l, tf.mul(softCrossEntropy(tOut.logits, out.logits), dist.logits));
            const mse = out.hiddens.map((h, i) => tf.mean(tf.squaredDifference(h, tOut.hiddens[i])));
            l = tf.add(l, tf.mul(tf.addN(mse), dist.hidden));
          }
          return l as tf.Scalar;
        };
        const { value, grads: g } = tf.valueAndGrads(f)([embT, ...xs]);
        loss = value.dataSync()[0];
        names.forEach((n, i) => (grads[n] = g[i + 1].dataSync() as Float32Array));
        const dTok = new Float32Array(params['emb.tok'].length);
        scatterAddEmbeddingGrad(g[0].dataSync() as Float32Array, batch.ids, H, dTok);
        grads['emb.tok'] = dTok;
      });
      let sq = 0;
      for (const g of Object.values(grads)) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
      const norm = Math.sqrt(sq);
      if (!Number.isFinite(loss) || !Number.isFinite(norm))
        fail('train_diverged', `stage ${o.stage}, step ${step + 1}/${total}: ${Number.isFinite(loss) ? 'gradient' : 'loss'} is not finite (loss ${loss}); lower the learning rate (config train.lr) and restart the stage`);
      // Adam (Kingma & Ba 2015) with bias correction, after global-norm clipping
      const clip = norm > c.train.clipNorm ? c.train.clipNorm / norm : 1;
      const lr = lrAt(step, total, o.lr, c.train.warmup);
      const t = step + 1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
      const c1 = 1 - b1 ** t, c2 = 1 - b2 ** t;
      for (const n of Object.keys(grads)) {
        const p = params[n], g = grads[n], mm = m[n], vv = s2[n];
        for (let i = 0; i < p.length; i++) {
          const gi = g[i] * clip;
          mm[i] = b1 * mm[i] + (1 - b1) * gi;
          vv[i] = b2 * vv[i] + (1 - b2) * gi * gi;
          p[i] -= (lr * (mm[i] / c1)) / (Math.sqrt(vv[i] / c2) + eps);
        }
      }
      step++;
      lastLoss = loss;
      progress.update(step, `loss ${loss.toFixed(4)}`);
      if (step % c.train.checkpointEvery === 0 && step < total) save();
    }
    progress.done();
  } finally {
    if (teacherT) for (const t of Object.values(teacherT)) t.dispose();
  }
  return { params, steps: total, finalLoss: lastLoss };
}

export interface EvalResult {
  accuracy: number;
  /** Macro-averaged F1 over the labels. */
  f1: number;
  n: number;
  predictions: Int32Array;
  /** Logits, n × numLabels, row-major. */
  logits: Float32Array;
}

/** Accuracy and macro-F1 (mean over labels of 2·P·R/(P+R)). */
export function scorePredictions(pred: ArrayLike<number>, gold: ArrayLike<number>, numLabels: number): { accuracy: number; f1: number } {
  let correct = 0;
  const tp = new Float64Array(numLabels), fp = new Float64Array(numLabels), fn = new Float64Array(numLabels);
  for (let i = 0; i < gold.length; i++) {
    if (pred[i] === gold[i]) { correct++; tp[gold[i]]++; } else { fp[pred[i]]++; fn[gold[i]]++; }
  }
  let f1 = 0;
  for (let k = 0; k < numLabels; k++) f1 += tp[k] === 0 ? 0 : (2 * tp[k]) / (2 * tp[k] + fp[k] + fn[k]);
  return { accuracy: gold.length ? correct / gold.length : 0, f1: f1 / numLabels };
}

/** Run the model over a split (batched, no gradients) and score it. */
export function evaluate(c: BmtConfig, v: ModelVariant, params: Params, labels: string[], split: EncodedSplit, batchSize = 64, noise?: BitFlipNoise): EvalResult {
  const numLabels = labels.length, H = c.hidden, Tn = split.seqLen;
  const logits = new Float32Array(split.n * numLabels);
  const order = Array.from({ length: split.n }, (_, i) => i);
  const used = storedParams(c, v, params);
  tf.tidy(() => {
    const p = tensorsOf(c, v, used, numLabels, true);
    for (let s = 0; s < split.n; s += batchSize) {
      const b = gatherBatch(split, order, s, Math.min(split.n, s + batchSize));
      tf.tidy(() => {
        const out = forward({ config: c, variant: v, p, noise }, tf.tensor(embedTokens(used['emb.tok'], H, b.ids), [b.size, Tn, H]), tf.tensor(b.mask, [b.size, Tn], 'float32'));
        logits.set(out.logits.dataSync(), s * numLabels);
      });
    }
  });
  const predictions = new Int32Array(split.n);
  for (let i = 0; i < split.n; i++) {
    let best = 0;
    for (let k = 1; k < numLabels; k++) if (logits[i * numLabels + k] > logits[i * numLabels + best]) best = k;
    predictions[i] = best;
  }
  return { ...scorePredictions(predictions, split.labels, numLabels), n: split.n, predictions, logits };
}
