// Kernel benchmark: the wasm kernels on M = N = 512, K = 4096 bits, one thread, G binary-ops/s
// (2·M·N·K per second, SYSTEM.md's op-counting convention), against measured per-core wasm popcount ceilings,
// and the same kernels at the engine's shapes.
// Run: node --import tsx bench/kernels.ts   (prints a markdown table; medians of repeated runs)
import { setFlagsFromString } from 'node:v8';
import asc from 'assemblyscript/asc';
import { createRng } from '../src/common/rng.ts';
import { loadKernels } from '../src/runtime/kernels-node.ts';

// Optimised (TurboFan) wasm code from the first call: V8 otherwise starts in its baseline compiler (Liftoff)
// and tiers up in the background, which on a loaded machine lands in the middle of the measurements.
setFlagsFromString('--no-liftoff');

const M = 512, N = 512, K = 4096, WORDS = K / 32;
const RUNS = Number(process.env.RUNS ?? 9);
const ops = await loadKernels();
const k = ops.exports, heap = ops.heap;

/**
 * Median wall time and median CPU time (ms) of `fn` over RUNS runs after two warm-ups. On a shared machine
 * the CPU time (process.cpuUsage) is the steadier figure: waiting for a core is not counted.
 */
function medianMs(fn: () => void): { wall: number; cpu: number } {
  fn(); fn();
  const wall: number[] = [], cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const u = process.cpuUsage(), t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(u);
    cpu.push((c.user + c.system) / 1000);
  }
  const med = (x: number[]) => x.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
  return { wall: med(wall), cpu: med(cpu) };
}

// Random operands in wasm memory (weights persistent, activations, outputs).
const rng = createRng('bench-kernels');
const place = (words: number): number => {
  const p = heap.persistent(4 * words);
  const v = heap.u32(p, words);
  for (let i = 0; i < words; i++) v[i] = rng.nextU32();
  return p;
};
const a = place(M * WORDS), w = place(N * WORDS), planes = place(4 * M * WORDS);
const pw = heap.persistent(4 * N);
k.rowPopcounts(w, N, WORDS, pw);
const out = heap.persistent(4 * M * N);
const theta = heap.persistent(4 * N), sense = heap.persistent(N);
heap.i32(theta, N).fill(0);
heap.i8(sense, N).fill(1);
const outBits = heap.persistent(4 * M * (N / 32));

/**
 * The per-core ceilings of wasm popcount, measured by probes compiled at bench time (data in L1, 16 KiB):
 * - `clock`: a chain of dependent i64.add (one per cycle), to turn throughputs into per-cycle figures;
 * - `scalar`: xor + i64.popcnt + add, four 64-bit activation words held against a stream of weight words
 *   (the best case for any scalar kernel: one load per four pairs), eight accumulators;
 * - `vector`: v128.xor + i8x16.popcnt + i8x16.add, four v128 activation chunks against a stream, byte counters
 *   widened every 16 steps;
 * - `both`: the two loops fused, half the stream on each unit (what the mixed long-row tiles do).
 * Each 64-bit pair is 128 binary ops (64 XNOR + 64 popcount adds), each v128 pair 256.
 */
