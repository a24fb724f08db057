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
  await waitFor(async () => (await fetch(`${url}/health`).catch(() => null))?.ok === true, { what: 'the API replica', timeoutMs: 30_000 });
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
});
