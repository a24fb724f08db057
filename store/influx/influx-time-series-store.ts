import { HttpError, InfluxDB, setLogger } from '@influxdata/influxdb-client';
import type { Logger } from 'pino';
import { knownSampleKinds } from '../../protocol/device-kit/extension-kinds.ts';
import { isRetryableStatus, parseRetryAfterMs, StoreQueryError, StoreWriteError } from '../store-errors.ts';
import {
  type AggregatedSeries,
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
} from '../time-series-store.ts';
import { type InfluxOptions, queryDatabaseOf } from './influx-options.ts';
import { quoteIdentifier, tagConditions } from './influxql.ts';
import { SAMPLE_COUNT_FIELD, toLine } from './line-protocol.ts';
import { chooseWriteEndpoint, pingServer, type ServerVersion, type WriteEndpoint } from './server-version.ts';

/**
 * Field counted to answer "how many samples": every point carries samples=1, because a point's other
 * fields vary (a heart-rate point without skin contact has no heartRateBpm).
 */
/** The tags every point carries (not measured values). */
const TAGS = new Set(['club', 'device', 'athlete']);
const DEFAULT_TIMEOUT_MS = 10_000;
/** How long the database's list of measurements is reused (a new kind appears within it). */
const MEASUREMENTS_CACHE_MS = 30_000;

interface InfluxQlResponse {
  error?: string;
  results?: { error?: string; series?: { name: string; columns: string[]; values: (number | null)[][] }[] }[];
}

/**
 * The time series in InfluxDB. Schema (docs/influxdb-schema.md): one measurement per sample kind;
 * tags club, device and athlete (absent for an unpaired device); the sample's values as fields;
 * millisecond timestamps. Same measurement, tags and time overwrite, so replays are harmless.
 */
export class InfluxTimeSeriesStore implements TimeSeriesStore {
  readonly name = 'influxdb';
  private readonly timeoutMs: number;
  private readonly database: string;
  private client: InfluxDB | null = null;
  private measurements: { names: string[]; readMs: number } | null = null;

  private constructor(
    private readonly options: InfluxOptions,
    readonly version: ServerVersion,
    readonly writeEndpoint: WriteEndpoint,
    private readonly log: Logger,
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.database = queryDatabaseOf(options);
  }

