/** The report as one self-contained HTML page (the SVG timeline inlined). */
import type { BatReport } from './report.ts';
import { RESOURCE_KINDS } from '../bat/boards.ts';
import { ENGINES } from '../bat/ops.ts';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Engineering number with a unit: 3 significant digits and an SI prefix. */
export function si(v: number, unit: string): string {
  if (v === 0 || !Number.isFinite(v)) return `${v} ${unit}`;
  const prefixes: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k'], [1, ''], [1e-3, 'm'], [1e-6, 'µ'], [1e-9, 'n'], [1e-12, 'p']];
  const [scale, p] = prefixes.find(([s]) => Math.abs(v) >= s) ?? prefixes[prefixes.length - 1];
  return `${+(v / scale).toPrecision(3)} ${p}${unit}`;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

export function reportHtml(r: BatReport, svg: string): string {
  const w = r.workload.shape;
  const row = (cells: string[], tag = 'td'): string => `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
  const engines = ENGINES.map((e) => {
    const c = r.engines[e];
    return row([e, c.busy.toLocaleString('en-US'), c.stallMemory.toLocaleString('en-US'), c.stallDependency.toLocaleString('en-US'), c.idle.toLocaleString('en-US'), pct(c.utilisation)]);
  }).join('\n');
  const res = r.resources;
  const resources = RESOURCE_KINDS.map((k) => row([k, ...Object.keys(res.perEngine).map((e) => String(res.perEngine[e][k])), String(res.total[k]), String(res.budget[k]), res.budget[k] ? pct(res.utilisation[k]) : '—', pct(res.ceilings[k])])).join('\n');
  const energy = Object.entries(r.energy).map(([k, e]) => row([k, si(e.joulesPerInference, 'J'), si(e.averageW, 'W'), e.gopsPerW.toFixed(1), si(e.staticJ, 'J'), si(e.clockJ, 'J'), si(e.byAction.ddrByte, 'J')])).join('\n');
  const cmp = r.comparison.map((c) => row([esc(c.design), esc(c.platform), esc(c.workload), c.gops === null ? '—' : c.gops.toFixed(1), c.gopsPerW === null ? '—' : c.gopsPerW.toFixed(1), esc(c.other ?? '—'), `<em>${c.kind}</em>`, esc(c.source)])).join('\n');
  const fn = r.functional
    ? `<p>Functional run: logits [${r.functional.logits.map((v) => v.toPrecision(6)).join(', ')}]${r.functional.label ? `, label <b>${esc(r.functional.label)}</b>` : ''}${r.functional.equalsReferenceForward === null ? '' : `; bit-identical to the runtime's referenceForward: <b>${r.functional.equalsReferenceForward}</b>`}.</p>`
    : '<p>Timing-only run (no model data moved).</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>BAT report: ${esc(r.hardware.name)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px; color: #212529; max-width: 1260px; }
table { border-collapse: collapse; margin: 8px 0 20px; font-size: 13px; }
th, td { border: 1px solid #dee2e6; padding: 4px 8px; text-align: right; }
th { background: #f1f3f5; } td:first-child, th:first-child { text-align: left; }
table.text td { text-align: left; }
.note { color: #495057; font-size: 13px; }
</style></head><body>
<h1>BAT report: ${esc(r.hardware.name)} on ${esc(r.hardware.board)}</h1>
<p>Workload: ${w.layers} layers, hidden ${w.hidden}, ${w.heads} heads, FFN ${w.ffn}, sequence ${w.seqLen}, attention ${r.workload.attention},
site bits ${esc(JSON.stringify(r.workload.bits))}, ${r.workload.weightParts} weight part(s).
Mapping: weights ${r.mapping.placement}, blocks of ${r.mapping.blockTokens} tokens (${r.mapping.blocks} blocks), FIFO depth ${r.mapping.fifoDepthBlocks} blocks.</p>
<h2>Summary</h2>
<table class="text">
${row(['latency', `${si(r.latency.seconds, 's')} (${r.latency.cycles.toLocaleString('en-US')} cycles at ${r.latency.clockMHz} MHz)`])}
${row(['throughput', `${r.throughput.gops.toFixed(1)} GOPS, ${r.throughput.inferencesPerSecond.toFixed(1)} inferences/s`])}
${row(['energy per inference (FPGA table)', si(r.energy.fpga.joulesPerInference, 'J')])}
${row(['GOPS/W (FPGA table)', r.energy.fpga.gopsPerW.toFixed(1)])}
${row(['energy per inference (45 nm ASIC table)', si(r.energy.asic45.joulesPerInference, 'J')])}
${row(['bottleneck', esc(r.bottleneck.explanation)])}
${r.analytical ? row(['analytical model', `${r.analytical.cycles.toLocaleString('en-US')} cycles (${(100 * r.analytical.relativeError).toFixed(2)}% vs the simulator)`]) : ''}
</table>
<p class="note">Op counting: ${esc(r.throughput.convention)}.</p>
${fn}
<h2>Pipeline timeline</h2>
${svg}
<h2>Cycles per engine</h2>
<table>${row(['engine', 'busy', 'stalled on memory', 'stalled on dependency', 'idle', 'utilisation'], 'th')}
${engines}</table>
<h2>Energy</h2>
<table>${row(['table', 'energy / inference', 'average power', 'GOPS/W', 'static', 'clock', 'DDR'], 'th')}
${energy}</table>
<p class="note">FPGA coefficients are order-of-magnitude estimates (ours); 45 nm from Horowitz, ISSCC 2014. Sources and derivations: docs/bat.md.</p>
<h2>Resources</h2>
<table>${row(['resource', ...Object.keys(res.perEngine), 'total', `${esc(res.board)} budget`, 'used', 'ceiling'], 'th')}
${resources}</table>
${res.overBudget.length ? `<p><b>Over budget:</b> ${res.overBudget.map((i) => esc(i.message)).join('; ')}</p>` : '<p class="note">Within the board budget × utilisation ceilings.</p>'}
<h2>BAT and published accelerators</h2>
<table class="text">${row(['design', 'platform', 'workload', 'GOPS', 'GOPS/W', 'other figure', 'kind', 'source'], 'th')}
${cmp}</table>
<p class="note">Published figures were measured by their authors on their own workloads and platforms; ours is a model estimate on the workload above. The rows are not like-for-like. ${esc(r.paperClaim)}.</p>
</body></html>
`;
}
