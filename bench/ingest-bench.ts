/**
 * Bench 1: ingest throughput, whole pipeline (gateways in their own process → broker → ingest → store)
 * against what the store takes directly in the same run: raw line protocol into the same influxd, and
 * batched inserts into a SQLite store. With Debian's Mosquitto and `sport-connect ingest`, and with
 * `sport-connect up` (embedded broker). Ingest's memory is sampled through the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores } from '../cli/open-stores.ts';
import { brokerUrlWith } from '../protocol/mqtt/access.ts';
import { InfluxTimeSeriesStore } from '../store/influx/influx-time-series-store.ts';
import type { StoredPoint, TimeSeriesStore } from '../store/time-series-store.ts';
import { freePort } from '../test/helpers/free-port.ts';
import type { RunningInfluxd } from '../test/helpers/influxd.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import {
  cpuSeconds,
  metricValue,
  progress,
  quietLogger,
  type RunningChild,
  round,
  rssMb,
  sleep,
  startPublisher,
  startSportConnect,
} from './lib.ts';
import { probeBpm } from './probe-bpm.ts';

const GATEWAYS = 4;
const DEVICES_PER_GATEWAY = 20;
const WRITE_BATCH = 5000;
const METRICS_TOKEN = 'bench-metrics-token-0123456789';

export interface ThroughputRun {
  label: string;
  samples: number;
  seconds: number;
  samplesPerSecond: number;
  /** Against the baseline of the same store in the same run. */
  ratio?: number;
  /** Ingest's resident memory at each quarter of the samples stored (flat: no growth with samples stored), and its peak. */
  rssMb?: { quarters: number[]; peak: number };
  /**
   * CPU seconds per million samples: of ingest (or `up`), and of the bench's gateways. Steadier than
   * samples/s on a shared machine, and what a federation pays for.
   */
  cpuSecondsPerMillion?: { ingest: number; gateways: number };
}

interface Plan {
  messagesPerGateway: number;
  startMs: number;
}

const devicesOf = (gateway: number) => Array.from({ length: DEVICES_PER_GATEWAY }, (_, i) => `hr-${gateway}-${i}`);

/** The samples the publisher sends, as the points a store receives (for the direct baselines). */
function pointsOf(club: string, plan: Plan): StoredPoint[] {
  const points: StoredPoint[] = [];
  for (let gateway = 0; gateway < GATEWAYS; gateway++)
    for (let seq = 0; seq < plan.messagesPerGateway; seq++)
      devicesOf(gateway).forEach((device, index) => {
        const bpm = probeBpm(index, seq);
        points.push({
          club,
          device,
          athlete: null,
          kind: 'heart_rate',
          timeMs: plan.startMs + seq * 1000,
          fields: { heartRateBpm: bpm, contact: 1, rrIntervalsMs: String(Math.round((60_000 / bpm) * 10) / 10) },
        });
      });
  return points;
}

async function timed(label: string, samples: number, run: () => Promise<void>): Promise<ThroughputRun> {
  progress(`${label}: ${samples.toLocaleString('en')} samples…`);
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  const result = { label, samples, seconds: round(seconds, 2), samplesPerSecond: Math.round(samples / seconds) };
  progress(`${label}: ${result.samplesPerSecond.toLocaleString('en')} samples/s`);
  return result;
}

async function rawLineProtocol(influxUrl: string, database: string, points: readonly StoredPoint[]): Promise<void> {
  await fetch(`${influxUrl}/query?q=${encodeURIComponent(`CREATE DATABASE "${database}"`)}`, { method: 'POST' });
  const lines = points.map((point) => {
    const fields = Object.entries(point.fields)
      .map(([name, value]) => (typeof value === 'number' ? `${name}=${value}` : `${name}="${value}"`))
      .join(',');
    return `${point.kind},club=${point.club},device=${point.device} samples=1,${fields} ${point.timeMs}`;
  });
  for (let i = 0; i < lines.length; i += WRITE_BATCH) {
    const response = await fetch(`${influxUrl}/write?db=${database}&precision=ms`, {
      method: 'POST',
      body: lines.slice(i, i + WRITE_BATCH).join('\n'),
    });
    if (!response.ok) throw new Error(`baseline write failed: ${response.status} ${await response.text()}`);
  }
}

async function directWrites(store: TimeSeriesStore, points: readonly StoredPoint[]): Promise<void> {
  for (let i = 0; i < points.length; i += WRITE_BATCH) await store.writePoints(points.slice(i, i + WRITE_BATCH));
}

