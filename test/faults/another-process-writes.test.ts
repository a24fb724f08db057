import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';
import { Registry as MetricsRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DATABASE_FILE, openStores } from '../../cli/open-stores.ts';
import { IngestService } from '../../ingest/ingest-service.ts';
import { useEmbeddedBroker } from '../helpers/emulated-gateway.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

// Another process (the API with its logins, sessions and erasures) writes to the same SQLite file and
// holds its write lock for a moment: ingest's commits wait for it instead of failing and reconnecting.
const HOLDER = `
  const Database = require('better-sqlite3');
  const db = new Database(process.argv[1]);
  db.pragma('busy_timeout = 5000');
  const lines = require('node:readline').createInterface({ input: process.stdin });
  console.log('ready');
  lines.once('line', () => {
    db.prepare('BEGIN IMMEDIATE').run();
    db.prepare("UPDATE change_counters SET value = value + 0 WHERE name = 'pairings'").run();
    console.log('locked');
    setTimeout(() => { db.prepare('COMMIT').run(); console.log('released'); db.close(); }, 1500);
  });
`;

describe('another process writing to the SQLite file', () => {
  const brokerUrl = useEmbeddedBroker();

  it('makes ingest wait for the write lock, not fail its commits and reconnect', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-two-writers-'));
    const stores = await openStores(dataDir, { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, testLogger);
    const holder = spawn(process.execPath, ['-e', HOLDER, join(dataDir, DATABASE_FILE)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const said = createInterface({ input: holder.stdout! });
    const heard = (line: string) => new Promise<void>((resolve) => said.on('line', (text) => text === line && resolve()));
    const ingest = new IngestService(
      {
        MQTT_URL: brokerUrl(),
        INGEST_CLIENT_ID: 'sc-ingest-two-writers',
        INGEST_BATCH_SIZE: 5000,
        INGEST_FLUSH_INTERVAL: 50,
        INGEST_QUEUE_MAX_POINTS: 100_000,
      },
      { ...stores, metricsRegistry: new MetricsRegistry(), logger: testLogger },
    );
    const gateway = await mqtt.connectAsync(brokerUrl(), { clientId: 'gw-two-writers' });
    try {
      await heard('ready');
      await ingest.start();
      const locked = heard('locked');
      holder.stdin!.write('go\n');
      await locked;
      const released = heard('released');
      const startMs = Date.now() - 60_000;
      for (let seq = 0; seq < 20; seq++)
        await gateway.publishAsync(
          'sc/v1/two-writers/gw/telemetry',
          JSON.stringify({
            v: 1,
            gateway: 'gw',
            seq,
            sentAtMs: Date.now(),
            samples: [{ device: 'strap', timeMs: startMs + seq * 1000, kind: 'heart_rate', values: { heartRateBpm: 100 + seq } }],
          }),
          { qos: 1 },
        );
      await released;
      await waitFor(async () => (await stores.timeSeries.countPoints({ club: 'two-writers' })) === 20, { what: 'all 20 stored' });
      expect((await ingest.metrics.brokerConnects.get()).values[0]?.value).toBe(1);
    } finally {
      holder.kill();
      await gateway.endAsync();
      await ingest.stop();
      await stores.close();
    }
  });
});
