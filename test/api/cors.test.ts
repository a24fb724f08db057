import { Registry as MetricsRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.ts';
import { loadApiConfig } from '../../api/config.ts';
import { LiveHub } from '../../api/live/live-hub.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { openTestStores } from '../helpers/test-stores.ts';

async function appWith(corsOrigins: string | undefined) {
  const stores = await openTestStores();
  const live = new LiveHub({
    brokerUrl: 'mqtt://127.0.0.1:1',
    registry: stores.registry,
    logger: testLogger,
    staleAfterMs: 1000,
    windowMs: 1000,
  });
  const config = loadApiConfig(corsOrigins ? { CORS_ORIGINS: corsOrigins } : {});
  return buildApp(
    { ...config, DASHBOARD_DIR: '/nonexistent' },
    { ...stores, metricsRegistry: new MetricsRegistry(), live, logger: testLogger },
  );
}

const preflight = {
  method: 'OPTIONS' as const,
  url: '/api/v1/auth/login',
  headers: { origin: 'https://coach.club.example', 'access-control-request-method': 'POST' },
};

describe('cross-origin requests', () => {
  it('are not allowed unless configured: no CORS headers, and a cross-site write is refused', async () => {
    const app = await appWith(undefined);
    expect((await app.inject(preflight)).headers['access-control-allow-origin']).toBeUndefined();
    const write = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { origin: 'https://coach.club.example' },
      payload: { email: 'a@b.example', password: 'x' },
    });
    expect(write.statusCode).toBe(403);
    await app.close();
  });

  it('are allowed, with credentials, for the configured origins only', async () => {
    const app = await appWith('https://coach.club.example, https://screen.club.example');
    const allowed = await app.inject(preflight);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://coach.club.example');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    const other = await app.inject({ ...preflight, headers: { ...preflight.headers, origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const write = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { origin: 'https://coach.club.example' },
      payload: { email: 'a@b.example', password: 'x' },
    });
    expect(write.statusCode).toBe(401); // reaches the login, which refuses the password
    await app.close();
  });

  it('refuses a configured origin that is not a URL', () => {
    expect(() => loadApiConfig({ CORS_ORIGINS: 'club.example' })).toThrow(/CORS_ORIGINS/);
  });
});
