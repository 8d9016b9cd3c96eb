/**
 * Threshold folding as an exact model → model transform. A one-part binary linear on a binary input whose
 * output goes (through ReLU, or nothing) into a binary site emits the bit `site(act(y(dot)))`, where
 * y(dot) = fround(fround(c·dot) + b) is exactly what float.ts `linearFromDots` computes. That bit is a
 * monotone function of the integer dot (fround, ReLU, x − β, x/α with α > 0 are all monotone), so it is
 * `dot ≥ θ` (c > 0) or `dot ≤ θ` (c < 0), and θ is found by binary search over dot ∈ [−K − 1, K + 1] on
 * the very same float expression: the folded model computes the same bits as the unfolded one, always.
 * (The closed form θ = ⌈(β − b)/c⌉ of docs/forward.md can differ from it by one where float rounding
 * lands on the boundary.) Existing thresholds are kept.
 */
import type { ActSite, BinaryLinear, DeployLayer, DeployModel, FoldedThreshold } from '../format/model.ts';
import { betaAt, signBit, siteScale, unsignedBit } from './float.ts';

const f = Math.fround;

/** The output bit of channel n for integer dot `dot` (the unfolded float path, element by element). */
function bitOf(lin: BinaryLinear, qIn: number, n: number, dot: number, site: ActSite, relu: boolean): boolean {
  const c = f(lin.parts[0].scale[n] * qIn);
  let y = f(f(c * dot) + lin.bias[n]);
  if (relu && !(y > 0)) y = 0;
  if (site.kind === 'binary-signed') return signBit(y, betaAt(site.beta, n));
  if (site.kind === 'binary-unsigned') return unsignedBit(y, site.alpha, betaAt(site.beta, n));
  throw new Error('bitOf: not a binary site');
}

/** θ and sense for every output channel, by binary search on the monotone bit. */
export function exactThreshold(lin: BinaryLinear, qIn: number, site: ActSite, relu: boolean): FoldedThreshold {
  const N = lin.outFeatures, K = lin.inFeatures;
  const theta = new Int32Array(N), sense = new Int8Array(N);
  for (let n = 0; n < N; n++) {
    const up = f(lin.parts[0].scale[n] * qIn) >= 0; // bit non-decreasing in dot
    sense[n] = up ? 1 : -1;
    // up: smallest dot in [−K, K + 1] with bit on (K + 1: never); down: largest in [−K − 1, K] with bit on.
    let lo = -K - 1, hi = K + 1;
    if (up) {
      lo = -K;
      while (lo < hi) { const mid = Math.floor((lo + hi) / 2); if (bitOf(lin, qIn, n, mid, site, relu)) hi = mid; else lo = mid + 1; }
      theta[n] = lo;
    } else {
      hi = K;
      while (lo < hi) { const mid = Math.ceil((lo + hi) / 2); if (bitOf(lin, qIn, n, mid, site, relu)) lo = mid; else hi = mid - 1; }
      theta[n] = lo;
    }
  }
  return { theta, sense };
}

const isBinary = (s: ActSite): boolean => s.kind === 'binary-signed' || s.kind === 'binary-unsigned';

function folded(lin: BinaryLinear, input: ActSite, out: ActSite, relu: boolean): BinaryLinear {
  if (lin.threshold || lin.parts.length !== 1 || !isBinary(input) || !isBinary(out)) return lin;
  return { ...lin, threshold: exactThreshold(lin, siteScale(input), out, relu) };
}

/** Add exact folded thresholds to Q, K, V (into their output sites) and FFN-in (ReLU, then the FFN-out input site). */
export function foldThresholds(model: DeployModel): DeployModel {
  const layers = model.layers.map((L): DeployLayer => ({
    ...L,
    q: folded(L.q, L.qkvIn, L.qOut, false),
    k: folded(L.k, L.qkvIn, L.kOut, false),
    v: folded(L.v, L.qkvIn, L.vOut, false),
    ffn1: L.activation === 'relu' ? folded(L.ffn1, L.ffnIn, L.ffn2In, true) : L.ffn1,
  }));
  return { ...model, layers };
}
