import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.ts';
import { LiveHub } from '../../api/live/live-hub.ts';
import { openStores } from '../../cli/open-stores.ts';
import { useEmbeddedBroker } from '../helpers/emulated-gateway.ts';
import { testLogger } from '../helpers/silent-logger.ts';

// An orchestrator's two questions to an API replica: alive (restart it if not), ready (send it traffic).

describe('API liveness and readiness', () => {
  const brokerUrl = useEmbeddedBroker();
  const closing: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const close of closing.reverse()) await close();
  });

  async function apiWith(live: LiveHub) {
    const stores = await openStores(':memory:', { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, testLogger);
    const app = buildApp(
      { DASHBOARD_DIR: '/nonexistent' },
      { ...stores, metricsRegistry: new MetricsRegistry(), live, logger: testLogger },
    );
    closing.push(
      () => stores.close(),
      () => app.close(),
      () => live.stop(),
    );
    return app;
  }

  it('is alive but not ready while its live view has no broker, ready once it has', async () => {
    const away = await apiWith(
      new LiveHub({ brokerUrl: 'mqtt://127.0.0.1:1', registry: null as never, logger: testLogger, staleAfterMs: 10_000, windowMs: 60_000 }),
    );
    expect((await away.inject({ url: '/health/live' })).json()).toEqual({ status: 'alive' });
    const notReady = await away.inject({ url: '/health/ready' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual({ status: 'broker unreachable (live view paused)', store: 'sqlite', live: false });
    expect((await away.inject({ url: '/health' })).statusCode).toBe(503);

    const stores = await openStores(':memory:', { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, testLogger);
    closing.push(() => stores.close());
    const live = new LiveHub({
      brokerUrl: brokerUrl(),
      registry: stores.registry,
      logger: testLogger,
      staleAfterMs: 10_000,
      windowMs: 60_000,
    });
    await live.start();
    const connected = await apiWith(live);
    const ready = await connected.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', store: 'sqlite', live: true });
  });
});
