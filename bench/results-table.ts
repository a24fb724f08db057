/** The bench's results as the Markdown table README.md carries, each figure next to its target. */
import type { BrokerRun } from './broker-bench.ts';
import type { ThroughputRun } from './ingest-bench.ts';
import type { LiveRun, ReportRun } from './live-bench.ts';
import type { RegistryRun } from './registry-bench.ts';

const number = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? '—' : value.toLocaleString('en'));

export function markdownTable(results: Record<string, unknown>): string {
  const rows: [string, string, string][] = [];
  for (const run of (results.ingest as ThroughputRun[] | undefined) ?? []) {
    const target = run.label.startsWith('InfluxDB') && run.ratio !== undefined ? '≥ 100,000 samples/s and ≥ 0.3×' : '';
    const detail = run.ratio === undefined ? 'baseline' : `${run.ratio}× the baseline`;
    const cost = run.cpuSecondsPerMillion ? `; ${run.cpuSecondsPerMillion.ingest} CPU s per million samples` : '';
    const memory = run.rssMb ? `; RSS by quarter ${run.rssMb.quarters.join(' → ')} MB` : '';
    rows.push([`Ingest: ${run.label}`, `${number(run.samplesPerSecond)} samples/s (${detail}${cost}${memory})`, target]);
  }
  for (const run of (results.registry as RegistryRun[] | undefined) ?? [])
    rows.push([
      `Registry on ${run.engine}: ${run.operation}`,
      `${number(run.perSecond)} per second${run.ratio === undefined ? ' (baseline)' : ` (${run.ratio}× SQLite's)`}`,
      '',
    ]);
  for (const run of (results.brokers as BrokerRun[] | undefined) ?? [])
    rows.push([
      `Broker: ${run.broker}, QoS 1`,
      `${number(run.messagesPerSecond)} messages/s; publish → delivery p50 ${run.deliveryMs.p50} ms, p99 ${run.deliveryMs.p99} ms`,
      '',
    ]);
  for (const run of (results.live as LiveRun[] | undefined) ?? []) {
    const target = run.athletes <= 100 ? '' : run.athletes <= 1000 ? 'p99 ≤ 150 ms' : 'p99 ≤ 300 ms';
    rows.push([
      `Live: publish → tile painted, ${number(run.athletes)} athletes in ${run.clubs} clubs (${run.seconds} s)`,
      `p50 ${run.publishToPaintMs.p50} ms, p95 ${run.publishToPaintMs.p95} ms, p99 ${run.publishToPaintMs.p99} ms (${run.painted}/${run.probes} seen)`,
      target,
    ]);
  }
  const live = (results.live as LiveRun[] | undefined) ?? [];
  const first = live[0];
  if (first)
    rows.push([
      `Big screen: scripting per live update, ${first.scriptingPerUpdateMs.tiles} tiles`,
      `p50 ${first.scriptingPerUpdateMs.p50} ms, p95 ${first.scriptingPerUpdateMs.p95} ms (${first.scriptingPerUpdateMs.updates} updates)`,
      '≤ 4 ms',
    ]);
  const report = results.report as ReportRun | undefined;
  if (report)
    rows.push([
      `Session report, ${report.hours} h × ${report.athletes} athletes`,
      `${report.chartMs} ms of chart time (${report.toFirstFrameMs} ms to the first frame, table included)`,
      '≤ 50 ms',
    ]);
  for (const run of live)
    rows.push([
      `Footprint: \`up\` at ${number(run.athletes)} athletes over ${run.seconds} s`,
      `RSS ${run.upRssMb.start} MB at start, ${run.upRssMb.end} MB at the end, ${run.upRssMb.peak} MB peak`,
      run.athletes === 1000 ? '≤ 250 MB' : '',
    ]);
  const gateway = results.gateway as { athletes: number; seconds: number; rssMb: { end: number; peak: number } } | undefined;
  if (gateway)
    rows.push([
      `Footprint: gateway with ${gateway.athletes} straps (emulated radio in the same process) over ${gateway.seconds} s`,
      `RSS ${gateway.rssMb.end} MB at the end, ${gateway.rssMb.peak} MB peak`,
      '',
    ]);
  return ['| measure | figure | target |', '| --- | --- | --- |', ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}
