/** Stage `report`: the BAT report (JSON, HTML, SVG pipeline timeline) and the published accelerators it compares against. */
export { buildReport, writeReport, OPS_CONVENTION, type BatReport, type ComparisonRow, type ReportInputs } from './report.ts';
export { timelineSvg, STATE_COLOURS } from './timeline.ts';
export { reportHtml, si } from './html.ts';
export { PUBLISHED, PAPER_CLAIM, type PublishedAccelerator } from './baselines.ts';
