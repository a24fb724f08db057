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

/** One bucket as a store's aggregation returns it (only buckets that hold values). */
export interface BucketAggregate {
  mean: number | null;
  min: number | null;
  max: number | null;
  count: number | null;
}

/**
 * Every bucket covering [fromMs, toMs), aligned to multiples of bucketMs since the epoch, from the
 * buckets a store returned: gaps come back as null (count 0) rather than missing, the same for every store.
 */
export function toDenseSeries(
  query: Pick<RangeQuery, 'fromMs' | 'toMs' | 'bucketMs'>,
  byStart: ReadonlyMap<number, BucketAggregate>,
): AggregatedSeries {
  const series: AggregatedSeries = { bucketMs: query.bucketMs, t: [], mean: [], min: [], max: [], count: [] };
  for (let start = Math.floor(query.fromMs / query.bucketMs) * query.bucketMs; start < query.toMs; start += query.bucketMs) {
    const bucket = byStart.get(start);
    series.t.push(start);
    series.mean.push(bucket?.mean ?? null);
    series.min.push(bucket?.min ?? null);
    series.max.push(bucket?.max ?? null);
    series.count.push(bucket?.count ?? 0);
  }
  return series;
}
