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

/** A device worn by one athlete over a time range (from the pairing log). */
export interface WearInterval {
  device: DeviceId;
  fromMs: number;
  toMs: number;
}

/**
 * One athlete's samples of one field, aggregated: whose samples they are comes from the pairing log as
 * wear intervals (the device, and when the athlete wore it), not from what ingest knew when it stored
 * them, so a pairing made late attributes earlier samples too.
 */
export interface RangeQuery {
  club: ClubId;
  wear: readonly WearInterval[];
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
  /** Time range [fromMs, toMs), epoch ms. */
  fromMs?: number;
  toMs?: number;
}

export interface DeviceRange {
  club: ClubId;
  device: DeviceId;
  /** [fromMs, toMs), epoch ms. */
  fromMs: number;
  toMs: number;
}

/** A heart-rate sample as stored: no heart rate when the strap had no skin contact. */
export interface HeartRateReading {
  timeMs: number;
  heartRateBpm: number | null;
  rrIntervalsMs?: number[];
}

/** A stored sample as it is: its kind and its stored fields (numbers, and RR intervals as text). */
export interface RawSample {
  timeMs: number;
  kind: SampleKind;
  fields: Record<string, number | string>;
}

/** The stored form of RR intervals (a comma-separated string field) back to numbers. */
export function rrIntervalsOf(stored: unknown): number[] | undefined {
  if (typeof stored !== 'string' || stored === '') return undefined;
  const values = stored.split(',').map(Number);
  return values.every((value) => Number.isFinite(value)) ? values : undefined;
}

export interface TimeSeriesStore {
  readonly name: string;
  /** Durable when the promise resolves. */
  writePoints(points: readonly StoredPoint[]): Promise<void>;
  queryRange(query: RangeQuery): Promise<AggregatedSeries>;
  countPoints(filter: PointFilter): Promise<number>;
  /** When the first point matching the filter was taken (a session's late joiner), or null for none. */
  firstPointMs(filter: PointFilter): Promise<number | null>;
  /** One device's heart-rate samples in a time range, oldest first, at most `limit` (a session's report). */
  heartRateReadings(range: DeviceRange, limit: number): Promise<HeartRateReading[]>;
  /** GDPR erasure: every point of one athlete of one club. */
  deleteAthlete(club: ClubId, athlete: AthleteId): Promise<void>;
  /** Every point of one device (an uploaded workout the athlete removed). */
  deleteDevice(club: ClubId, device: DeviceId): Promise<void>;
  /** One device's points in a time range, every kind (erasure by the pairing log's intervals). */
  deleteRange(range: DeviceRange): Promise<void>;
  /** A club's points older than a time (its retention). */
  deleteOlderThan(club: ClubId, beforeMs: number): Promise<void>;
  /** One device's samples of every kind in a time range, oldest first, at most `limit` (exports). */
  readSamples(range: DeviceRange, limit: number): Promise<RawSample[]>;
  close(): Promise<void>;
}

/** One bucket as a store's aggregation returns it (only buckets that hold values). */
export interface BucketAggregate {
  mean: number | null;
  min: number | null;
  max: number | null;
  count: number | null;
}

/** A bucket's sums, which add up across wear intervals (a mean does not). */
export interface BucketSums {
  sum: number;
  count: number;
  min: number;
  max: number;
}

/** Adds up the buckets of several wear intervals into one mean, min, max and count per bucket start. */
export function mergeBuckets(parts: Iterable<readonly [number, BucketSums]>): Map<number, BucketAggregate> {
  const totals = new Map<number, BucketSums>();
  for (const [start, bucket] of parts) {
    const total = totals.get(start);
    if (!total) totals.set(start, { ...bucket });
    else
      totals.set(start, {
        sum: total.sum + bucket.sum,
        count: total.count + bucket.count,
        min: Math.min(total.min, bucket.min),
        max: Math.max(total.max, bucket.max),
      });
  }
  return new Map(
    [...totals].map(([start, total]) => [
      start,
      { mean: total.count ? total.sum / total.count : null, min: total.min, max: total.max, count: total.count },
    ]),
  );
}

/** Wear intervals clipped to the query's range, the empty ones dropped. */
export function wearWithin(query: Pick<RangeQuery, 'wear' | 'fromMs' | 'toMs'>): WearInterval[] {
  return query.wear
    .map((wear) => ({ device: wear.device, fromMs: Math.max(wear.fromMs, query.fromMs), toMs: Math.min(wear.toMs, query.toMs) }))
    .filter((wear) => wear.toMs > wear.fromMs);
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