const PROBE_SOURCE = `
export function clock(n: i32): i64 {
  let x: i64 = 1, y: i64 = 3;
  for (let i = 0; i < n; i++) { x += y; x += y; x += y; x += y; x += y; x += y; x += y; x += y; y ^= 1; }
  return x;
}
export function scalar(a: usize, bytes: i32, reps: i32): i64 {
  const x0 = load<u64>(a), x1 = load<u64>(a, 8), x2 = load<u64>(a, 16), x3 = load<u64>(a, 24);
  let s0: i64 = 0, s1: i64 = 0, s2: i64 = 0, s3: i64 = 0, s4: i64 = 0, s5: i64 = 0, s6: i64 = 0, s7: i64 = 0;
  for (let r = 0; r < reps; r++) {
    for (let p = a, e = a + <usize>bytes; p < e; p += 16) {
      const y = load<u64>(p), z = load<u64>(p, 8);
      s0 += popcnt(x0 ^ y); s1 += popcnt(x1 ^ y); s2 += popcnt(x2 ^ y); s3 += popcnt(x3 ^ y);
      s4 += popcnt(x0 ^ z); s5 += popcnt(x1 ^ z); s6 += popcnt(x2 ^ z); s7 += popcnt(x3 ^ z);
    }
  }
  return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
}
@inline function widen(s: v128): v128 { return i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(s)); }
export function vector(a: usize, bytes: i32, reps: i32): i32 {
  const x0 = v128.load(a), x1 = v128.load(a, 16), x2 = v128.load(a, 32), x3 = v128.load(a, 48);
  let t = i32x4.splat(0);
  for (let r = 0; r < reps; r++) {
    for (let p = a, e = a + <usize>bytes; p < e; p += 256) {
      let s0 = i8x16.splat(0), s1 = i8x16.splat(0), s2 = i8x16.splat(0), s3 = i8x16.splat(0);
      for (let q = p; q < p + 256; q += 16) {
        const y = v128.load(q);
        s0 = i8x16.add(s0, i8x16.popcnt(v128.xor(x0, y))); s1 = i8x16.add(s1, i8x16.popcnt(v128.xor(x1, y)));
        s2 = i8x16.add(s2, i8x16.popcnt(v128.xor(x2, y))); s3 = i8x16.add(s3, i8x16.popcnt(v128.xor(x3, y)));
      }
      t = i32x4.add(t, i32x4.add(i32x4.add(widen(s0), widen(s1)), i32x4.add(widen(s2), widen(s3))));
    }
  }
  return i32x4.extract_lane(t, 0) + i32x4.extract_lane(t, 1) + i32x4.extract_lane(t, 2) + i32x4.extract_lane(t, 3);
}
export function both(a: usize, bytes: i32, reps: i32): i64 {
  const x0 = v128.load(a), x1 = v128.load(a, 16);
  const u0 = load<u64>(a, 32), u1 = load<u64>(a, 40), u2 = load<u64>(a, 48), u3 = load<u64>(a, 56);
  let t = i32x4.splat(0);
  let s0: i64 = 0, s1: i64 = 0, s2: i64 = 0, s3: i64 = 0;
  for (let r = 0; r < reps; r++) {
    for (let p = a, e = a + <usize>bytes; p < e; p += 512) {
      let v0 = i8x16.splat(0), v1 = i8x16.splat(0);
      for (let q = p; q < p + 512; q += 32) {
        const y = v128.load(q);
        v0 = i8x16.add(v0, i8x16.popcnt(v128.xor(x0, y))); v1 = i8x16.add(v1, i8x16.popcnt(v128.xor(x1, y)));
        const z0 = load<u64>(q, 16), z1 = load<u64>(q, 24);
        s0 += popcnt(u0 ^ z0) + popcnt(u0 ^ z1); s1 += popcnt(u1 ^ z0) + popcnt(u1 ^ z1);
        s2 += popcnt(u2 ^ z0) + popcnt(u2 ^ z1); s3 += popcnt(u3 ^ z0) + popcnt(u3 ^ z1);
      }
      t = i32x4.add(t, i32x4.add(widen(v0), widen(v1)));
    }
  }
  return s0 + s1 + s2 + s3 + <i64>(i32x4.extract_lane(t, 0) + i32x4.extract_lane(t, 1) + i32x4.extract_lane(t, 2) + i32x4.extract_lane(t, 3));
}`;
const { binary, stderr } = await asc.compileString(PROBE_SOURCE, { optimizeLevel: 3, runtime: 'stub', noAssert: true, initialMemory: 1, enable: ['simd'] });
if (!binary) throw new Error(`ceiling probes: ${stderr.toString()}`);
type Probe = (a: number, bytes: number, reps: number) => unknown;
const probe = new WebAssembly.Instance(new WebAssembly.Module(binary as BufferSource), {}).exports as unknown as { clock(n: number): bigint; scalar: Probe; vector: Probe; both: Probe };
const CLOCK_ADDS = 2e8;
const ghz = CLOCK_ADDS / medianMs(() => probe.clock(CLOCK_ADDS / 8)).cpu / 1e6;
const PROBE_BYTES = 16384, REPS = 4000; // 16 KiB stream: stays in L1
const probeRows: { name: string; what: string; g: number; perCycle: string }[] = [];
{
  const ms = medianMs(() => probe.scalar(1024, PROBE_BYTES, REPS)).cpu, pairs = (PROBE_BYTES / 8) * 4 * REPS;
  probeRows.push({ name: 'scalar', what: 'xor + i64.popcnt + add, 4 rows in registers', g: (pairs * 128) / ms / 1e6, perCycle: `${(pairs / ms / 1e6 / ghz).toFixed(2)} 64-bit pairs` });
}
{
  const ms = medianMs(() => probe.vector(1024, PROBE_BYTES, REPS)).cpu, pairs = (PROBE_BYTES / 16) * 4 * REPS;
  probeRows.push({ name: 'vector', what: 'v128.xor + i8x16.popcnt + i8x16.add, 4 rows in registers', g: (pairs * 256) / ms / 1e6, perCycle: `${(pairs / ms / 1e6 / ghz).toFixed(2)} v128 pairs` });
}
{
  const ms = medianMs(() => probe.both(1024, PROBE_BYTES, REPS)).cpu, steps = (PROBE_BYTES / 32) * REPS; // per step: 2 v128 pairs + 8 64-bit pairs
  probeRows.push({ name: 'both units', what: 'the two loops fused (vector: 2 rows, scalar: 4 rows)', g: (steps * (2 * 256 + 8 * 128)) / ms / 1e6, perCycle: `${(steps * 12 / ms / 1e6 / ghz).toFixed(2)} 64-bit pair equivalents` });
}
const ceilingG = Math.max(...probeRows.map((r) => r.g));

