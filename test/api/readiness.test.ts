import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.ts';
import { LiveHub } from '../../api/live/live-hub.ts';
import { BrokerLink, brokerAddressOf } from '../../simulators/scenario/broker-link.ts';
import { useEmbeddedBroker } from '../helpers/emulated-gateway.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { openTestStores } from '../helpers/test-stores.ts';
import { waitFor } from '../helpers/wait-for.ts';

// An orchestrator's two questions to an API replica: alive (restart it if not), ready (send it traffic).
// Its live view reaches the broker through a relay the test cuts, as a network would.

describe('API liveness and readiness', () => {
  const brokerUrl = useEmbeddedBroker();
  const closing: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const close of closing.reverse()) await close();
  });

  it('is ready while its live view has the broker, not ready (but alive) while it is cut off, ready again after', async () => {
    const link = new BrokerLink(brokerAddressOf(brokerUrl())!);
    const url = await link.start(brokerUrl());
    const stores = await openTestStores();
    const live = new LiveHub({ brokerUrl: url, registry: stores.registry, logger: testLogger, staleAfterMs: 10_000, windowMs: 60_000 });
    await live.start();
    const app = buildApp(
      { DASHBOARD_DIR: '/nonexistent' },
      { ...stores, metricsRegistry: new MetricsRegistry(), live, logger: testLogger },
    );
    closing.push(
      () => link.stop(),
      () => stores.close(),
      () => live.stop(),
      () => app.close(),
    );

    const ready = await app.inject({ url: '/health/ready' });
    expect([ready.statusCode, ready.json()]).toEqual([200, { status: 'ok', store: 'sqlite', registry: true, live: true }]);

    link.goOffline();
    await waitFor(async () => (await app.inject({ url: '/health/ready' })).statusCode === 503, { what: 'not ready without the broker' });
    expect((await app.inject({ url: '/health/ready' })).json()).toEqual({
      status: 'broker unreachable (live view paused)',
      store: 'sqlite',
      registry: true,
      live: false,
    });
    expect((await app.inject({ url: '/health' })).statusCode).toBe(503);
    const alive = await app.inject({ url: '/health/live' });
    expect([alive.statusCode, alive.json()]).toEqual([200, { status: 'alive' }]);

    link.restore();
    await waitFor(async () => (await app.inject({ url: '/health/ready' })).statusCode === 200, { what: 'ready again', timeoutMs: 15_000 });
  });
});
