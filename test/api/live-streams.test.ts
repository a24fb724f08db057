import { get, type IncomingMessage } from 'node:http';
import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, buildApp } from '../../api/app.ts';
import { LiveHub } from '../../api/live/live-hub.ts';
import type { Stores } from '../../cli/open-stores.ts';
import { useEmbeddedBroker } from '../helpers/emulated-gateway.ts';
import { sessionCookie } from '../helpers/sessions.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { openTestStores } from '../helpers/test-stores.ts';

/** Opens a live stream; resolves with the response once its headers arrived. */
function openStream(url: string, cookie: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get(url, { headers: { cookie } }, resolve).on('error', reject));
}

describe('live streams', () => {
  const brokerUrl = useEmbeddedBroker();
  let stores: Stores;
  let live: LiveHub;
  let app: Api;
  let baseUrl = '';

  beforeAll(async () => {
    stores = await openTestStores();
    stores.registry.upsertClub('big', 'A big club');
    // A big roster makes every frame large (about 150 bytes a tile): a stalled reader would pile them up fast.
    for (let i = 0; i < 1500; i++)
      stores.registry.upsertMember('big', { id: `m-${i}`, name: `Member number ${i}`, restHrBpm: 50, maxHrBpm: 190 });
    live = new LiveHub({
      brokerUrl: brokerUrl(),
      registry: stores.registry,
      logger: testLogger,
      staleAfterMs: 10_000,
      windowMs: 2000,
      tickMs: 50,
    });
    await live.start();
    app = buildApp(
      { DASHBOARD_DIR: '/nonexistent', LIVE_MAX_STREAMS_PER_USER: 2 },
      { ...stores, metricsRegistry: new MetricsRegistry(), live, logger: testLogger },
    );
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await live?.stop();
    await stores?.close();
  });

  it('are capped per person', async () => {
    const coach = sessionCookie(stores, { membership: { club: 'big', role: 'coach', athlete: null } });
    const first = await openStream(`${baseUrl}/api/v1/clubs/big/live`, coach);
    const second = await openStream(`${baseUrl}/api/v1/clubs/big/live`, coach);
    const third = await openStream(`${baseUrl}/api/v1/clubs/big/live`, coach);
    expect([first.statusCode, second.statusCode, third.statusCode]).toEqual([200, 200, 429]);
    first.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const again = await openStream(`${baseUrl}/api/v1/clubs/big/live`, coach);
    expect(again.statusCode).toBe(200);
    for (const response of [second, third, again]) response.destroy();
  });

  it('forget a club nobody watches once it has been silent for a window', async () => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(live.clubsHeld).toBe(0);
  });

  it('end when the API stops (SIGTERM), so a replica watched live still stops', async () => {
    const stopping = buildApp(
      { DASHBOARD_DIR: '/nonexistent' },
      { ...stores, metricsRegistry: new MetricsRegistry(), live, logger: testLogger },
    );
    const url = await stopping.listen({ port: 0, host: '127.0.0.1' });
    const cookie = sessionCookie(stores, { membership: { club: 'big', role: 'coach', athlete: null } });
    const response = await openStream(`${url}/api/v1/clubs/big/live`, cookie);
    expect(response.statusCode).toBe(200);
    response.resume();
    const ended = new Promise((resolve) => response.once('end', resolve));
    // Without the streams ended, close waits for the client to go: this test would time out.
    await stopping.close();
    await ended;
  });

  it('end within seconds of the session they were opened with (logout, password change)', async () => {
    const cookie = sessionCookie(stores, { membership: { club: 'big', role: 'coach', athlete: null } });
    const response = await openStream(`${baseUrl}/api/v1/clubs/big/live`, cookie);
    expect(response.statusCode).toBe(200);
    response.resume();
    const ended = new Promise((resolve) => response.once('end', resolve));
    await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } });
    const started = Date.now();
    await ended;
    expect(Date.now() - started).toBeLessThan(8000);
  });
});
