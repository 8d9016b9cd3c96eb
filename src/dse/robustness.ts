/**
 * Robustness to soft errors (SYSTEM.md §1, robustness (b)): accuracy of the deployed model when each bit of
 * its packed binary weights is flipped independently with probability `rate`, as a single-event upset in
 * on-chip weight memory would. Measured with the runtime's referenceForward (the integer deployed form).
 * Weights only: activation bits live in FIFOs for a few cycles, weights for the whole deployment [ours].
 */
import type { Rng } from '../common/rng.ts';
import type { DeployModel, PackedBits } from '../format/model.ts';
import { referenceForward } from '../runtime/reference/forward.ts';

/** A copy of `w` with each of its rows × cols valid bits flipped with probability `rate` (padding stays 0). */
export function flipBits(w: PackedBits, rate: number, rng: Rng): PackedBits {
  const data = Uint32Array.from(w.data);
  if (rate <= 0) return { ...w, data };
  // Geometric gaps between flipped bits: the next flip is ⌊ln U / ln(1 − rate)⌋ valid bits further (one draw per flip).
  const total = w.rows * w.cols, logq = Math.log1p(-rate);
  for (let i = Math.floor(Math.log(1 - rng.next()) / logq); i < total; i += 1 + Math.floor(Math.log(1 - rng.next()) / logq)) {
    const r = Math.floor(i / w.cols), c = i - r * w.cols;
    data[r * w.wordsPerRow + (c >>> 5)] ^= 1 << (c & 31);
  }
  return { ...w, data };
}

/** The model with every binary linear's weight bits flipped at `rate` (everything else shared, unchanged). */
export function withFlippedWeights(model: DeployModel, rate: number, rng: Rng): DeployModel {
  const lin = (l: DeployModel['layers'][number]['q']) => ({ ...l, parts: l.parts.map((p) => ({ ...p, weight: flipBits(p.weight, rate, rng) })) });
  return { ...model, layers: model.layers.map((L) => ({ ...L, q: lin(L.q), k: lin(L.k), v: lin(L.v), o: lin(L.o), ffn1: lin(L.ffn1), ffn2: lin(L.ffn2) })) };
}

export interface LabelledSplit {
  ids: Int32Array;
  mask: Uint8Array;
  labels: Int32Array;
  n: number;
  seqLen: number;
}

/** Accuracy of `model` on a tokenized split with referenceForward (argmax of logits, ties to the first label). */
export function deployedAccuracy(model: DeployModel, s: LabelledSplit): number {
  let right = 0;
  for (let i = 0; i < s.n; i++) {
    const logits = referenceForward(model, s.ids.subarray(i * s.seqLen, (i + 1) * s.seqLen), s.mask.subarray(i * s.seqLen, (i + 1) * s.seqLen));
    let best = 0;
    for (let k = 1; k < logits.length; k++) if (logits[k] > logits[best]) best = k;
    if (best === s.labels[i]) right++;
  }
  return s.n ? right / s.n : 0;
}

/** Mean accuracy over `trials` independent flip patterns at `rate`. */
export function bitflipAccuracy(model: DeployModel, s: LabelledSplit, rate: number, trials: number, rng: Rng): number {
  let sum = 0;
  for (let t = 0; t < trials; t++) sum += deployedAccuracy(withFlippedWeights(model, rate, rng.fork(`trial${t}`)), s);
  return sum / trials;
}
