import type { SqliteDatabase } from './database.ts';
import {
  type AggregatedSeries,
  type BucketSums,
  type DeviceRange,
  type HeartRateReading,
  mergeBuckets,
  type PointFilter,
  type RangeQuery,
  type RawSample,
  rrIntervalsOf,
  type StoredPoint,
  type TimeSeriesStore,
  toDenseSeries,
  wearWithin,
} from './time-series-store.ts';

/** Rows one delete transaction removes: short enough that ingest's commits never wait long. */
const DELETE_CHUNK = 5000;

/** The embedded default: samples in the club's SQLite file, aggregated by SQLite itself. */
export class SqliteTimeSeriesStore implements TimeSeriesStore {
  readonly name = 'sqlite';
  private readonly upsert;
  private readonly aggregate;
  private readonly removeAthlete;
  private readonly storedKinds;
  private readonly readHeartRates;
  private readonly writeAll;

  constructor(private readonly db: SqliteDatabase) {
    this.upsert = db.prepare(
      `INSERT INTO samples (club_id, device_id, kind, time_ms, athlete_id, fields)
       VALUES (@club, @device, @kind, @timeMs, @athlete, @fields)
       ON CONFLICT (club_id, device_id, kind, time_ms) DO UPDATE SET athlete_id = excluded.athlete_id, fields = excluded.fields`,
    );
    // One wear interval at a time (a device and when the athlete wore it); the buckets add up after.
    this.aggregate = db.prepare(
      `SELECT (time_ms / CAST(@bucketMs AS INTEGER)) * CAST(@bucketMs AS INTEGER) AS t,
              SUM(v) AS sum, MIN(v) AS min, MAX(v) AS max, COUNT(v) AS count
       FROM (SELECT time_ms, json_extract(fields, @path) AS v FROM samples
             WHERE club_id = @club AND device_id = @device AND kind = @kind
               AND time_ms >= @fromMs AND time_ms < @toMs)
       WHERE v IS NOT NULL
       GROUP BY t ORDER BY t`,
    );
    this.storedKinds = db.prepare(
      `WITH RECURSIVE stored(kind) AS (
         SELECT MIN(kind) FROM samples WHERE club_id = @club AND device_id = @device
         UNION ALL
         SELECT (SELECT MIN(kind) FROM samples WHERE club_id = @club AND device_id = @device AND kind > stored.kind)
         FROM stored WHERE stored.kind IS NOT NULL)
       SELECT kind FROM stored WHERE kind IS NOT NULL`,
    );
    this.removeAthlete = db.prepare('DELETE FROM samples WHERE club_id = ? AND athlete_id = ?');
    this.readHeartRates = db.prepare(
      `SELECT time_ms AS timeMs, fields FROM samples
       WHERE club_id = @club AND device_id = @device AND kind = 'heart_rate' AND time_ms >= @fromMs AND time_ms < @toMs
       ORDER BY time_ms LIMIT @limit`,
    );
    this.writeAll = db.transaction((points: readonly StoredPoint[]) => {
      for (const point of points) this.upsert.run({ ...point, fields: JSON.stringify(point.fields) });
    });
  }

  async writePoints(points: readonly StoredPoint[]): Promise<void> {
    this.writeAll(points);
  }

  async queryRange(query: RangeQuery): Promise<AggregatedSeries> {
    const parts = wearWithin(query).flatMap((wear) => {
      const rows = this.aggregate.all({
        club: query.club,
        kind: query.kind,
        bucketMs: query.bucketMs,
        path: `$.${query.field}`,
        ...wear,
      }) as ({ t: number } & BucketSums)[];
      return rows.map((row) => [row.t, row] as const);
    });
    return toDenseSeries(query, mergeBuckets(parts));
  }