const binOps = 2 * M * N * K;
const rows: [string, string, { wall: number; cpu: number }, number, number][] = [];
const bench = (name: string, what: string, opsPerRun: number, fn: () => void): void => {
  const ms = medianMs(fn);
  rows.push([name, what, ms, opsPerRun / ms.wall / 1e6, opsPerRun / ms.cpu / 1e6]);
};
bench('xnorGemm', '±1 × ±1 (XNOR-popcount)', binOps, () => k.xnorGemm(a, w, out, M, N, WORDS, K));
bench('bitsGemm', '{0,1} × ±1 (attention P·V, FFN-out)', binOps, () => k.bitsGemm(a, w, pw, out, M, N, WORDS, K));
bench('bitSerialGemm, 4 bits', '4-bit codes × ±1, 4 passes', 4 * binOps, () => k.bitSerialGemm(planes, w, pw, out, M, N, WORDS, K, 4, 1));
bench('xnorThreshold', '±1 × ±1 → packed output bits', binOps, () => k.xnorThreshold(a, w, theta, sense, outBits, M, N, WORDS, K, N / 32));

const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
console.log(`\nKernels, M = N = ${M}, K = ${K} bits, one thread, median of ${RUNS} runs (shared 2-core machine: noisy)\n`);
console.log(line(['kernel', 'operands', 'wall ms', 'CPU ms', 'G binary-ops/s (wall)', 'G binary-ops/s (CPU)', 'ratio to the best probe (CPU)']));
console.log(line(['---', '---', '---:', '---:', '---:', '---:', '---:']));
for (const [name, what, ms, gw, gc] of rows) console.log(line([name, what, ms.wall.toFixed(2), ms.cpu.toFixed(2), gw.toFixed(0), gc.toFixed(0), (gc / ceilingG).toFixed(2)]));
console.log(`\nCeiling probes (CPU time; clock from a dependent i64.add chain: ${ghz.toFixed(2)} GHz):\n`);
console.log(line(['probe', 'loop', 'G binary-ops/s', 'per cycle', 'ratio to the best probe']));
console.log(line(['---', '---', '---:', '---:', '---:']));
for (const r of probeRows) console.log(line([r.name, r.what, r.g.toFixed(0), r.perCycle, (r.g / ceilingG).toFixed(2)]));
// The engine's shapes (one sequence of 128 tokens at hidden 256, FFN 1024): K ≤ 1024 takes the row loop.
const engineShapes: [string, number, number, number][] = [
  ['Q/K/V/O (128 × 256, K = 256)', 128, 256, 256],
  ['FFN-in (128 × 1024, K = 256)', 128, 1024, 256],
  ['FFN-out (128 × 256, K = 1024)', 128, 256, 1024],
  ['attention S = q·kᵀ (128 × 128, K = 64)', 128, 128, 64],
  ['attention P·V (128 × 64, K = 128)', 128, 64, 128],
];
const engineRows: string[] = [];
for (const [what, m, n, kBits] of engineShapes) {
  const words = 4 * Math.ceil(kBits / 128), reps = Math.max(1, Math.round(2e8 / (2 * m * n * kBits)));
  const g = (fn: () => void) => (2 * m * n * kBits * reps) / medianMs(() => { for (let r = 0; r < reps; r++) fn(); }).cpu / 1e6;
  const gx = g(() => k.xnorGemm(a, w, out, m, n, words, kBits));
  const gt = g(() => k.xnorThreshold(a, w, theta, sense, outBits, m, n, words, kBits, 4 * Math.ceil(n / 128)));
  const gb = g(() => k.bitsGemm(a, w, pw, out, m, n, words, kBits));
  engineRows.push(line([what, gx.toFixed(0), gt.toFixed(0), gb.toFixed(0)]));
}
console.log(`\nAt the engine's shapes (G binary-ops/s, CPU time):\n`);
console.log(line(['product', 'xnorGemm', 'xnorThreshold', 'bitsGemm']));
console.log(line(['---', '---:', '---:', '---:']));
for (const r of engineRows) console.log(r);

console.log(`\nBar ≥ 300 G, goal ≥ 400 G for xnorGemm (K = ${K}: mixed tiles, half of each 256-bit step on the vector unit,`);
console.log(`half on scalar i64.popcnt, so it is bounded by the "both units" probe, not the scalar one).`);
