// Insights (issue 8): pure functions from a decoded trace to the answers the insights panel, the
// editor hints, `ctrace summary --json` and `ctrace compare` show. No I/O except compareFiles
// (files.ts), which reads two traces for `ctrace compare` and the extension's Compare Traces.
export { computeInsights, type InsightOptions } from './compute';
export { compareTraces } from './compare';
export { LARGE_COPY_BYTES } from './messages';
export { formatComparison, formatInsightNotes, formatRatio, formatValue } from './format';
export { editorHints } from './hints';
export { compareFiles } from './files';
