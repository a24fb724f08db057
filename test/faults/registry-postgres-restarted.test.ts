import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { openStores } from '../../cli/open-stores.ts';
import { hashPassword } from '../../store/secrets.ts';
import { logIn, startApiProcess } from '../helpers/api-process.ts';
import { freePort } from '../helpers/free-port.ts';
import { startIngestProcess } from '../helpers/ingest-process.ts';
import { hasMosquitto, startMosquitto } from '../helpers/mosquitto.ts';
import { hasPostgres, startPostgres } from '../helpers/postgres.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { publishSteadily } from '../helpers/steady-telemetry.ts';
import { waitFor } from '../helpers/wait-for.ts';

const MESSAGES = 300;
const SAMPLES = 3;
const COACH = { email: 'coach@outage.sport-connect.invalid', password: 'outage-coach-password-1' };

// The registry's PostgreSQL goes away for a few seconds (a fast shutdown: every connection cut) while
// ingest takes a steady load and the API serves a logged-in coach, then comes back.
describe.skipIf(!hasMosquitto() || !hasPostgres())('the registry’s PostgreSQL restarted under ingest and the API', () => {
  it('holds messages unacknowledged while it is away and stores every one with its wearer after; the API answers 503 meanwhile and keeps its logins', async () => {
    const broker = await startMosquitto();
    const postgres = await startPostgres();
    const databaseUrl = await postgres.createDatabase('outage');
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-registry-outage-'));
    const stores = await openStores(dataDir, { STORE: 'sqlite', INFLUX_WRITE_API: 'auto', DATABASE_URL: databaseUrl }, testLogger);
    const startMs = Date.now() - 3_600_000;
    stores.registry.upsertClub('outage-club', 'Outage club');
    stores.registry.createAthlete('outage-club', { id: 'ann', name: 'Ann' });
    stores.registry.createDevice('outage-club', { id: 'strap-0', profile: 'heart_rate' });
    stores.registry.pairDevice('outage-club', 'strap-0', 'ann', startMs - 60_000);
    const coach = stores.accounts.createUser({ email: COACH.email, name: 'Coach', passwordHash: await hashPassword(COACH.password) });
    stores.accounts.setMembership(coach.id, { club: 'outage-club', role: 'coach', athlete: null });

    const ingestMetricsPort = await freePort();
    const ingest = await startIngestProcess({
      DATA_DIR: dataDir,
      MQTT_URL: broker.url,
      DATABASE_URL: databaseUrl,
      INGEST_FLUSH_INTERVAL: '100',
      INGEST_METRICS_PORT: String(ingestMetricsPort),
    });
    const ingestHealth = async () =>
      (await (await fetch(`http://127.0.0.1:${ingestMetricsPort}/health/ready`)).json()) as { status: string };
    const api = await startApiProcess({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'sc-registry-outage-api-')),
      MQTT_URL: broker.url,
      DATABASE_URL: databaseUrl,
    });
    const gateway = await mqtt.connectAsync(broker.url, { clientId: 'gw-registry-outage' });
    try {
      const cookie = await logIn(api.url, COACH);
      const me = () => fetch(`${api.url}/api/v1/auth/me`, { headers: { cookie } });

      let published = 0;
      const publishing = publishSteadily(gateway, {
        club: 'outage-club',
        messages: MESSAGES,
        straps: SAMPLES,
        startMs,
        pauseMs: 15,
        onPublished: (count) => {
          published = count;
        },
      });

      await waitFor(async () => published >= MESSAGES / 4, { what: 'a quarter published' });
      await postgres.stop();
      // Away: the API says so, with the code a client can act on, and is not ready; ingest acknowledges nothing it could not tag.
      const away = await me();
      expect(away.status).toBe(503);
      expect(((await away.json()) as { code: string }).code).toBe('SC_ERR_REGISTRY_UNAVAILABLE');
      const readiness = await fetch(`${api.url}/health/ready`);
      expect(readiness.status).toBe(503);
      expect(((await readiness.json()) as { status: string }).status).toBe('registry unreachable');
      expect((await fetch(`${api.url}/health/live`)).status).toBe(200);
      // Ingest says why it is not ready, and holds what arrives (unacknowledged) rather than storing it untagged.
      await waitFor(async () => (await ingestHealth()).status === 'registry unreachable', {
        what: 'ingest not ready without its registry',
      });
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await postgres.start();

      await publishing;
      await waitFor(async () => (await stores.timeSeries.countPoints({ club: 'outage-club' })) >= MESSAGES * SAMPLES, {
        what: 'every sample stored',
        timeoutMs: 60_000,
      });
      expect(await stores.timeSeries.countPoints({ club: 'outage-club' })).toBe(MESSAGES * SAMPLES);
      expect(await stores.timeSeries.countPoints({ club: 'outage-club', athlete: 'ann' })).toBe(MESSAGES);
      // Back: the same login, no restart of the API.
      expect(api.child.exitCode, api.log()).toBeNull();
      expect(ingest.child.exitCode, ingest.log()).toBeNull();
      expect(ingest.log()).toContain('leaving them unacknowledged');
      expect((await ingestHealth()).status).toBe('ok');
      await waitFor(async () => (await me()).status === 200, { what: 'the login valid again' });
      expect((await fetch(`${api.url}/health/ready`)).status).toBe(200);
    } finally {
      await gateway.endAsync();
      await ingest.stop();
      await api.stop();
      await stores.close();
      await postgres.dispose();
      await broker.dispose();
    }
  });
});
