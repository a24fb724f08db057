import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { openStores } from '../../cli/open-stores.ts';
import type { StoreConfig } from '../../store/store-config.ts';
import { freePort } from '../helpers/free-port.ts';
import { hasInfluxd, startInfluxd } from '../helpers/influxd.ts';
import { startIngestProcess } from '../helpers/ingest-process.ts';
import { hasMosquitto, startMosquitto } from '../helpers/mosquitto.ts';
import { hasPostgres, startPostgres } from '../helpers/postgres.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { publishSteadily } from '../helpers/steady-telemetry.ts';
import { waitFor } from '../helpers/wait-for.ts';

const MESSAGES = 600;
const SAMPLES = 5;

/** A worker's count of accepted messages, from its /metrics (0 until it serves them). */
async function accepted(metricsPort: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => null);
  if (!response) return 0;
  const text = await response.text();
  const line = text.split('\n').find((candidate) => candidate.startsWith('sc_ingest_messages_accepted_total'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

interface Topology {
  name: string;
  available: () => boolean;
  start(): Promise<{ dataDirs: string[]; env: Record<string, string>; dispose(): Promise<void> }>;
}

const oneHost: Topology = {
  name: 'on one host, sharing a data folder',
  available: () => true,
  async start() {
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-share-group-'));
    return { dataDirs: [dataDir, dataDir, dataDir], env: {}, dispose: async () => {} };
  },
};

const hostEach: Topology = {
  name: 'a host each: the registry on PostgreSQL, the samples in InfluxDB',
  available: () => hasPostgres() && hasInfluxd(),
  async start() {
    const [postgres, influxd] = await Promise.all([startPostgres(), startInfluxd()]);
    return {
      dataDirs: [0, 1, 2].map((index) => mkdtempSync(join(tmpdir(), `sc-worker-${index}-`))),
      env: {
        DATABASE_URL: await postgres.createDatabase('workers'),
        STORE: 'influxdb',
        INFLUX_URL: influxd.url,
        INFLUX_DATABASE: 'workers',
      },
      async dispose() {
        await Promise.all([postgres.dispose(), influxd.dispose()]);
      },
    };
  },
};

// Three `sport-connect ingest` workers on one Mosquitto shared subscription under a steady load; one dies
// (SIGKILL), one is stopped (SIGTERM), both come back as an orchestrator would restart them. Every sample
// is stored, once, and tagged with its wearer from the pairing log the workers read from the registry.
describe.each([oneHost, hostEach])('ingest workers on a shared subscription, $name', (topology) => {
  it.skipIf(!hasMosquitto() || !topology.available())(
    'split the load, and lose nothing when one is killed and another stopped under load',
    async () => {
      const broker = await startMosquitto();
      const deployment = await topology.start();
      const startMs = Date.now() - 3_600_000;
      const stores = await openStores(
        deployment.dataDirs[0]!,
        { STORE: 'sqlite', INFLUX_WRITE_API: 'auto', ...deployment.env } as StoreConfig,
        testLogger,
      );
      stores.registry.upsertClub('share-club', 'Share club');
      stores.registry.createAthlete('share-club', { id: 'ann', name: 'Ann' });
      stores.registry.createDevice('share-club', { id: 'strap-0', profile: 'heart_rate' });
      stores.registry.pairDevice('share-club', 'strap-0', 'ann', startMs - 60_000);
      const ports = [await freePort(), await freePort(), await freePort()];
      const envOf = (index: number) => ({
        ...deployment.env,
        DATA_DIR: deployment.dataDirs[index]!,
        MQTT_URL: broker.url,
        INGEST_CLIENT_ID: `worker-${index}`,
        INGEST_SHARE_GROUP: 'ingest',
        INGEST_METRICS_PORT: String(ports[index]),
        INGEST_FLUSH_INTERVAL: '100',
      });
      const workers = await Promise.all([0, 1, 2].map((index) => startIngestProcess(envOf(index))));
      const gateway = await mqtt.connectAsync(broker.url, { clientId: 'gw-share-group' });
      try {
        const publishing = publishSteadily(gateway, { club: 'share-club', messages: MESSAGES, straps: SAMPLES, startMs, pauseMs: 10 });
        // With all three up, each takes a part.
        await waitFor(
          async () => {
            for (const [index, worker] of workers.entries())
              if (worker.child.exitCode !== null) throw new Error(`worker ${index} exited:\n${worker.log()}`);
            return (await Promise.all(ports.map(accepted))).every((count) => count > 0);
          },
          { what: 'every worker at work' },
        );
        await workers[0]!.kill();
        await workers[1]!.stop();
        await new Promise((resolve) => setTimeout(resolve, 1000));
        workers[0] = await startIngestProcess(envOf(0));
        workers[1] = await startIngestProcess(envOf(1));
        await publishing;
        await waitFor(async () => (await stores.timeSeries.countPoints({ club: 'share-club' })) >= MESSAGES * SAMPLES, {
          what: 'every sample stored',
          timeoutMs: 60_000,
        });
        // Stored once: samples are keyed by device, kind and time, and none is missing or extra.
        expect(await stores.timeSeries.countPoints({ club: 'share-club' })).toBe(MESSAGES * SAMPLES);
        expect(await stores.timeSeries.countPoints({ club: 'share-club', athlete: 'ann' })).toBe(MESSAGES);
      } finally {
        await gateway.endAsync();
        for (const worker of workers) await worker.stop();
        await stores.close();
        await broker.dispose();
        await deployment.dispose();
      }
    },
  );
});
