/** The codesign report's index.html: one self-contained page that summarises each step and links its artefacts. */
import type { CodesignState } from './codesign.ts';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const pct = (v: number | null | undefined): string => (typeof v === 'number' ? `${(100 * v).toFixed(2)}%` : '—');
const num = (v: number, unit: string): string => `${v.toPrecision(4)} ${unit}`;

export function codesignHtml(s: CodesignState, chosenModel: string | null): string {
  const t = s.steps.train!, r = s.steps.runtime!, sim = s.steps.sim!, ex = s.steps.explore!;
  const c = ex.chosen;
  const row = (k: string, v: string) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bitedge codesign report</title>
<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}th{background:#f4f4f4}img{max-width:100%;border:1px solid #ddd}
.note{color:#555;font-size:.9em}</style></head><body>
<h1>bitedge codesign (${esc(s.size)}): ${esc(s.dataset)}</h1>
<p class="note">The flow of SYSTEM.md: tokenizer → BMT recipe (FP32 → ternary → ternary weight splitting → W1A1 with distillation) → packed
<code>.bmt</code> → 1-bit runtime → BAT simulation → joint model × hardware exploration (NSGA-II). Machine-readable state: <a href="codesign.json">codesign.json</a>.
Throughput counts an M×K by K×N matrix product as 2·M·N·K ops whatever the precision. All figures are bitedge model estimates or measurements on this machine, not published figures.</p>
<h2>1. Training</h2>
<table>${row('model', `${s.config.layers} layer(s), hidden ${s.config.hidden}, ${s.config.heads} heads, FFN ${s.config.ffn}, sequence ${s.config.seqLen}, vocabulary ${s.config.vocabSize}, WTWS ${s.config.wtws ? 'on' : 'off'}`)}
${row('validation / test accuracy (W1A1)', `${pct(t.validation.accuracy)} / ${pct(t.test.accuracy)} (test macro-F1 ${pct(t.test.f1)}, n = ${t.test.n})`)}
${row('validation accuracy, weight bits flipped at 1e-3', `${pct(t.bitflip.accuracy)} (mean of ${t.bitflip.trials} trials)`)}
${row('training time', `${t.seconds.toFixed(0)} s (all stages)`)}
${row('artefacts', `<a href="model.bmt">model.bmt</a> · <a href="cache/${t.key}/metrics.json">metrics.json</a> (per stage) · <a href="cache/${t.key}/tokenizer.json">tokenizer.json</a> · <a href="cache/${t.key}/config.json">config.json</a>`)}</table>
<h2>2. 1-bit runtime (WebAssembly)</h2>
<table>${row('test accuracy, runtime vs training', `${pct(r.runtimeAccuracy)} vs ${pct(r.trainingAccuracy)}: ${r.equal ? 'equal' : '<b>different</b>'} (n = ${r.n})`)}
${row('time per inference', `${num(r.msPerInference, 'ms')} (${r.threads} thread(s), batches of 256, this machine, shared cores)`)}
${row('artefacts', '<a href="runtime.json">runtime.json</a>')}</table>
<h2>3. BAT simulation, preset <code>${esc(sim.hardware)}</code></h2>
<table>${row('latency', num(sim.latencyMs, 'ms'))}${row('throughput', num(sim.gops, 'GOPS'))}${row('energy per inference (FPGA table)', num(sim.energyMJ, 'mJ'))}
${row('functional simulation = runtime reference forward', sim.functionalEqual === null ? '—' : sim.functionalEqual ? 'bit-identical' : '<b>differs</b>')}
${row('artefacts', `<a href="bat-${esc(sim.hardware)}/report.html">report.html</a> · <a href="bat-${esc(sim.hardware)}/report.json">report.json</a> · <a href="bat-${esc(sim.hardware)}/timeline.svg">timeline.svg</a>`)}</table>
<h2>4. Joint exploration</h2>
<table>${row('designs evaluated', `${ex.evaluated}; ${ex.front} on the Pareto front (${ex.seconds.toFixed(0)} s)`)}
${row('chosen design', c ? `${esc(chosenModel ?? '')}<br>${esc(c.hardware.board)}, ${c.hardware.clockMHz} MHz, BMU ${c.hardware.bmu.pe}×${c.hardware.bmu.simd}, ATU ${c.hardware.atu.headsParallel} head(s) in parallel<br>validation accuracy ${pct(c.metrics.accuracy)}, latency ${num(c.metrics.latencyMs, 'ms')}, energy ${num(c.metrics.energyMJ, 'mJ')}, bit-flip accuracy ${pct(c.metrics.bitflipAccuracy)}` : 'none feasible')}
${row('choice rule', ex.rule === 'knee' ? 'knee point of the front (objectives normalised over the front, nearest to the ideal corner)' : 'most accurate front design within the latency budget')}
${row('artefacts', '<a href="explore/front.json">front.json</a> · <a href="explore/front.csv">front.csv</a> · <a href="explore/evaluations.csv">evaluations.csv</a> · <a href="explore/journal.jsonl">journal.jsonl</a> · <a href="explore/chosen/report.html">chosen design report</a> · <a href="explore/chosen/hardware.json">hardware.json</a>')}</table>
<p><img src="explore/pareto-latency.svg" alt="accuracy vs latency"></p>
<p><img src="explore/pareto-energy.svg" alt="accuracy vs energy"></p>
<p><img src="explore/latency-energy.svg" alt="energy vs latency"></p>
${c ? '<h3>Chosen design: pipeline timeline</h3><p><img src="explore/chosen/timeline.svg" alt="BAT pipeline timeline of the chosen design"></p>' : ''}
</body></html>
`;
}
