/**
 * BAT benchmarks: analytical evaluations per second (target ≥ 10,000/s), cycle-level simulation wall time
 * (BERT-base target < 30 s), and the analytical model's agreement with the simulator over sampled design
 * points. Medians of 3 runs; the machine is shared (2 cores), so treat the numbers as noisy.
 *   node --import tsx bench/bat.ts
 */
import { createRng } from '../src/common/rng.ts';
import { PRESETS, SHAPES, compile, estimate, estimateSchedule, randomDesignPoint, simulate, workloadFromShape } from '../src/bat/index.ts';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function ratePerSecond(f: () => void, ms = 700): number {
  for (let i = 0; i < 100; i++) f();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < ms) { f(); n++; }
  return n / ((performance.now() - t0) / 1000);
}

const cases = [['zcu102', 'bert-base'], ['edge', 'bmt-small'], ['zcu102', 'bmt-small']] as const;
console.log('| hardware | workload | estimate()/s (compile incl.) | estimateSchedule()/s | simulate() wall, timing only | sim tasks | sim cycles | analytical cycles | error |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
for (const [h, sh] of cases) {
  const hw = PRESETS[h], w = workloadFromShape(SHAPES[sh]);
  const s = compile(w, hw);
  const est = median([0, 1, 2].map(() => ratePerSecond(() => estimate(w, hw))));
  const estS = median([0, 1, 2].map(() => ratePerSecond(() => estimateSchedule(s, hw))));
  let cycles = 0, tasks = 0;
  const wall = median([0, 1, 2].map(() => {
    const t0 = performance.now();
    const r = simulate(s, hw);
    cycles = r.cycles; tasks = r.tasks;
    return (performance.now() - t0) / 1000;
  }));
  const a = estimateSchedule(s, hw).cycles;
  console.log(`| ${h} | ${sh} | ${est.toFixed(0)} | ${estS.toFixed(0)} | ${wall.toFixed(3)} s | ${tasks} | ${cycles} | ${a} | ${((100 * (a - cycles)) / cycles).toFixed(2)}% |`);
}

const rng = createRng('bench-bat-agreement');
const errs: number[] = [];
let skipped = 0;
while (errs.length < 200) {
  const { workload, hardware } = randomDesignPoint(rng);
  let s;
  try { s = compile(workload, hardware); } catch { skipped++; continue; }
  const sim = simulate(s, hardware, { keepIntervals: false });
  errs.push(Math.abs(estimateSchedule(s, hardware).cycles - sim.cycles) / sim.cycles);
}
errs.sort((x, y) => x - y);
const q = (p: number): string => `${(100 * errs[Math.min(errs.length - 1, Math.floor(p * errs.length))]).toFixed(2)}%`;
console.log('\n| sampled design points | within 5% | median error | p90 | max | refused by the compiler |');
console.log('|---:|---:|---:|---:|---:|---:|');
console.log(`| ${errs.length} | ${errs.filter((e) => e <= 0.05).length} | ${q(0.5)} | ${q(0.9)} | ${q(1)} | ${skipped} |`);
