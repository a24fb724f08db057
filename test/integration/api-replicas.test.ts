import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores } from '../../cli/open-stores.ts';
import { hashPassword } from '../../store/secrets.ts';
import { freePort } from '../helpers/free-port.ts';
import { hasMosquitto, type RunningMosquitto, startMosquitto } from '../helpers/mosquitto.ts';
import { hasNginx, startNginxProxy } from '../helpers/nginx.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

const CLI = fileURLToPath(new URL('../../bin/sport-connect.js', import.meta.url));
const COACH = { email: 'coach@replicas.sport-connect.invalid', password: 'replica-coach-password-1' };

/** `sport-connect api` as its own process on a data folder it shares with another replica. */
async function startApi(dataDir: string, brokerUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'api'], {
    env: { ...process.env, DATA_DIR: dataDir, MQTT_URL: brokerUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/health/ready`).catch(() => null))?.ok === true, {
    what: 'the API replica',
    timeoutMs: 30_000,
  });
  return { url, child };
}

// Two API replicas on one host behind a proxy without sticky routing: whichever answers, a person stays
// logged in, because login sessions live in the registry they share, not in a process.
describe.skipIf(!hasMosquitto())('API replicas sharing a data folder', () => {
  let broker: RunningMosquitto;
  let replicas: { url: string; child: ChildProcess }[] = [];

  beforeAll(async () => {
    broker = await startMosquitto();
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-replicas-'));
    const stores = await openStores(dataDir, { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, testLogger);
    stores.registry.upsertClub('replica-club', 'Replica club');
    const coach = stores.accounts.createUser({
      email: COACH.email,
      name: 'Replica Coach',
      passwordHash: await hashPassword(COACH.password),
    });
    stores.accounts.setMembership(coach.id, { club: 'replica-club', role: 'coach', athlete: null });
    await stores.close();
    replicas = [await startApi(dataDir, broker.url), await startApi(dataDir, broker.url)];
  });
  afterAll(async () => {
    for (const replica of replicas) replica.child.kill('SIGTERM');
    await broker?.dispose();
  });

  it('accept on one replica the login made on the other, and end it on both at logout', async () => {
    const [first, second] = [replicas[0]!, replicas[1]!];
    const login = await fetch(`${first.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: first.url },
      body: JSON.stringify(COACH),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const me = await fetch(`${second.url}/api/v1/auth/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { name: string } }).user.name).toBe('Replica Coach');
    const logout = await fetch(`${second.url}/api/v1/auth/logout`, { method: 'POST', headers: { cookie, origin: second.url } });
    expect(logout.status).toBeLessThan(300);
    expect((await fetch(`${first.url}/api/v1/auth/me`, { headers: { cookie } })).status).toBe(401);
  });

  describe.skipIf(!hasNginx())('behind the deployment’s proxy (deploy/nginx/nginx.conf)', () => {
    it('keeps a person logged in whichever replica answers, follows a job on the replica running it, streams the live view, and survives a replica going away', async () => {
      const proxy = await startNginxProxy(replicas.map((replica) => new URL(replica.url).host));
      try {
        const login = await fetch(`${proxy.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: proxy.url },
          body: JSON.stringify(COACH),
        });
        expect(login.status).toBe(200);
        const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
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
        replicas[0]!.child.kill('SIGTERM');
        await new Promise((resolve) => replicas[0]!.child.once('exit', resolve));
        const afterwards = await Promise.all(
          Array.from({ length: 6 }, () => fetch(`${proxy.url}/api/v1/auth/me`, { headers: { cookie } })),
        );
        expect(afterwards.map((answer) => answer.status)).toEqual(Array(6).fill(200));
      } finally {
        await proxy.stop();
      }
    });
  });
});