  async countPoints(filter: PointFilter): Promise<number> {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM samples WHERE ${whereOf(filter)}`).get(filter) as { n: number }).n;
  }

  async firstPointMs(filter: PointFilter): Promise<number | null> {
    return (this.db.prepare(`SELECT MIN(time_ms) AS t FROM samples WHERE ${whereOf(filter)}`).get(filter) as { t: number | null }).t;
  }

  async heartRateReadings(range: DeviceRange, limit: number): Promise<HeartRateReading[]> {
    const rows = this.readHeartRates.all({ ...range, limit }) as { timeMs: number; fields: string }[];
    return rows.map((row) => {
      const fields = JSON.parse(row.fields) as { heartRateBpm?: number; rrIntervalsMs?: string };
      const rrIntervalsMs = rrIntervalsOf(fields.rrIntervalsMs);
      return { timeMs: row.timeMs, heartRateBpm: fields.heartRateBpm ?? null, ...(rrIntervalsMs ? { rrIntervalsMs } : {}) };
    });
  }

  async deleteAthlete(club: string, athlete: string): Promise<void> {
    this.removeAthlete.run(club, athlete);
  }

  async deleteDevice(club: string, device: string): Promise<void> {
    await this.deleteRange({ club, device, fromMs: 0, toMs: Number.MAX_SAFE_INTEGER });
  }

  async deleteRange(range: DeviceRange): Promise<void> {
    // Kind by kind: the primary key (club, device, kind, time) then seeks straight to the range. The kinds
    // are the ones stored, so a plugin uninstalled since is erased too.
    for (const kind of this.kindsOf(range))
      await this.deleteInChunks(
        `SELECT club_id, device_id, kind, time_ms FROM samples
         WHERE club_id = @club AND device_id = @device AND kind = @kind AND time_ms >= @fromMs AND time_ms < @toMs LIMIT ${DELETE_CHUNK}`,
        { ...range, kind },
      );
  }

  /** The kinds a device has samples of, one index seek per kind (a skip scan SQLite does not do by itself). */
  private kindsOf(range: DeviceRange): string[] {
    const rows = this.storedKinds.all({ club: range.club, device: range.device }) as { kind: string }[];
    return rows.map((row) => row.kind);
  }

  async deleteOlderThan(club: string, beforeMs: number): Promise<void> {
    await this.deleteInChunks(
      `SELECT club_id, device_id, kind, time_ms FROM samples WHERE club_id = @club AND time_ms < @beforeMs LIMIT ${DELETE_CHUNK}`,
      { club, beforeMs },
    );
  }

  /** Deletes a few thousand rows per transaction, yielding between them: ingest keeps writing meanwhile. */
  private async deleteInChunks(select: string, parameters: Record<string, unknown>): Promise<void> {
    const deleteChunk = this.db.prepare(`DELETE FROM samples WHERE (club_id, device_id, kind, time_ms) IN (${select})`);
    while (deleteChunk.run(parameters).changes === DELETE_CHUNK) await new Promise((resolve) => setImmediate(resolve));
  }

  async readSamples(range: DeviceRange, limit: number): Promise<RawSample[]> {
    const rows = this.db
      .prepare(
        `SELECT time_ms AS timeMs, kind, fields FROM samples
         WHERE club_id = @club AND device_id = @device AND time_ms >= @fromMs AND time_ms < @toMs ORDER BY time_ms, kind LIMIT @limit`,
      )
      .all({ ...range, limit }) as { timeMs: number; kind: RawSample['kind']; fields: string }[];
    return rows.map((row) => ({ timeMs: row.timeMs, kind: row.kind, fields: JSON.parse(row.fields) as RawSample['fields'] }));
  }

  async close(): Promise<void> {}
}

/** The SQL condition of a point filter (named parameters from the filter itself). */
function whereOf(filter: PointFilter): string {
  const clauses = ['club_id = @club'];
  if (filter.athlete) clauses.push('athlete_id = @athlete');
  if (filter.device) clauses.push('device_id = @device');
  if (filter.kind) clauses.push('kind = @kind');
  if (filter.fromMs !== undefined) clauses.push('time_ms >= @fromMs');
  if (filter.toMs !== undefined) clauses.push('time_ms < @toMs');
  return clauses.join(' AND ');
}