/**
 * Publishes the plan through `gatewayUrls` and waits until ingest says every sample is stored (its
 * counter at `metricsUrl`), sampling ingest's memory; then checks the store holds every sample.
 */
async function throughPipeline(options: {
  label: string;
  plan: Plan;
  club: string;
  gatewayUrls: string[];
  ingest: RunningChild;
  metricsUrl: string;
  metricsHeaders?: Record<string, string>;
  countStored: () => Promise<number>;
}): Promise<ThroughputRun> {
  const { plan } = options;
  const publisher = await startPublisher({
    mode: 'backlog',
    qos: 1,
    messages: plan.messagesPerGateway,
    window: 200,
    gateways: options.gatewayUrls.map((url, gateway) => ({
      url,
      club: options.club,
      gateway: `gw-${gateway}`,
      devices: devicesOf(gateway),
    })),
  });
  const total = GATEWAYS * DEVICES_PER_GATEWAY * plan.messagesPerGateway;
  const rss = { quarters: [] as number[], peak: 0 };
  const cpuBefore = cpuSeconds(options.ingest.pid);
  const cpu = { ingest: 0, gateways: 0 };
  const result = await timed(options.label, total, async () => {
    const publishing = publisher.go();
    let lastReport = 0;
    for (;;) {
      const stored = await metricValue(options.metricsUrl, 'sc_ingest_samples_stored_total', options.metricsHeaders);
      const memory = rssMb(options.ingest.pid);
      rss.peak = Math.max(rss.peak, memory);
      while (rss.quarters.length < 3 && stored >= ((rss.quarters.length + 1) * total) / 4) rss.quarters.push(memory);
      if (stored >= total) break;
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        progress(`${options.label}: ${Math.round((100 * stored) / total)} % stored, ingest RSS ${memory} MB`);
      }
      await sleep(50);
    }
    rss.quarters.push(rssMb(options.ingest.pid));
    cpu.ingest = cpuSeconds(options.ingest.pid) - cpuBefore;
    cpu.gateways = (await publishing).cpuSeconds;
  });
  const stored = await options.countStored();
  if (stored !== total) throw new Error(`${options.label}: ${total} samples published, ${stored} stored`);
  const perMillion = (seconds: number) => round((seconds * 1e6) / total, 1);
  return { ...result, rssMb: rss, cpuSecondsPerMillion: { ingest: perMillion(cpu.ingest), gateways: perMillion(cpu.gateways) } };
}

