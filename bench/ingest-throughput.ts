/**
 * npm run bench — how fast the whole ingest path stores a class, as a ratio against a baseline run in
 * this same process on the same store: raw line protocol into the same InfluxDB, and direct batched
 * inserts into the same SQLite store. Ratios, not absolute speeds: these machines are shared and noisy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry as MetricsRegistry } from 'prom-client';
import { startEmbeddedBroker } from '../broker/embedded-broker.ts';
import { IngestService } from '../ingest/ingest-service.ts';
import type { Sample } from '../protocol/mqtt/telemetry.ts';
import { SimulatedClass } from '../simulators/simulated-class.ts';
import { VirtualGateway } from '../simulators/virtual-gateway.ts';
import { openDatabase } from '../store/database.ts';
import { DeadLetters } from '../store/dead-letters.ts';
import { InfluxTimeSeriesStore } from '../store/influx/influx-time-series-store.ts';
import { Registry } from '../store/registry.ts';
import { toStoredFields } from '../store/sample-fields.ts';
import { SqliteTimeSeriesStore } from '../store/sqlite-time-series-store.ts';
import type { StoredPoint, TimeSeriesStore } from '../store/time-series-store.ts';
import { startInfluxd } from '../test/helpers/influxd.ts';

const log = pino({ level: 'info' }, pino.destination(2));
const quiet = pino({ level: 'error' }, pino.destination(2));
const ATHLETES = 20;
const CLASS_S = 45 * 60;
const BATCH = 5000;

/** A 45-minute class of 20, one telemetry message per second as a gateway would send it. */
function generateClass(): Sample[][] {
  const startMs = Math.floor(Date.now() / 1000) * 1000 - CLASS_S * 1000 - 60_000;
  const simulated = new SimulatedClass({ athletes: ATHLETES, seed: 1, startMs });
  return Array.from({ length: CLASS_S }, (_, s) => simulated.tick(startMs + (s + 1) * 1000));
}

const toPoints = (club: string, samples: Sample[]): StoredPoint[] =>
  samples.map((sample) => ({
    club,
    device: sample.device,
    athlete: null,
    kind: sample.kind,
    timeMs: sample.timeMs,
    fields: toStoredFields(sample),
  }));

async function timed(
  label: string,
  run: () => Promise<number>,
): Promise<{ label: string; samples: number; seconds: number; perSecond: number }> {
  log.info({ run: label }, 'running');
  const started = process.hrtime.bigint();
  const samples = await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result = { label, samples, seconds: Math.round(seconds * 100) / 100, perSecond: Math.round(samples / seconds) };
  log.info(result, 'done');
  return result;
}

async function baselineDirect(store: TimeSeriesStore, club: string, messages: Sample[][]): Promise<number> {
  const points = toPoints(club, messages.flat());
  for (let i = 0; i < points.length; i += BATCH) await store.writePoints(points.slice(i, i + BATCH));
  return points.length;
}

async function baselineLineProtocol(influxUrl: string, database: string, messages: Sample[][]): Promise<number> {
  await fetch(`${influxUrl}/query?q=${encodeURIComponent(`CREATE DATABASE "${database}"`)}`, { method: 'POST' });
  const lines = messages.flat().map((sample) => {
    const fields = Object.entries(toStoredFields(sample))
      .map(([name, value]) => (typeof value === 'number' ? `${name}=${value}` : `${name}="${value}"`))
      .join(',');
    return `${sample.kind},club=raw,device=${sample.device} samples=1,${fields} ${sample.timeMs}`;
  });
  for (let i = 0; i < lines.length; i += BATCH) {
    const response = await fetch(`${influxUrl}/write?db=${database}&precision=ms`, {
      method: 'POST',
      body: lines.slice(i, i + BATCH).join('\n'),
    });
    if (!response.ok) throw new Error(`baseline write failed: ${response.status}`);
  }
  return lines.length;
}

/** Gateway → embedded broker → ingest (validate, queue, batch) → store, until every sample is stored. */
async function throughPipeline(store: TimeSeriesStore, club: string, messages: Sample[][]): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-bench-'));
  const db = openDatabase(join(dataDir, 'bench.db'));
  const broker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1', logger: quiet });
  const url = `mqtt://127.0.0.1:${broker.port}`;
  const ingest = new IngestService(
    {
      MQTT_URL: url,
      INGEST_CLIENT_ID: `bench-${club}`,
      INGEST_BATCH_SIZE: BATCH,
      INGEST_FLUSH_INTERVAL: 200,
      INGEST_QUEUE_MAX_POINTS: 10_000_000,
    },
    {
      db,
      registry: new Registry(db),
      timeSeries: store,
      deadLetters: new DeadLetters(db),
      metricsRegistry: new MetricsRegistry(),
      logger: quiet,
    },
  );
  await ingest.start();
  const gateway = new VirtualGateway({ brokerUrl: url, club, gateway: 'bench' });
  await gateway.connect();
  const total = messages.reduce((sum, message) => sum + message.length, 0);
  const inFlight = new Set<Promise<unknown>>();
  for (const message of messages) {
    const sending = gateway.publishSamples(message).finally(() => inFlight.delete(sending));
    inFlight.add(sending);
    if (inFlight.size >= 32) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  while ((await store.countPoints({ club })) < total) await new Promise((resolve) => setTimeout(resolve, 20));
  await gateway.close();
  await ingest.stop();
  await broker.close();
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
  return total;
}

const messages = generateClass();
log.info({ samples: messages.flat().length, messages: messages.length }, 'generated a 45-minute class of 20');
const results = [];

const sqliteDir = mkdtempSync(join(tmpdir(), 'sc-bench-sqlite-'));
const sqlite = new SqliteTimeSeriesStore(openDatabase(join(sqliteDir, 'samples.db')));
const sqliteBaseline = await timed('SQLite: direct batched writes (baseline)', () => baselineDirect(sqlite, 'sqlite-direct', messages));
const sqlitePipeline = await timed('SQLite: gateway → MQTT → ingest → store', () => throughPipeline(sqlite, 'sqlite-pipeline', messages));
results.push({ ...sqlitePipeline, ratio: Math.round((sqlitePipeline.perSecond / sqliteBaseline.perSecond) * 100) / 100 }, sqliteBaseline);
rmSync(sqliteDir, { recursive: true, force: true });

const influxd = await startInfluxd();
try {
  const influx = await InfluxTimeSeriesStore.connect({ url: influxd.url, database: 'bench' }, quiet);
  const influxBaseline = await timed('InfluxDB 1.6: raw line protocol to /write (baseline)', () =>
    baselineLineProtocol(influxd.url, 'bench_raw', messages),
  );
  const influxPipeline = await timed('InfluxDB 1.6: gateway → MQTT → ingest → store', () =>
    throughPipeline(influx, 'influx-pipeline', messages),
  );
  results.push({ ...influxPipeline, ratio: Math.round((influxPipeline.perSecond / influxBaseline.perSecond) * 100) / 100 }, influxBaseline);
} finally {
  await influxd.dispose();
}

console.log('\n| run | samples | seconds | samples/s | vs baseline |\n| --- | ---: | ---: | ---: | ---: |');
for (const r of results)
  console.log(`| ${r.label} | ${r.samples} | ${r.seconds} | ${r.perSecond} | ${'ratio' in r ? `${r.ratio}×` : '1×'} |`);
