import type { AthleteId, ClubId, DeviceId } from '../protocol/ids.ts';
import type { SampleKind } from '../protocol/mqtt/telemetry.ts';

/**
 * One sample as the time-series stores keep it: identity (club, device, kind, time) plus the athlete
 * it was attributed to at ingest, and flat fields (numbers; RR intervals as a comma-separated string).
 * Writing the same identity again overwrites, which makes redelivery harmless.
 */
export interface StoredPoint {
  club: ClubId;
  device: DeviceId;
  athlete: AthleteId | null;
  kind: SampleKind;
  timeMs: number;
  fields: Record<string, number | string>;
}

export interface RangeQuery {
  club: ClubId;
  athlete: AthleteId;
  kind: SampleKind;
  field: string;
  fromMs: number;
  toMs: number;
  /** Bucket width; buckets are aligned to multiples of it since the epoch. */
  bucketMs: number;
}

/** Columnar, uPlot-ready: t ascending, null where a bucket holds no value. */
export interface AggregatedSeries {
  bucketMs: number;
  t: number[];
  mean: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
  count: number[];
}

export interface PointFilter {
  club: ClubId;
  athlete?: AthleteId;
  device?: DeviceId;
  kind?: SampleKind;
}

export interface TimeSeriesStore {
  readonly name: string;
  /** Durable when the promise resolves. */
  writePoints(points: readonly StoredPoint[]): Promise<void>;
  queryRange(query: RangeQuery): Promise<AggregatedSeries>;
  countPoints(filter: PointFilter): Promise<number>;
  /** GDPR erasure: every point of one athlete of one club. */
  deleteAthlete(club: ClubId, athlete: AthleteId): Promise<void>;
  close(): Promise<void>;
}

/** Dense bucket starts covering [fromMs, toMs), so gaps come back as null rather than missing. */
export function bucketStarts(fromMs: number, toMs: number, bucketMs: number): number[] {
  const starts: number[] = [];
  for (let t = Math.floor(fromMs / bucketMs) * bucketMs; t < toMs; t += bucketMs) starts.push(t);
  return starts;
}
