import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores } from '../../cli/open-stores.ts';
import { hashPassword } from '../../store/secrets.ts';
import { logIn, startApiProcess } from '../helpers/api-process.ts';
import { hasMosquitto, type RunningMosquitto, startMosquitto } from '../helpers/mosquitto.ts';
import { hasNginx, startNginxProxy } from '../helpers/nginx.ts';
import { hasPostgres, startPostgres } from '../helpers/postgres.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

const COACH = { email: 'coach@replicas.sport-connect.invalid', password: 'replica-coach-password-1' };

/** A replica: on a data folder it shares with another, or on its own with DATABASE_URL. */
function startApi(dataDir: string, brokerUrl: string, databaseUrl?: string) {
  return startApiProcess({ DATA_DIR: dataDir, MQTT_URL: brokerUrl, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
}

/**
 * Where two replicas keep the registry they share: one data folder (one host), or PostgreSQL (each
 * replica with a data folder of its own, as on two hosts).
 */
interface SharedRegistry {
  name: string;
  available: () => boolean;
  start(): Promise<{ dataDirs: [string, string]; databaseUrl?: string; dispose(): Promise<void> }>;
}

const sharedFolder: SharedRegistry = {
  name: 'sharing a data folder',
  available: () => true,
  async start() {
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-replicas-'));
    return { dataDirs: [dataDir, dataDir], dispose: async () => {} };
  },
};

const postgres: SharedRegistry = {
  name: 'on PostgreSQL, each with a data folder of its own',
  available: hasPostgres,
  async start() {
    const server = await startPostgres();
    return {
      dataDirs: [mkdtempSync(join(tmpdir(), 'sc-replica-a-')), mkdtempSync(join(tmpdir(), 'sc-replica-b-'))],
      databaseUrl: await server.createDatabase('replicas'),
      dispose: () => server.dispose(),
    };
  },
};

// Two API replicas behind a proxy without sticky routing: whichever answers, a person stays logged in,
// because login sessions live in the registry they share, not in a process.
describe.each([sharedFolder, postgres])('API replicas $name', (shared) => {
  let broker: RunningMosquitto;
  let registry: Awaited<ReturnType<SharedRegistry['start']>>;
  let replicas: Awaited<ReturnType<typeof startApi>>[] = [];

  beforeAll(async () => {
    if (!hasMosquitto() || !shared.available()) return;
    broker = await startMosquitto();
    registry = await shared.start();
    const [dataDir, otherDataDir] = registry.dataDirs;
    // Both start at once: on a new PostgreSQL database, one migrates it and the other waits for it.
    replicas = await Promise.all([
      startApi(dataDir, broker.url, registry.databaseUrl),
      startApi(otherDataDir, broker.url, registry.databaseUrl),
    ]);
    const stores = await openStores(dataDir, { STORE: 'sqlite', INFLUX_WRITE_API: 'auto', DATABASE_URL: registry.databaseUrl }, testLogger);
    stores.registry.upsertClub('replica-club', 'Replica club');
    const coach = stores.accounts.createUser({
      email: COACH.email,
      name: 'Replica Coach',
      passwordHash: await hashPassword(COACH.password),
    });
    stores.accounts.setMembership(coach.id, { club: 'replica-club', role: 'coach', athlete: null });
    await stores.close();
  });
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await registry?.dispose();
    await broker?.dispose();
  });

  it.skipIf(!hasMosquitto() || !shared.available())(
    'accept on one replica the login made on the other, and end it on both at logout',
    async () => {
      const [first, second] = [replicas[0]!, replicas[1]!];
      const cookie = await logIn(first.url, COACH);
      const me = await fetch(`${second.url}/api/v1/auth/me`, { headers: { cookie } });
      expect(me.status).toBe(200);
      expect(((await me.json()) as { user: { name: string } }).user.name).toBe('Replica Coach');
      const logout = await fetch(`${second.url}/api/v1/auth/logout`, { method: 'POST', headers: { cookie, origin: second.url } });
      expect(logout.status).toBeLessThan(300);
      expect((await fetch(`${first.url}/api/v1/auth/me`, { headers: { cookie } })).status).toBe(401);
    },
  );

  describe.skipIf(!hasMosquitto() || !shared.available() || !hasNginx())('behind the deployment’s proxy (deploy/nginx/nginx.conf)', () => {
    it('keeps a person logged in whichever replica answers, follows a job on the replica running it, streams the live view, and survives a replica going away', async () => {
      const proxy = await startNginxProxy(replicas.map((replica) => new URL(replica.url).host));
      try {
        const cookie = await logIn(proxy.url, COACH);
        // Round robin without stickiness: these go to both replicas in turn, and every one knows the login.
        const answers = await Promise.all(
          Array.from({ length: 12 }, () => fetch(`${proxy.url}/api/v1/clubs/replica-club/athletes`, { headers: { cookie } })),
        );
        expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(200));

        // The live view's first event arrives through the proxy.
        const stream = await fetch(`${proxy.url}/api/v1/clubs/replica-club/live`, { headers: { cookie } });
        const reader = stream.body!.getReader();
        const first = await Promise.race([reader.read(), new Promise((resolve) => setTimeout(() => resolve(null), 5000))]);
        expect(Buffer.from((first as { value: Uint8Array }).value).toString()).toContain('event: snapshot');
        await reader.cancel();

        // A background job (the member's archive) is followed on the replica that runs it, whoever asks.
        const started = await fetch(`${proxy.url}/api/v1/me/exports`, { method: 'POST', headers: { cookie, origin: proxy.url } });
        expect(started.status).toBe(202);
        const { id } = (await started.json()) as { id: string };
        const polls = await Promise.all(Array.from({ length: 6 }, () => fetch(`${proxy.url}/api/v1/jobs/${id}`, { headers: { cookie } })));
        expect(polls.map((poll) => poll.status)).toEqual(Array(6).fill(200));
        await waitFor(
          async () =>
            ((await (await fetch(`${proxy.url}/api/v1/jobs/${id}`, { headers: { cookie } })).json()) as { status: string }).status ===
            'done',
          {
            what: 'the archive job done',
          },
        );
        expect((await fetch(`${proxy.url}/api/v1/jobs/${id}/archive`, { headers: { cookie } })).status).toBe(200);

        // One replica goes away: the proxy sends everything to the other, the person stays logged in.
        // It stops on SIGTERM, as an orchestrator asks (its log in the failure if it does not, within 20 s).
        const going = replicas[0]!;
        await Promise.race([
          going.stop(),
          new Promise((_, reject) => setTimeout(() => reject(new Error(`the replica did not stop on SIGTERM:\n${going.log()}`)), 20_000)),
        ]);
        const afterwards = await Promise.all(
          Array.from({ length: 6 }, () => fetch(`${proxy.url}/api/v1/auth/me`, { headers: { cookie } })),
        );
        expect(afterwards.map((answer) => answer.status)).toEqual(Array(6).fill(200));
      } finally {
        await proxy.stop();
      }
    }, 120_000);
  });
});