  /** Detects the server, creates the database or bucket where it may, and returns a ready store. */
  static async connect(options: InfluxOptions, logger: Logger): Promise<InfluxTimeSeriesStore> {
    const log = logger.child({ module: 'influx' });
    // The client logs failed writes to the console by itself; ours surface as StoreWriteError and the
    // batch writer logs them once, so the client's own lines go to debug (a process-wide setting).
    setLogger({ error: (message, err) => log.debug({ err }, message), warn: (message, err) => log.debug({ err }, message) });
    const version = await pingServer(options.url, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const endpoint = !options.writeEndpoint || options.writeEndpoint === 'auto' ? chooseWriteEndpoint(version) : options.writeEndpoint;
    const store = new InfluxTimeSeriesStore(options, version, endpoint, log);
    await store.ensureDatabase();
    log.info({ url: options.url, version: version.raw, writeEndpoint: endpoint, database: store.database }, 'InfluxDB store ready');
    return store;
  }

  async writePoints(points: readonly StoredPoint[]): Promise<void> {
    if (points.length === 0) return;
    const lines = points.map(toLine);
    if (this.writeEndpoint === 'v1') await this.writeV1(lines.join('\n'));
    else await this.writeV2(lines);
  }

  async queryRange(query: RangeQuery): Promise<AggregatedSeries> {
    const field = quoteIdentifier(query.field);
    // InfluxQL cannot OR time ranges: one query per wear interval (a few at a time, so a long history of
    // pool-belt sessions does not flood the server), their buckets added up after.
    const parts = await mapConcurrently(wearWithin(query), QUERIES_IN_FLIGHT, async (wear) => {
      const where = [
        ...tagConditions({ club: query.club, device: wear.device }),
        `time >= ${Math.trunc(wear.fromMs)}ms`,
        `time < ${Math.trunc(wear.toMs)}ms`,
      ];
      // Aggregation happens in the server; fill(none) returns only buckets with data, gaps become null below.
      const influxql =
        `SELECT sum(${field}), count(${field}), min(${field}), max(${field}) FROM ${quoteIdentifier(query.kind)} ` +
        `WHERE ${where.join(' AND ')} GROUP BY time(${Math.trunc(query.bucketMs)}ms) fill(none)`;
      const rows = (await this.query(influxql))[0]?.values ?? [];
      return rows.map(
        ([t, sum, count, min, max]) =>
          [t as number, { sum: sum ?? 0, count: count ?? 0, min: min ?? Number.NaN, max: max ?? Number.NaN }] as const,
      );
    });
    return toDenseSeries(query, mergeBuckets(parts.flat()));
  }

  async countPoints(filter: PointFilter): Promise<number> {
    const series = await this.query(`SELECT sum(${quoteIdentifier(SAMPLE_COUNT_FIELD)}) ${fromWhereOf(filter, await this.storedKinds())}`);
    return series.reduce((total, one) => total + Number(one.values[0]?.[1] ?? 0), 0);
  }

  async firstPointMs(filter: PointFilter): Promise<number | null> {
    // first() answers the time of the earliest point, one series per measurement (kind).
    const series = await this.query(
      `SELECT first(${quoteIdentifier(SAMPLE_COUNT_FIELD)}) ${fromWhereOf(filter, await this.storedKinds())}`,
    );
    const times = series.map((one) => Number(one.values[0]?.[0])).filter((time) => Number.isFinite(time));
    return times.length > 0 ? Math.min(...times) : null;
  }

  async heartRateReadings(range: DeviceRange, limit: number): Promise<HeartRateReading[]> {
    const where = [
      ...tagConditions({ club: range.club, device: range.device }),
      `time >= ${Math.trunc(range.fromMs)}ms`,
      `time < ${Math.trunc(range.toMs)}ms`,
    ];
    // The count field is in every point: a sample without skin contact (no heartRateBpm) still answers.
    const influxql =
      `SELECT heartRateBpm, rrIntervalsMs, ${quoteIdentifier(SAMPLE_COUNT_FIELD)} FROM ${quoteIdentifier('heart_rate')} ` +
      `WHERE ${where.join(' AND ')} ORDER BY time LIMIT ${Math.trunc(limit)}`;
    const rows = (await this.query(influxql))[0]?.values ?? [];
    return rows.map(([time, heartRateBpm, rr]) => {
      const rrIntervalsMs = rrIntervalsOf(rr);
      return {
        timeMs: time as number,
        heartRateBpm: typeof heartRateBpm === 'number' ? heartRateBpm : null,
        ...(rrIntervalsMs ? { rrIntervalsMs } : {}),
      };
    });
  }

  /** GDPR erasure of the points tagged with the athlete. */
  async deleteAthlete(club: string, athlete: string): Promise<void> {
    await this.deletePoints({ club, athlete });
  }

  async deleteDevice(club: string, device: string): Promise<void> {
    await this.deletePoints({ club, device });
  }

  async deleteRange(range: DeviceRange): Promise<void> {
    await this.deletePoints({ club: range.club, device: range.device }, range.fromMs, range.toMs);
  }

  async deleteOlderThan(club: string, beforeMs: number): Promise<void> {
    await this.deletePoints({ club }, 0, beforeMs);
  }

  /**
   * Points with these tags in [fromMs, toMs): InfluxQL DELETE on 1.x, the delete API on 2.x (whose stop is
   * inclusive, hence the millisecond before toMs: the next wearer's first sample may sit exactly at toMs).
   */
  private async deletePoints(
    tags: { club: string; athlete?: string; device?: string },
    fromMs = 0,
    toMs = Date.now() + 86_400_000,
  ): Promise<void> {
    if ((this.version.major ?? 1) >= 2) {
      const url = new URL('/api/v2/delete', this.options.url);
      url.searchParams.set('org', this.options.org ?? '');
      url.searchParams.set('bucket', this.database);
      const predicate = Object.entries(tags)
        .filter(([, value]) => value !== undefined)
        .map(([tag, value]) => `${tag}="${value}"`)
        .join(' AND ');
      const response = await fetch(url, {
        method: 'POST',
        headers: { ...this.authHeaders(), 'content-type': 'application/json' },
        body: JSON.stringify({ start: new Date(fromMs).toISOString(), stop: new Date(toMs - 1).toISOString(), predicate }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) throw new StoreQueryError(`InfluxDB delete answered ${response.status}: ${await response.text()}`);
      return;
    }
    // Without FROM, DELETE covers every measurement (kind).
    const where = [...tagConditions(tags), `time >= ${Math.trunc(fromMs)}ms`, `time < ${Math.trunc(toMs)}ms`];
    await this.query(`DELETE WHERE ${where.join(' AND ')}`, 'POST');
  }

  async readSamples(range: DeviceRange, limit: number): Promise<RawSample[]> {
    const where = [
      ...tagConditions({ club: range.club, device: range.device }),
      `time >= ${Math.trunc(range.fromMs)}ms`,
      `time < ${Math.trunc(range.toMs)}ms`,
    ];
    const series = await this.query(
      `SELECT * FROM ${(await this.storedKinds()).map(quoteIdentifier).join(', ')} WHERE ${where.join(' AND ')} ORDER BY time LIMIT ${Math.trunc(limit)}`,
    );
    const samples: RawSample[] = [];
    for (const one of series) {
      const columns = one.columns ?? [];
      for (const values of one.values ?? []) {
        const fields: RawSample['fields'] = {};
        columns.forEach((column, index) => {
          const value = values[index];
          // Tags and the count field are how points are stored, not what was measured.
          if (column === 'time' || TAGS.has(column) || column === SAMPLE_COUNT_FIELD || value === null || value === undefined) return;
          fields[column] = value as number | string;
        });
        samples.push({ timeMs: values[0] as number, kind: one.name as RawSample['kind'], fields });
      }
    }
    return samples.sort((a, b) => a.timeMs - b.timeMs || a.kind.localeCompare(b.kind)).slice(0, limit);
  }

  async close(): Promise<void> {
    this.client = null;
  }

  private async ensureDatabase(): Promise<void> {
    if (this.version.major === 1) {
      // CREATE DATABASE is idempotent; a user without admin rights gets an error we can live with.
      await this.query(`CREATE DATABASE ${quoteIdentifier(this.database)}`, 'POST').catch((error: unknown) =>
        this.log.warn({ err: error, database: this.database }, 'could not create the database; assuming it exists'),
      );
    } else if (this.version.major === 2) {
      await this.ensureBucket();
    }
    // 3.x creates databases on first write; servers that do not say their version are left as they are.
  }

  private async ensureBucket(): Promise<void> {
    const headers = { ...this.authHeaders(), 'content-type': 'application/json' };
    const find = new URL('/api/v2/buckets', this.options.url);
    find.searchParams.set('name', this.database);
    if (this.options.org) find.searchParams.set('org', this.options.org);
    const found = (await (await fetch(find, { headers, signal: AbortSignal.timeout(this.timeoutMs) })).json()) as { buckets?: unknown[] };
    if (found.buckets?.length) return;
    const orgs = (await (
      await fetch(new URL(`/api/v2/orgs?org=${encodeURIComponent(this.options.org ?? '')}`, this.options.url), { headers })
    ).json()) as {
      orgs?: { id: string }[];
    };
    const orgID = orgs.orgs?.[0]?.id;
    if (!orgID) throw new Error(`InfluxDB organisation "${this.options.org}" not found`);
    const created = await fetch(new URL('/api/v2/buckets', this.options.url), {
      method: 'POST',
      headers,
      body: JSON.stringify({ orgID, name: this.database, retentionRules: [] }),
    });
    if (!created.ok && created.status !== 422)
      throw new Error(`could not create bucket "${this.database}": ${created.status} ${await created.text()}`);
  }

  private authHeaders(): Record<string, string> {
    if (this.options.token) return { authorization: `Token ${this.options.token}` };
    if (this.options.username) {
      return { authorization: `Basic ${Buffer.from(`${this.options.username}:${this.options.password ?? ''}`).toString('base64')}` };
    }
    return {};
  }

  private async writeV1(body: string): Promise<void> {
    const url = new URL('/write', this.options.url);
    url.searchParams.set('db', this.database);
    url.searchParams.set('precision', 'ms');
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers: this.authHeaders(), body, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new StoreWriteError(`InfluxDB unreachable: ${(error as Error).message}`, true, undefined, { cause: error });
    }
    if (response.ok) return;
    const text = await response.text();
    throw new StoreWriteError(
      `InfluxDB /write answered ${response.status}: ${text.slice(0, 300)}`,
      isRetryableStatus(response.status),
      parseRetryAfterMs(response.headers.get('retry-after')),
    );
  }

  private async writeV2(lines: string[]): Promise<void> {
    // 1.8 takes "user:password" as the token and "database" as the bucket.
    const token = this.options.token ?? (this.options.username ? `${this.options.username}:${this.options.password ?? ''}` : undefined);
    this.client ??= new InfluxDB({ url: this.options.url, token, timeout: this.timeoutMs });
    // One write API per batch, sized to it: our batch writer owns batching and retries (with its durable
    // queue), so the client must send everything in one request and never retry or drop on its own.
    const writeApi = this.client.getWriteApi(this.options.org ?? '', this.database, 'ms', {
      batchSize: lines.length + 1,
      maxBufferLines: lines.length + 1,
      flushInterval: 0,
      maxRetries: 0,
      writeFailed: () => {}, // the rejection of close() reports it
    });
    writeApi.writeRecords(lines);
    try {
      await writeApi.close();
    } catch (error) {
      if (error instanceof HttpError) {
        throw new StoreWriteError(
          `InfluxDB /api/v2/write answered ${error.statusCode}: ${error.body?.slice(0, 300) ?? error.message}`,
          isRetryableStatus(error.statusCode),
          parseRetryAfterMs(error.headers?.['retry-after'] as string | undefined),
          { cause: error },
        );
      }
      throw new StoreWriteError(`InfluxDB unreachable: ${(error as Error).message}`, true, undefined, { cause: error });
    }
  }

  /**
   * Every kind to read when a query names none: the ones this process knows, and the measurements the
   * database holds (a plugin uninstalled since still has its samples in archives, counts and erasures).
   */
  private async storedKinds(): Promise<string[]> {
    const nowMs = Date.now();
    if (!this.measurements || nowMs - this.measurements.readMs > MEASUREMENTS_CACHE_MS) {
      const series = await this.query('SHOW MEASUREMENTS').catch(() => []);
      this.measurements = { names: series.flatMap((one) => (one.values ?? []).map((row) => String(row[0]))), readMs: nowMs };
    }
    return [...new Set<string>([...knownSampleKinds(), ...this.measurements.names])];
  }

  private async query(
    influxql: string,
    method: 'GET' | 'POST' = 'GET',
  ): Promise<NonNullable<NonNullable<InfluxQlResponse['results']>[number]['series']>> {
    const url = new URL('/query', this.options.url);
    url.searchParams.set('db', this.database);
    url.searchParams.set('epoch', 'ms');
    url.searchParams.set('q', influxql);
    let response: Response;
    try {
      response = await fetch(url, { method, headers: this.authHeaders(), signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new StoreQueryError(`InfluxDB unreachable: ${(error as Error).message}`, { cause: error });
    }
    const body = (await response.json().catch(() => ({}))) as InfluxQlResponse;
    const error = body.error ?? body.results?.[0]?.error;
    if (!response.ok || error)
      throw new StoreQueryError(`InfluxQL failed (${response.status}): ${error ?? 'no body'} — ${influxql.slice(0, 200)}`);
    return body.results?.[0]?.series ?? [];
  }
}

/** The FROM and WHERE of a point filter: its kinds as measurements, its tags, its time range. */
function fromWhereOf(filter: PointFilter, everyKind: readonly string[]): string {
  const kinds: readonly string[] = filter.kind ? [filter.kind] : everyKind;
  const where = tagConditions({ club: filter.club, athlete: filter.athlete, device: filter.device });
  if (filter.fromMs !== undefined) where.push(`time >= ${Math.trunc(filter.fromMs)}ms`);
  if (filter.toMs !== undefined) where.push(`time < ${Math.trunc(filter.toMs)}ms`);
  return `FROM ${kinds.map(quoteIdentifier).join(', ')} WHERE ${where.join(' AND ')}`;
}

/** Wear intervals queried at once for one history. */
const QUERIES_IN_FLIGHT = 4;

/** fn over every item, at most `limit` at a time, results in the items' order. */
async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
