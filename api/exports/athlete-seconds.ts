import { extensionKind } from '../../protocol/device-kit/extension-kinds.ts';
import { type ActivitySecond, encodeFitActivity } from '../../protocol/fit-activity.ts';
import { isExtensionKind } from '../../protocol/mqtt/telemetry.ts';
import { computeSessionMetrics, physiologyOf } from '../../sport-science/session-metrics.ts';
import { type RawSample, rrIntervalsOf } from '../../store/time-series-store.ts';
import type { ApiDeps } from '../app.ts';

/** Samples read per store query: a page, so a long month never arrives in one response. */
const PAGE = 20_000;

/**
 * An athlete's seconds over a time range, merged from every device they wore (the pairing log, and with
 * `uploads` the workouts they uploaded): heart rate and RR from a strap, power, cadence, speed and
 * distance from whatever measured them. A machine's heart rate counts where no strap gave one.
 */
export async function athleteSeconds(
  deps: Pick<ApiDeps, 'registry' | 'timeSeries'>,
  club: string,
  athlete: string,
  fromMs: number,
  toMs: number,
  options: { uploads?: boolean } = {},
): Promise<ActivitySecond[]> {
  const seconds = new Map<number, ActivitySecond>();
  for (const wear of deps.registry.wearIntervals(club, athlete, fromMs, toMs, options)) {
    // Page by time: the next page starts after the last millisecond read (samples sharing it came in one page).
    for (let cursor = wear.fromMs; cursor < wear.toMs; ) {
      const samples = await deps.timeSeries.readSamples({ club, device: wear.device, fromMs: cursor, toMs: wear.toMs }, PAGE);
      if (samples.length === 0) break;
      const lastMs = samples.at(-1)!.timeMs;
      const complete = samples.length < PAGE ? samples : samples.filter((sample) => sample.timeMs < lastMs);
      cursor = samples.length < PAGE ? wear.toMs : complete.length > 0 ? lastMs : lastMs + 1;
      addSamples(seconds, complete.length > 0 || samples.length < PAGE ? complete : samples);
    }
  }
  return [...seconds.values()].sort((a, b) => a.timeMs - b.timeMs);
}

function addSamples(seconds: Map<number, ActivitySecond>, samples: readonly RawSample[]): void {
  for (const sample of samples) {
    const timeMs = Math.floor(sample.timeMs / 1000) * 1000;
    const second = seconds.get(timeMs) ?? { timeMs };
    seconds.set(timeMs, second);
    const fields = sample.fields;
    const number = (name: string) => (typeof fields[name] === 'number' ? (fields[name] as number) : undefined);
    if (isExtensionKind(sample.kind)) {
      // A plugin's kind: its own columns, never mistaken for the built-in ones even where names agree.
      second.extensions ??= {};
      for (const [name, value] of Object.entries(fields))
        if (typeof value === 'number') second.extensions[`${sample.kind}.${name}`] = value;
      continue;
    }
    if (sample.kind === 'heart_rate') {
      if (number('heartRateBpm') !== undefined) second.heartRateBpm = number('heartRateBpm');
      const rr = rrIntervalsOf(fields.rrIntervalsMs);
      if (rr) second.rrIntervalsMs = [...(second.rrIntervalsMs ?? []), ...rr];
      continue;
    }
    if (second.heartRateBpm === undefined && number('heartRateBpm') !== undefined) second.heartRateBpm = number('heartRateBpm');
    second.powerW = number('powerW') ?? second.powerW;
    // Running cadence is in steps a minute; FIT's is in strides (a stride is two steps).
    const cadence = number('cadenceRpm') ?? (number('cadenceSpm') !== undefined ? number('cadenceSpm')! / 2 : undefined);
    second.cadenceRpm = cadence ?? second.cadenceRpm;
    second.speedMps = number('speedMps') ?? second.speedMps;
    second.distanceM = number('distanceM') ?? second.distanceM;
  }
}

/** One CSV row a second: what an athlete's devices measured in it. */
export const SECONDS_CSV_HEADER = 'time,heart_rate_bpm,rr_ms,power_w,cadence_rpm,speed_mps,distance_m';

/** The plugin values' columns of these seconds ("oxasense.muscle_oxygen.smo2Percent"), in name order. */
export function extensionColumns(seconds: readonly ActivitySecond[]): string[] {
  const columns = new Set<string>();
  for (const second of seconds) for (const column of Object.keys(second.extensions ?? {})) columns.add(column);
  return [...columns].sort();
}

/** Each plugin column's unit, as its installed kind declares it ("oxasense.muscle_oxygen.smo2Percent" → "%"). */
function unitsOf(columns: readonly string[]): Record<string, string> {
  const units: Record<string, string> = {};
  for (const column of columns) {
    const cut = column.lastIndexOf('.');
    const unit = extensionKind(column.slice(0, cut))?.spec.fields.find((field) => field.name === column.slice(cut + 1))?.unit;
    if (unit !== undefined) units[column] = unit;
  }
  return units;
}

export const secondsCsvHeader = (extra: readonly string[]): string => [SECONDS_CSV_HEADER, ...extra].join(',');

export function secondsCsvRow(second: ActivitySecond, extra: readonly string[] = []): string {
  const cell = (value: number | undefined) => (value === undefined ? '' : String(value));
  return [
    new Date(second.timeMs).toISOString(),
    cell(second.heartRateBpm),
    (second.rrIntervalsMs ?? []).join(' '),
    cell(second.powerW),
    cell(second.cadenceRpm),
    cell(second.speedMps),
    cell(second.distanceM),
    ...extra.map((column) => cell(second.extensions?.[column])),
  ].join(',');
}

/** Seconds as one CSV, with its header. */
export function secondsCsv(seconds: readonly ActivitySecond[]): string {
  const extra = extensionColumns(seconds);
  return [secondsCsvHeader(extra), ...seconds.map((second) => secondsCsvRow(second, extra))].join('\n');
}

/**
 * An athlete's part of a session as a FIT activity: their seconds, with the session's average and maximum
 * heart rate and calories (their profile at the session's start, the club's zone model), in local time.
 */
export function sessionFitActivity(
  deps: Pick<ApiDeps, 'registry'>,
  club: string,
  athlete: string,
  seconds: readonly ActivitySecond[],
  session: { startMs: number; stopMs: number },
  timeZone: string,
): Uint8Array {
  const metrics = computeSessionMetrics(
    seconds.map((second) => ({ timeMs: second.timeMs, heartRateBpm: second.heartRateBpm ?? null, rrIntervalsMs: second.rrIntervalsMs })),
    physiologyOf(deps.registry.getAthlete(club, athlete, session.startMs), session.startMs),
    deps.registry.clubSettings(club)?.zoneModel ?? 'percent-max',
  );
  return encodeFitActivity(seconds, {
    startMs: session.startMs,
    endMs: session.stopMs,
    avgHeartRateBpm: metrics.avgHr,
    maxHeartRateBpm: metrics.maxHr,
    kcal: metrics.kcal,
    utcOffsetMinutes: utcOffsetMinutes(timeZone, session.startMs),
    extensionUnits: unitsOf(extensionColumns(seconds)),
  });
}

/** A time zone's offset from UTC at a moment, in minutes (for FIT's local timestamp); 0 for UTC or an unknown zone. */
export function utcOffsetMinutes(timeZone: string, atMs: number): number {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(new Date(atMs));
    const match = /GMT([+-])(\d{2}):(\d{2})/.exec(parts.find((part) => part.type === 'timeZoneName')?.value ?? '');
    return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
  } catch {
    return 0;
  }
}
