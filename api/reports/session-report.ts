import type { ReportAthlete, SessionMetrics, SessionReport } from '../../protocol/reports.ts';
import type { Athlete, Session } from '../../protocol/roster.ts';
import { ZONE_LOWER_BOUNDS_PERCENT, type ZoneModel } from '../../sport-science/heart-rate-zones.ts';
import { computeSessionMetrics, type HeartRatePoint, physiologyOf } from '../../sport-science/session-metrics.ts';
import type { ApiDeps } from '../app.ts';

type ReportDeps = Pick<ApiDeps, 'registry' | 'timeSeries' | 'trainingLog'>;

/** Samples one athlete's report reads at most (a long day at one a second, whatever devices they wore). */
const MAX_READINGS_PER_ATHLETE = 100_000;

/** An athlete's heart-rate samples over a time range, from every device they wore in it (the pairing log). */
export async function readingsOf(deps: ReportDeps, club: string, athlete: string, fromMs: number, toMs: number): Promise<HeartRatePoint[]> {
  const readings: HeartRatePoint[] = [];
  for (const wear of deps.registry.wearIntervals(club, athlete, fromMs, toMs)) {
    if (readings.length >= MAX_READINGS_PER_ATHLETE) break;
    readings.push(...(await deps.timeSeries.heartRateReadings({ club, ...wear }, MAX_READINGS_PER_ATHLETE - readings.length)));
  }
  return readings.sort((a, b) => a.timeMs - b.timeMs);
}

/** The report of a session: every participant's metrics and curve (or one athlete's), and the group's summary. */
export async function buildSessionReport(
  deps: ReportDeps,
  club: string,
  session: Session,
  options: { widthPx: number; only: string | null; nowMs: number },
): Promise<SessionReport> {
  const zoneModel = deps.registry.clubSettings(club)?.zoneModel ?? 'percent-max';
  const endMs = session.stopMs ?? options.nowMs;
  const athletes: ReportAthlete[] = [];
  for (const { athlete: id } of session.participants) {
    if (options.only !== null && id !== options.only) continue;
    const athlete = deps.registry.getAthlete(club, id, session.startMs);
    const readings = await readingsOf(deps, club, id, session.startMs, endMs);
    athletes.push({
      athlete: id,
      name: athlete?.name ?? id,
      maxHrBpm: athlete?.maxHrBpm ?? null,
      maxHrEstimated: athlete?.maxHrEstimated ?? false,
      restHrBpm: athlete?.restHrBpm ?? null,
      zoneFloorsBpm: zoneFloors(athlete, zoneModel),
      metrics: computeSessionMetrics(readings, physiologyOf(athlete, session.startMs), zoneModel),
      curve: downsample(readings, session.startMs, endMs, options.widthPx),
    });
  }
  return { session, zoneModel, athletes, group: options.only === null ? groupSummary(athletes.map((row) => row.metrics)) : null };
}

/**
 * A stopped session's report, read again, brings the training log up to date with it (samples ingest
 * stored after the stop, a maximum the coach corrected since): the member's page and the report agree.
 */
export function recordReportTraining(deps: Pick<ApiDeps, 'trainingLog'>, club: string, report: SessionReport): void {
  const { session } = report;
  if (session.stopMs === null) return;
  for (const row of report.athletes)
    deps.trainingLog.record(club, row.athlete, {
      source: 'session',
      sourceId: session.id,
      title: session.title,
      startMs: session.startMs,
      metrics: row.metrics,
    });
}

/** Writes every participant's metrics into their training log (at the stop, and after a late pairing). */
export async function recordSessionTraining(deps: ReportDeps, club: string, session: Session, only?: string): Promise<void> {
  if (session.stopMs === null) return;
  const zoneModel = deps.registry.clubSettings(club)?.zoneModel ?? 'percent-max';
  for (const { athlete: id } of session.participants) {
    if (only !== undefined && id !== only) continue;
    const athlete = deps.registry.getAthlete(club, id, session.startMs);
    if (!athlete) continue;
    const readings = await readingsOf(deps, club, id, session.startMs, session.stopMs);
    deps.trainingLog.record(club, id, {
      source: 'session',
      sourceId: session.id,
      title: session.title,
      startMs: session.startMs,
      metrics: computeSessionMetrics(readings, physiologyOf(athlete, session.startMs), zoneModel),
    });
  }
}

/** Lower bounds of Z1…Z5 in bpm for the chart's bands. */
function zoneFloors(athlete: Athlete | null, model: ZoneModel): number[] | null {
  const max = athlete?.maxHrBpm ?? null;
  const rest = athlete?.restHrBpm ?? null;
  if (max === null) return null;
  if (model === 'percent-max') return ZONE_LOWER_BOUNDS_PERCENT.map((percent) => Math.round((max * percent) / 100));
  if (rest === null || rest >= max) return null;
  return ZONE_LOWER_BOUNDS_PERCENT.map((percent) => Math.round(rest + ((max - rest) * percent) / 100));
}

/**
 * One mean heart rate per pixel column, as Grafana asks a data source for at most as many points as the
 * panel is wide: a 45-minute class at one sample a second becomes 800 points, not 2,700.
 */
export function downsample(readings: readonly HeartRatePoint[], fromMs: number, toMs: number, widthPx: number): ReportAthlete['curve'] {
  const columns = Math.max(1, Math.min(widthPx, Math.ceil((toMs - fromMs) / 1000)));
  const stepMs = (toMs - fromMs) / columns;
  const sums = new Array<number>(columns).fill(0);
  const counts = new Array<number>(columns).fill(0);
  for (const reading of readings) {
    if (reading.heartRateBpm === null || reading.timeMs < fromMs || reading.timeMs >= toMs) continue;
    const column = Math.min(columns - 1, Math.floor((reading.timeMs - fromMs) / stepMs));
    sums[column]! += reading.heartRateBpm;
    counts[column]!++;
  }
  return {
    t: sums.map((_, column) => Math.round(fromMs + column * stepMs)),
    hr: sums.map((sum, column) => (counts[column] ? Math.round(sum / counts[column]!) : null)),
  };
}

function groupSummary(metrics: readonly SessionMetrics[]): NonNullable<SessionReport['group']> {
  const known = <T>(values: (T | null)[]) => values.filter((value): value is T => value !== null);
  const mean = (values: number[]) => (values.length ? Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10 : null);
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  return {
    athletes: metrics.length,
    avgHr: mean(known(metrics.map((one) => one.avgHr))),
    kcal: Math.round(sum(known(metrics.map((one) => one.kcal)))),
    points: sum(known(metrics.map((one) => one.points))),
    trimpBanister: mean(known(metrics.map((one) => one.trimpBanister))),
    timeInZoneS: [0, 1, 2, 3, 4].map((zone) =>
      metrics.length ? Math.round(sum(metrics.map((one) => one.timeInZoneS[zone]!)) / metrics.length) : 0,
    ) as NonNullable<SessionReport['group']>['timeInZoneS'],
  };
}