async function seedGateways(dataDir: string, club: string): Promise<{ username: string; password: string }[]> {
  const stores = await openStores(dataDir, { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, quietLogger);
  try {
    stores.registry.upsertClub(club, 'Bench club');
    return Array.from({ length: GATEWAYS }, (_, gateway) => stores.mqttAccounts.issueGateway(club, `gw-${gateway}`));
  } finally {
    await stores.close();
  }
}

/** `sport-connect up` on a fresh data folder, its gateways' logins issued beforehand. */
async function startUp(env: Record<string, string>, club: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-bench-up-'));
  const credentials = await seedGateways(dataDir, club);
  const [port, mqttPort] = [await freePort(), await freePort()];
  const up = await startSportConnect(
    'up',
    { DATA_DIR: dataDir, PORT: String(port), MQTT_PORT: String(mqttPort), SIM_ATHLETES: '0', METRICS_TOKEN, ...env },
    'Sport Connect is up',
  );
  return {
    up,
    dataDir,
    gatewayUrls: credentials.map((login) => brokerUrlWith(`mqtt://127.0.0.1:${mqttPort}`, login)),
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    async dispose() {
      await up.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function benchIngest(influxd: RunningInfluxd, quick: boolean): Promise<ThroughputRun[]> {
  // Full: 1.6 million samples a run, long enough for memory to show whether it grows with samples stored.
  const plan: Plan = { messagesPerGateway: quick ? 500 : 20_000, startMs: 0 };
  plan.startMs = Date.now() - plan.messagesPerGateway * 1000 - 120_000;
  const runs: ThroughputRun[] = [];
  /** One pipeline's run of the plan into club "bench", with its speed as a ratio of the baseline's. */
  const measure = async (
    baseline: ThroughputRun,
    pipeline: Omit<Parameters<typeof throughPipeline>[0], 'plan' | 'club'>,
  ): Promise<ThroughputRun> => {
    const run = await throughPipeline({ ...pipeline, plan, club: 'bench' });
    return { ...run, ratio: round(run.samplesPerSecond / baseline.samplesPerSecond, 2) };
  };
  const influxStore = (database: string) => InfluxTimeSeriesStore.connect({ url: influxd.url, database }, quietLogger);

  const raw = await timed(
    'InfluxDB 1.6: raw line protocol to /write (baseline)',
    GATEWAYS * DEVICES_PER_GATEWAY * plan.messagesPerGateway,
    () => rawLineProtocol(influxd.url, 'bench_raw', pointsOf('raw', plan)),
  );

  // Debian's Mosquitto and `sport-connect ingest`, as a federation would deploy them: with the registry in
  // its data folder, and on PostgreSQL (where each group of messages asks it whether pairings changed).
  const viaMosquitto = async (label: string, database: string, env: Record<string, string>): Promise<ThroughputRun> => {
    // As deploy/mosquitto/mosquitto.conf has it.
    const mosquitto = await startMosquitto({ extraConfig: ['max_inflight_messages 200'] });
    const ingestDir = mkdtempSync(join(tmpdir(), 'sc-bench-ingest-'));
    const metricsPort = await freePort();
    const ingest = await startSportConnect(
      'ingest',
      {
        DATA_DIR: ingestDir,
        MQTT_URL: mosquitto.url,
        STORE: 'influxdb',
        INFLUX_URL: influxd.url,
        INFLUX_DATABASE: database,
        INGEST_METRICS_PORT: String(metricsPort),
        ...env,
      },
      'ingest subscribed',
    );
    try {
      const store = await influxStore(database);
      return await measure(raw, {
        label,
        gatewayUrls: Array.from({ length: GATEWAYS }, () => mosquitto.url),
        ingest,
        metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
        countStored: () => store.countPoints({ club: 'bench' }),
      });
    } finally {
      await ingest.stop();
      await mosquitto.dispose();
      rmSync(ingestDir, { recursive: true, force: true });
    }
  };
  runs.push(await viaMosquitto('InfluxDB 1.6: gateways → Mosquitto → sport-connect ingest', 'bench_mosquitto', {}));
  const postgres = await startPostgres();
  try {
    const DATABASE_URL = await postgres.createDatabase('bench');
    runs.push(
      await viaMosquitto('InfluxDB 1.6: gateways → Mosquitto → sport-connect ingest, registry on PostgreSQL', 'bench_mosquitto_pg', {
        DATABASE_URL,
      }),
    );
  } finally {
    await postgres.dispose();
  }

  // Everything in one process: `sport-connect up` with its embedded broker.
  const upInflux = await startUp({ STORE: 'influxdb', INFLUX_URL: influxd.url, INFLUX_DATABASE: 'bench_up' }, 'bench');
  try {
    const store = await influxStore('bench_up');
    runs.push(
      await measure(raw, {
        label: 'InfluxDB 1.6: gateways → sport-connect up (embedded broker)',
        gatewayUrls: upInflux.gatewayUrls,
        ingest: upInflux.up,
        metricsUrl: upInflux.metricsUrl,
        metricsHeaders: { authorization: `Bearer ${METRICS_TOKEN}` },
        countStored: () => store.countPoints({ club: 'bench' }),
      }),
    );
  } finally {
    await upInflux.dispose();
  }
  runs.push(raw);

  // The default store: SQLite, against batched inserts into a SQLite store of the bench's own.
  const sqliteDir = mkdtempSync(join(tmpdir(), 'sc-bench-sqlite-'));
  const direct = await openStores(sqliteDir, { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, quietLogger);
  const sqliteBaseline = await timed('SQLite: batched inserts (baseline)', GATEWAYS * DEVICES_PER_GATEWAY * plan.messagesPerGateway, () =>
    directWrites(direct.timeSeries, pointsOf('direct', plan)),
  );
  await direct.close();
  rmSync(sqliteDir, { recursive: true, force: true });
  const upSqlite = await startUp({}, 'bench');
  try {
    runs.push(
      await measure(sqliteBaseline, {
        label: 'SQLite: gateways → sport-connect up (embedded broker)',
        gatewayUrls: upSqlite.gatewayUrls,
        ingest: upSqlite.up,
        metricsUrl: upSqlite.metricsUrl,
        metricsHeaders: { authorization: `Bearer ${METRICS_TOKEN}` },
        // Read beside the running `up` (SQLite's WAL lets a reader in).
        countStored: async () => {
          const stores = await openStores(upSqlite.dataDir, { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, quietLogger);
          try {
            return await stores.timeSeries.countPoints({ club: 'bench' });
          } finally {
            await stores.close();
          }
        },
      }),
      sqliteBaseline,
    );
  } finally {
    await upSqlite.dispose();
  }
  return runs;
}
