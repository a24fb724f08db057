import { Registry as MetricsRegistry } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Api, buildApp } from '../../api/app.ts';
import { LiveHub } from '../../api/live/live-hub.ts';
import { StoreQueryError } from '../../store/store-errors.ts';
import type { TimeSeriesStore } from '../../store/time-series-store.ts';
import { sessionCookie } from '../helpers/sessions.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { openTestStores } from '../helpers/test-stores.ts';

const T0 = Date.UTC(2026, 0, 1, 18, 0, 0);

describe('HTTP API', () => {
  let app: Api;
  let coach = '';
  /** A request as the club's coach would make it (logged in). */
  const asCoach = (url: string) => app.inject({ url, headers: { cookie: coach } });

  beforeAll(async () => {
    const stores = await openTestStores();
    stores.registry.upsertClub('demo', 'Demo');
    stores.registry.upsertMember('demo', { id: 'ann', name: 'Ann', restHrBpm: 50, maxHrBpm: 190 });
    stores.registry.createDevice('demo', { id: 'hrm-1', profile: 'heart_rate', label: 'strap' });
    stores.registry.pairDevice('demo', 'hrm-1', 'ann', 0);
    await stores.timeSeries.writePoints(
      [0, 1, 2, 3].map((s) => ({
        club: 'demo',
        device: 'hrm-1',
        athlete: 'ann',
        kind: 'heart_rate' as const,
        timeMs: T0 + s * 30_000,
        fields: { heartRateBpm: 100 + s * 10 },
      })),
    );
    const live = new LiveHub({
      brokerUrl: 'mqtt://127.0.0.1:1',
      registry: stores.registry,
      logger: testLogger,
      staleAfterMs: 10_000,
      windowMs: 60_000,
    });
    app = buildApp({ DASHBOARD_DIR: '/nonexistent' }, { ...stores, metricsRegistry: new MetricsRegistry(), live, logger: testLogger });
    coach = sessionCookie(stores, { membership: { club: 'demo', role: 'coach', athlete: null } });
  });

  it('lists a club’s members with their paired straps, and its devices with who wears them', async () => {
    const athletes = await asCoach('/api/v1/clubs/demo/athletes');
    expect(athletes.json()).toEqual({
      athletes: [
        {
          id: 'ann',
          name: 'Ann',
          displayName: null,
          birthYear: null,
          sex: null,
          weightKg: null,
          restHrBpm: 50,
          maxHrBpm: 190,
          maxHrEstimated: false,
          consentMs: null,
          alias: null,
          screenPrivacy: 'name',
          screenHideKcal: false,
          weeklyPointsGoal: null,
          devices: ['hrm-1'],
        },
      ],
    });
    const devices = await asCoach('/api/v1/clubs/demo/devices');
    expect(devices.json()).toEqual({ devices: [{ id: 'hrm-1', profile: 'heart_rate', label: 'strap', owner: null, athlete: 'ann' }] });
  });

  it('answers a member’s history as columns of one-minute buckets', async () => {
    const response = await asCoach(`/api/v1/clubs/demo/athletes/ann/history?fromMs=${T0}&toMs=${T0 + 180_000}&bucket=1m`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      bucketMs: 60_000,
      t: [T0, T0 + 60_000, T0 + 120_000],
      mean: [105, 125, null],
      min: [100, 120, null],
      max: [110, 130, null],
    });
  });

  it.each([
    ['a club id that breaks the id rules', '/api/v1/clubs/Bad%20Club/athletes', /club/],
    ['a missing time range', '/api/v1/clubs/demo/athletes/ann/history', /fromMs/],
    [
      'a range that ends before it starts',
      `/api/v1/clubs/demo/athletes/ann/history?fromMs=${T0}&toMs=${T0 - 1}`,
      /toMs must be after fromMs/,
    ],
    ['too many buckets', `/api/v1/clubs/demo/athletes/ann/history?fromMs=0&toMs=${T0}&bucket=1s`, /widen the bucket/],
    ['an unreadable bucket', `/api/v1/clubs/demo/athletes/ann/history?fromMs=0&toMs=1000&bucket=soon`, /duration/],
    ['an unknown kind', `/api/v1/clubs/demo/athletes/ann/history?fromMs=0&toMs=1000&kind=mood`, /kind/],
    [
      'a field the kind does not have',
      `/api/v1/clubs/demo/athletes/ann/history?fromMs=0&toMs=60000&field=batteryPercent`,
      /cannot be aggregated/,
    ],
  ])('answers 400 with a message for %s', async (_title, url, message) => {
    const response = await asCoach(url);
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('SC_ERR_VALIDATION');
    expect(response.json().message).toMatch(message);
  });

  it('answers 404 for a member the club does not have', async () => {
    const response = await asCoach(`/api/v1/clubs/demo/athletes/zed/history?fromMs=0&toMs=60000`);
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ code: 'SC_ERR_NOT_FOUND', message: 'no such athlete' });
  });

  it('says how to build the dashboard when it is missing', async () => {
    const response = await app.inject('/');
    expect(response.statusCode).toBe(503);
    expect(response.json().message).toMatch(/npm run build:dashboard/);
  });

  it('answers 503 with a message when the time-series store cannot be reached', async () => {
    const stores = await openTestStores();
    stores.registry.upsertClub('demo', 'Demo');
    stores.registry.upsertMember('demo', { id: 'ann', name: 'Ann', restHrBpm: 50, maxHrBpm: 190 });
    const unreachable = {
      ...stores.timeSeries,
      name: 'influxdb',
      queryRange: async () => {
        throw new StoreQueryError('InfluxDB unreachable: connect ECONNREFUSED');
      },
    } as TimeSeriesStore;
    const live = new LiveHub({
      brokerUrl: 'mqtt://127.0.0.1:1',
      registry: stores.registry,
      logger: testLogger,
      staleAfterMs: 10_000,
      windowMs: 60_000,
    });
    const down = buildApp(
      { DASHBOARD_DIR: '/nonexistent' },
      { ...stores, timeSeries: unreachable, metricsRegistry: new MetricsRegistry(), live, logger: testLogger },
    );
    const cookie = sessionCookie(stores, { membership: { club: 'demo', role: 'coach', athlete: null } });
    const response = await down.inject({ url: `/api/v1/clubs/demo/athletes/ann/history?fromMs=0&toMs=60000`, headers: { cookie } });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      code: 'SC_ERR_STORE_UNAVAILABLE',
      message: 'the time-series store is unavailable; try again shortly',
    });
  });
});
