import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { runSimulation } from '../../simulators/run-simulation.ts';
import { InfluxTimeSeriesStore } from '../../store/influx/influx-time-series-store.ts';
import { hasInfluxd, type RunningInfluxd, startInfluxd } from '../helpers/influxd.ts';
import { startIngestProcess } from '../helpers/ingest-process.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe.skipIf(!hasInfluxd())('ingest killed with SIGKILL mid-batch, then restarted', () => {
  let influxd: RunningInfluxd;
  let broker: EmbeddedBroker;
  let dataDir: string;

  beforeAll(async () => {
    influxd = await startInfluxd();
    broker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1', logger: testLogger });
    dataDir = mkdtempSync(join(tmpdir(), 'sc-kill-'));
  });
  afterAll(async () => {
    await broker?.close();
    await influxd?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses nothing and doubles nothing: the broker redelivers, the queue replays, writes overwrite', async () => {
    const env = {
      MQTT_URL: `mqtt://127.0.0.1:${broker.port}`,
      DATA_DIR: dataDir,
      STORE: 'influxdb',
      INFLUX_URL: influxd.url,
      INFLUX_DATABASE: 'club',
      INGEST_BATCH_SIZE: '500',
      INGEST_FLUSH_INTERVAL: '50ms',
    };
    const first = await startIngestProcess(env);
    const store = await InfluxTimeSeriesStore.connect({ url: influxd.url, database: 'club' }, testLogger);
    const count = () => store.countPoints({ club: 'big-club' });

    // A big backlog (100 members × 3 minutes) arrives at once; ingest is killed while writing it.
    const simulation = runSimulation({
      brokerUrl: env.MQTT_URL,
      club: 'big-club',
      gateway: 'gw',
      athletes: 100,
      seed: 9,
      durationMs: 180_000,
      pace: 'fast',
      logger: testLogger,
    });
    await waitFor(async () => (await count()) > 1000, { what: 'a first part stored', intervalMs: 20 });
    await first.kill();
    const atKill = await count();
    const { published } = await simulation;
    expect(atKill).toBeLessThan(published);

    const second = await startIngestProcess(env);
    try {
      await waitFor(async () => (await count()) === published, { timeoutMs: 60_000, what: 'every sample stored after the restart' });
      await new Promise((resolve) => setTimeout(resolve, 1000)); // anything left would land now
      expect(await count()).toBe(published);
    } finally {
      await second.kill();
      await store.close();
    }
  }, 120_000);
});
