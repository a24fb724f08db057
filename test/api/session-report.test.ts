import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, buildApp } from '../../api/app.ts';
import { LiveHub } from '../../api/live/live-hub.ts';
import type { Stores } from '../../cli/open-stores.ts';
import type { StoredPoint } from '../../store/time-series-store.ts';
import { sessionCookie } from '../helpers/sessions.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { openTestStores } from '../helpers/test-stores.ts';

// A session's report through the API, on samples whose numbers are worked out by hand (docs/metrics.md).

describe('session report', () => {
  let stores: Stores;
  let app: Api;
  let session = '';
  let startMs = 0;
  const as = {} as Record<'coach' | 'ann' | 'cleo' | 'otherClubCoach', string>;
  const call = (who: keyof typeof as, method: 'GET' | 'POST', url: string, payload?: object) =>
    app.inject({ method, url: `/api/v1/clubs/riverside${url}`, headers: { cookie: as[who] }, ...(payload ? { payload } : {}) });
  /** One heart-rate sample a second from `fromS` seconds after the start. */
  const steady = (device: string, fromS: number, seconds: number, bpm: number): StoredPoint[] =>
    Array.from({ length: seconds }, (_, second) => ({
      club: 'riverside',
      device,
      athlete: null,
      kind: 'heart_rate',
      timeMs: startMs + (fromS + second) * 1000,
      fields: { heartRateBpm: bpm },
    }));

  beforeAll(async () => {
    stores = await openTestStores();
    const { registry } = stores;
    const thisYear = new Date().getUTCFullYear();
    registry.upsertClub('riverside', 'Riverside');
    registry.upsertClub('hilltop', 'Hilltop');
    registry.createAthlete('riverside', {
      id: 'ann',
      name: 'Ann',
      sex: 'male',
      birthYear: thisYear - 30,
      weightKg: 70,
      restHrBpm: 60,
      maxHrBpm: 190,
    });
    registry.createAthlete('riverside', { id: 'bob', name: 'Bob', birthYear: thisYear - 40 });
    registry.createAthlete('riverside', { id: 'cleo', name: 'Cleo' });
    registry.createDevice('riverside', { id: 'hrm-ann', profile: 'heart_rate', owner: 'ann' }, 0);
    registry.createDevice('riverside', { id: 'hrm-bob', profile: 'heart_rate', owner: 'bob' }, 0);
    const live = new LiveHub({ brokerUrl: 'mqtt://127.0.0.1:1', registry, logger: testLogger, staleAfterMs: 10_000, windowMs: 60_000 });
    app = buildApp(
      { DASHBOARD_DIR: '/nonexistent', WRITES_PER_MINUTE: 1_000_000 },
      { ...stores, metricsRegistry: new MetricsRegistry(), live, logger: testLogger },
    );
    as.coach = sessionCookie(stores, { membership: { club: 'riverside', role: 'coach', athlete: null } });
    as.ann = sessionCookie(stores, { membership: { club: 'riverside', role: 'athlete', athlete: 'ann' } });
    as.cleo = sessionCookie(stores, { membership: { club: 'riverside', role: 'athlete', athlete: 'cleo' } });
    as.otherClubCoach = sessionCookie(stores, { membership: { club: 'hilltop', role: 'coach', athlete: null } });

    // A session the coach started 20 minutes ago (pressing start late), ten minutes at 150 bpm for Ann,
    // Bob five minutes at 171 bpm (90 % of his estimated 180) then five at 126.
    startMs = Math.floor((Date.now() - 20 * 60_000) / 1000) * 1000;
    const started = await call('coach', 'POST', '/sessions', { title: 'Tuesday', startMs });
    session = started.json().id;
    await stores.timeSeries.writePoints([
      ...steady('hrm-ann', 0, 600, 150),
      ...steady('hrm-bob', 0, 300, 171),
      ...steady('hrm-bob', 300, 300, 126),
    ]);
    expect((await call('coach', 'POST', `/sessions/${session}/stop`)).statusCode).toBe(200);
  });
  afterAll(async () => {
    await app?.close();
    await stores?.close();
  });

  it('gives staff every participant’s numbers, worked out as by hand, and the group’s', async () => {
    const response = await call('coach', 'GET', `/sessions/${session}/report?width=120`);
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report.zoneModel).toBe('percent-max');
    const [ann, bob] = report.athletes;
    expect(ann).toMatchObject({
      athlete: 'ann',
      name: 'Ann',
      maxHrBpm: 190,
      maxHrEstimated: false,
      zoneFloorsBpm: [95, 114, 133, 152, 171],
    });
    expect(ann.metrics).toEqual({
      durationS: 600,
      avgHr: 150,
      maxHr: 150,
      timeInZoneS: [0, 0, 600, 0, 0],
      kcal: 142,
      trimpBanister: 16.7,
      trimpEdwards: 30,
      points: 30,
      rmssdMs: null,
      sdnnMs: null,
      hrr60Bpm: null,
      suggestedMaxHrBpm: null,
      notes: [],
    });
    // Bob: estimated max 208 − 0.7 × 40 = 180; 171 is 95 % (Z5) for 300 s, 126 is 70 % (Z3) for 300 s.
    expect(bob.maxHrEstimated).toBe(true);
    expect(bob.metrics).toMatchObject({
      durationS: 600,
      avgHr: 149,
      maxHr: 171,
      timeInZoneS: [0, 0, 300, 0, 300],
      points: 35,
      hrr60Bpm: 45,
    });
    expect(bob.metrics.notes).toContain('calories need sex, weight and age');
    expect(report.group).toEqual({
      athletes: 2,
      avgHr: 149.5,
      kcal: 142,
      points: 65,
      trimpBanister: 16.7,
      timeInZoneS: [0, 0, 450, 0, 150],
    });
  });

  it('draws each curve at the chart’s width, one mean per column', async () => {
    const report = (await call('coach', 'GET', `/sessions/${session}/report?width=120`)).json();
    const curve = report.athletes[1].curve;
    expect(curve.t.length).toBeLessThanOrEqual(120);
    expect(curve.t[0]).toBe(startMs);
    expect(curve.hr[0]).toBe(171);
    expect(curve.hr.filter((bpm: number | null) => bpm !== null).length).toBeGreaterThan(50);
    expect((await call('coach', 'GET', `/sessions/${session}/report?width=10`)).statusCode).toBe(400);
  });

  it('shows an athlete who took part their own row only, and nobody else anything', async () => {
    const own = (await call('ann', 'GET', `/sessions/${session}/report`)).json();
    expect(own.athletes.map((row: { athlete: string }) => row.athlete)).toEqual(['ann']);
    expect(own.group).toBeNull();
    expect((await call('cleo', 'GET', `/sessions/${session}/report`)).statusCode).toBe(404);
    expect((await call('otherClubCoach', 'GET', `/sessions/${session}/report`)).statusCode).toBe(404);
  });

  it('writes each participant’s numbers into their training log when the session stops', () => {
    const [entry] = stores.trainingLog.list('riverside', 'ann', 0, Date.now());
    expect(entry).toMatchObject({ source: 'session', sourceId: session, title: 'Tuesday', startMs, metrics: { kcal: 142, points: 30 } });
  });

  it('refuses a session start in the future or more than a day back', async () => {
    const future = await call('coach', 'POST', '/sessions', { title: 'Later', startMs: Date.now() + 60_000 });
    expect(future.statusCode).toBe(400);
    const old = await call('coach', 'POST', '/sessions', { title: 'Old', startMs: Date.now() - 25 * 3_600_000 });
    expect(old.json().message).toMatch(/last 24 hours/);
  });
});
