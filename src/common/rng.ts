/**
 * Seeded randomness, the only source of random numbers in bitedge.
 * Every result is reproducible from its seed: same seed, same stream, on any machine.
 *
 * Generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, PractRand-tested),
 * seeded through splitmix32 so that nearby seeds give unrelated streams.
 */

export interface Rng {
  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** Uniform unsigned 32-bit integer. */
  nextU32(): number;
  /** Uniform integer in [0, n), n ≥ 1 (rejection sampling, no modulo bias). */
  int(n: number): number;
  /** Standard normal N(0, 1) (Box–Muller). */
  normal(): number;
  /** A new independent generator derived from this one and a label (for sub-streams). */
  fork(label: string): Rng;
}

/** splitmix32 step: used to expand a seed into generator state. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a 32-bit hash of a string: turns labels and string seeds into numbers. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Create a seeded generator. A string seed is hashed; a number seed is used as 32 bits. */
export function createRng(seed: number | string): Rng {
  const st = { s: typeof seed === 'string' ? hashString(seed) : seed >>> 0 };
  let a = splitmix32(st), b = splitmix32(st), c = splitmix32(st), d = splitmix32(st);
  let spare: number | null = null;
  const nextU32 = (): number => {
    // sfc32
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) nextU32();
  const next = (): number => nextU32() / 4294967296;
  const rng: Rng = {
    next,
    nextU32,
    int(n: number): number {
      if (!Number.isInteger(n) || n < 1 || n > 4294967296) throw new RangeError(`rng.int: n must be an integer in [1, 2^32], got ${n}`);
      const limit = 4294967296 - (4294967296 % n);
      let x: number;
      do x = nextU32(); while (x >= limit);
      return x % n;
    },
    normal(): number {
      if (spare !== null) { const s = spare; spare = null; return s; }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    fork(label: string): Rng {
      return createRng((nextU32() ^ hashString(label)) >>> 0);
    },
  };
  return rng;
}

/** Fisher–Yates shuffle in place, driven by `rng`. */
export function shuffleInPlace<T>(xs: T[], rng: Rng): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = xs[i]; xs[i] = xs[j]; xs[j] = t;
  }
  return xs;
}
