import { Encoder, type Mesg, Profile } from '@garmin/fitsdk';
import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, buildApp } from '../../api/app.ts';
import { LiveHub } from '../../api/live/live-hub.ts';
import type { Stores } from '../../cli/open-stores.ts';
import type { SessionMetrics } from '../../protocol/reports.ts';
import { sessionCookie } from '../helpers/sessions.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { openTestStores } from '../helpers/test-stores.ts';

const DAY = 86_400_000;
const metrics = (points: number, trimp: number): SessionMetrics => ({
  durationS: 3600,
  avgHr: 140,
  maxHr: 170,
  timeInZoneS: [600, 600, 1200, 600, 600],
  kcal: 500,
  trimpBanister: trimp,
  trimpEdwards: 150,
  points,
  rmssdMs: null,
  sdnnMs: null,
  hrr60Bpm: null,
  suggestedMaxHrBpm: null,
  notes: [],
});

describe('a member’s page, readiness, workouts from files and challenges', () => {
  let stores: Stores;
  let app: Api;
  const as = {} as Record<'coach' | 'ann' | 'bob' | 'otherClubCoach', string>;
  const call = (who: keyof typeof as, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    app.inject({ method, url: `/api/v1/clubs/riverside${url}`, headers: { cookie: as[who] }, ...(payload ? { payload } : {}) });
  const nowMs = Date.now();
  const today = Date.UTC(new Date(nowMs).getUTCFullYear(), new Date(nowMs).getUTCMonth(), new Date(nowMs).getUTCDate());
  const mondayThisWeek = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY;
  // The daily session's time of day, twelve hours from now: the workouts uploaded below (in the last two
  // hours) never overlap one, whatever the hour the tests run at (at a fixed 07:00 they did, from 07:00 to 07:05).
  const sessionAtMs = ((new Date(nowMs).getUTCHours() + 12) % 24) * 3_600_000;

  beforeAll(async () => {
    stores = await openTestStores();
    const { registry } = stores;
    registry.upsertClub('riverside', 'Riverside');
    registry.upsertClub('hilltop', 'Hilltop');
    const thisYear = new Date().getUTCFullYear();
    registry.createAthlete('riverside', {
      id: 'ann',
      name: 'Ann',
      sex: 'female',
      birthYear: thisYear - 30,
      weightKg: 60,
      restHrBpm: 50,
      maxHrBpm: 190,
      weeklyPointsGoal: 60,
    });
    registry.createAthlete('riverside', { id: 'bob', name: 'Bob', maxHrBpm: 185 });
    registry.createDevice('riverside', { id: 'hrm-ann', profile: 'heart_rate', owner: 'ann' }, 0);
    // Four full weeks and this week so far, a session a day: 10 points and a TRIMP of 50 each.
    for (let day = mondayThisWeek - 28 * DAY; day <= today; day += DAY) {
      const startMs = day + sessionAtMs;
      if (startMs > nowMs) continue;
      stores.trainingLog.record('riverside', 'ann', {
        source: 'session',
        sourceId: `s_day${day}`,
        title: 'Morning',
        startMs,
        metrics: metrics(10, 50),
      });
      stores.trainingLog.record('riverside', 'bob', {
        source: 'session',
        sourceId: `s_day${day}`,
        title: 'Morning',
        startMs,
        metrics: metrics(30, 80),
      });
    }
    const live = new LiveHub({ brokerUrl: 'mqtt://127.0.0.1:1', registry, logger: testLogger, staleAfterMs: 10_000, windowMs: 60_000 });
    app = buildApp(
      { DASHBOARD_DIR: '/nonexistent', WRITES_PER_MINUTE: 1_000_000 },
      { ...stores, metricsRegistry: new MetricsRegistry(), live, logger: testLogger },
    );
    as.coach = sessionCookie(stores, { membership: { club: 'riverside', role: 'coach', athlete: null } });
    as.ann = sessionCookie(stores, { membership: { club: 'riverside', role: 'athlete', athlete: 'ann' } });
    as.bob = sessionCookie(stores, { membership: { club: 'riverside', role: 'athlete', athlete: 'bob' } });
    as.otherClubCoach = sessionCookie(stores, { membership: { club: 'hilltop', role: 'coach', athlete: null } });
  });
  afterAll(async () => {
    await app?.close();
    await stores?.close();
  });

  describe('the week', () => {
    it('shows the athlete their weeks, their goal and its streak, and their latest training first', async () => {
      const response = await call('ann', 'GET', '/athletes/ann/wellness');
      expect(response.statusCode).toBe(200);
      const wellness = response.json();
      const daysThisWeek =
        wellness.recent[0].startMs >= mondayThisWeek
          ? Math.round((today - mondayThisWeek) / DAY) + (nowMs >= today + sessionAtMs ? 1 : 0)
          : 0;
      expect(wellness.weeks).toHaveLength(8);
      expect(wellness.weeks.map((week: { weekStartMs: number }) => week.weekStartMs).at(-1)).toBe(mondayThisWeek);
      expect(wellness.weeks.slice(3, 7).map((week: { points: number }) => week.points)).toEqual([70, 70, 70, 70]);
      expect(wellness.weeks[7]).toMatchObject({ points: daysThisWeek * 10, sessions: daysThisWeek, kcal: daysThisWeek * 500 });
      expect(wellness.goal).toEqual({ weeklyPoints: 60, thisWeekPoints: daysThisWeek * 10, streakWeeks: 4 + (daysThisWeek >= 6 ? 1 : 0) });
      expect(wellness.recent).toHaveLength(10);
      expect(wellness.recent[0].startMs).toBeGreaterThan(wellness.recent[9].startMs);
    });

    it('gives the training load, with the acute:chronic trend only once there are 28 days', async () => {
      const { load } = (await call('ann', 'GET', '/athletes/ann/wellness')).json();
      expect(load.length).toBeGreaterThanOrEqual(28);
      // A load as steady as one session a day: the trend says so.
      expect(load.at(-1)).toMatchObject({ trend: 'steady', acwr: expect.any(Number) });
      expect(load[0].acwr).toBeNull();
      // A steady 50 a day: fitness climbs towards it, fatigue settles near it.
      expect(load.at(-1).fitness).toBeGreaterThan(load[0].fitness);
      expect(Math.max(...load.map((day: { fatigue: number }) => day.fatigue))).toBeGreaterThan(45);
    });

    it('is the athlete’s own (and their coach’s), nobody else’s', async () => {
      expect((await call('coach', 'GET', '/athletes/ann/wellness')).statusCode).toBe(200);
      expect((await call('bob', 'GET', '/athletes/ann/wellness')).statusCode).toBe(404);
      expect((await call('otherClubCoach', 'GET', '/athletes/ann/wellness')).statusCode).toBe(404);
    });
  });

  describe('readiness', () => {
    /** A morning check `minutesAgo`: RR intervals alternating around 1 s (RMSSD = the step), heart rate 60. */
    const measure = async (minutesAgo: number, stepMs: number) => {
      const fromMs = Math.floor((Date.now() - minutesAgo * 60_000) / 1000) * 1000;
      await stores.timeSeries.writePoints(
        Array.from({ length: 180 }, (_, second) => ({
          club: 'riverside',
          device: 'hrm-ann',
          athlete: 'ann',
          kind: 'heart_rate' as const,
          timeMs: fromMs + second * 1000,
          fields: { heartRateBpm: 60, rrIntervalsMs: String(second % 2 ? 1000 + stepMs : 1000) },
        })),
      );
      return { fromMs, toMs: fromMs + 180_000 };
    };

    it('measures RMSSD from the athlete’s own strap and builds a baseline', async () => {
      const window = await measure(50, 40);
      const response = await call('ann', 'POST', '/athletes/ann/readiness', window);
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({ rmssdMs: 40, lnRmssd: 3.689, restHrBpm: 60, durationS: 180, status: 'baseline-building' });
    });

    it('compares a check with the baseline of the earlier ones', async () => {
      for (const [daysAgo, rmssd] of [
        [5, 38],
        [4, 42],
        [3, 39],
        [2, 41],
        [1, 40],
      ] as const)
        stores.readiness.record('riverside', 'ann', { atMs: Date.now() - daysAgo * DAY, durationS: 180, rmssdMs: rmssd, restHrBpm: 55 });
      const low = await call('ann', 'POST', '/athletes/ann/readiness', await measure(20, 20));
      expect(low.json()).toMatchObject({ rmssdMs: 20, status: 'lower-than-usual', baselineMean: expect.any(Number) });
      const wellness = (await call('ann', 'GET', '/athletes/ann/wellness')).json();
      expect(wellness.readiness.latest).toMatchObject({ rmssdMs: 20, status: 'lower-than-usual' });
      expect(wellness.readiness.history.length).toBeGreaterThanOrEqual(7);
    });

    it('refuses a window outside 2–5 minutes, an old one, and one without heartbeats', async () => {
      const nowS = Date.now();
      const tooLong = await call('ann', 'POST', '/athletes/ann/readiness', { fromMs: nowS - 400_000, toMs: nowS });
      expect(tooLong.json().message).toMatch(/2 to 5 minutes/);
      expect(
        (await call('ann', 'POST', '/athletes/ann/readiness', { fromMs: nowS - 3 * DAY, toMs: nowS - 3 * DAY + 180_000 })).statusCode,
      ).toBe(400);
      const empty = await call('ann', 'POST', '/athletes/ann/readiness', { fromMs: nowS - 10 * 60_000, toMs: nowS - 7 * 60_000 });
      expect(empty.json().message).toMatch(/too few clean heartbeats/);
      expect((await call('bob', 'POST', '/athletes/ann/readiness', { fromMs: nowS - 200_000, toMs: nowS })).statusCode).toBe(404);
    });
  });

  describe('workouts from files', () => {
    const start = Date.now() - 2 * 3_600_000;
    /** Twenty minutes at 140 bpm, as a watch saves them. */
    const fitFile = () => {
      const encoder = new Encoder();
      const mesg = (fields: object) => fields as Mesg;
      encoder.onMesg(
        Profile.MesgNum.FILE_ID!,
        mesg({ type: 'activity', manufacturer: 'development', product: 0, timeCreated: new Date(start), serialNumber: 7 }),
      );
      for (let second = 0; second < 1200; second++)
        encoder.onMesg(Profile.MesgNum.RECORD!, mesg({ timestamp: new Date(start + second * 1000), heartRate: 140 }));
      return Buffer.from(encoder.close());
    };
    const upload = (who: keyof typeof as, body: Buffer | string, contentType = 'application/octet-stream', query = '') =>
      app.inject({
        method: 'POST',
        url: `/api/v1/clubs/riverside/athletes/ann/workouts${query}`,
        headers: { cookie: as[who], 'content-type': contentType },
        payload: body,
      });

    it('land in the athlete’s history and training log, once', async () => {
      const file = fitFile();
      const response = await upload('ann', file, 'application/octet-stream', '?title=Sunday%20run');
      expect(response.statusCode).toBe(201);
      // Fox for a 30-year-old woman: 140 bpm is 74 % of 190, Z3 for 20 minutes.
      expect(response.json()).toMatchObject({
        title: 'Sunday run',
        metrics: { durationS: 1200, avgHr: 140, timeInZoneS: [0, 0, 1200, 0, 0], points: 60 },
      });
      const history = await call('ann', 'GET', `/athletes/ann/history?fromMs=${start - 60_000}&toMs=${start + 3_600_000}&bucket=1h`);
      expect(history.json().count.reduce((sum: number, count: number) => sum + count, 0)).toBe(1200);
      const { recent } = (await call('ann', 'GET', '/athletes/ann/wellness')).json();
      expect(recent).toContainEqual(expect.objectContaining({ source: 'upload', title: 'Sunday run' }));
      expect((await upload('ann', file)).statusCode).toBe(409);
    });

    it('refuse a workout that overlaps one in the log (it would count twice), and go away whole when removed', async () => {
      // The same run, recorded by a second watch: it overlaps the first.
      const overlap = ['time,hr', ...Array.from({ length: 60 }, (_, second) => `${start + 60_000 + second * 1000},140`)].join('\n');
      const refused = await upload('ann', overlap, 'text/csv');
      expect(refused.statusCode).toBe(409);
      expect(refused.json().message).toMatch(/overlaps “Sunday run”/);
      const later = ['time,hr', ...Array.from({ length: 60 }, (_, second) => `${start + 7_000_000 + second * 1000},130`)].join('\n');
      const added = (await upload('ann', later, 'text/csv', '?title=Mistake')).json();
      expect((await call('bob', 'DELETE', `/athletes/ann/workouts/${added.id}`)).statusCode).toBe(404);
      expect((await call('ann', 'DELETE', `/athletes/ann/workouts/${added.id}`)).statusCode).toBe(204);
      expect((await call('ann', 'DELETE', `/athletes/ann/workouts/${added.id}`)).statusCode).toBe(404);
      expect(await stores.timeSeries.countPoints({ club: 'riverside', device: `upload.${added.id}` })).toBe(0);
      const { recent } = (await call('ann', 'GET', '/athletes/ann/wellness')).json();
      expect(recent.map((entry: { title: string }) => entry.title)).not.toContain('Mistake');
    });

    it('stay out of a session’s report: a club session reads the club’s straps only', async () => {
      const history = stores.registry.wearIntervals('riverside', 'ann', start - 1, start + 3_600_000);
      expect(history.map((wear) => wear.device)).toEqual(['hrm-ann']);
      expect(stores.registry.wearIntervals('riverside', 'ann', start - 1, start + 3_600_000, { uploads: true })).toHaveLength(2);
    });

    it('take a CSV too, and refuse a file that is neither, or another athlete’s upload', async () => {
      const csv = ['time,hr', ...Array.from({ length: 60 }, (_, second) => `${start - 40_000_000 + second * 1000},120`)].join('\n');
      expect((await upload('coach', csv, 'text/csv')).statusCode).toBe(201);
      const garbage = await upload('ann', Buffer.from([0, 1, 2, 3, 255, 254]));
      expect(garbage.statusCode).toBe(400);
      expect(garbage.json().message).toMatch(/neither a FIT file nor UTF-8/);
      expect((await upload('bob', fitFile())).statusCode).toBe(404);
      const json = await call('ann', 'POST', '/athletes/ann/workouts', { hr: 120 });
      expect(json.statusCode).toBe(415);
    });
  });

  describe('choices that are the athlete’s own', () => {
    it('are how the club’s screen shows them and their goal: set by them, refused to their coach', async () => {
      const byCoach = await call('coach', 'PATCH', '/athletes/ann', { screenPrivacy: 'name' });
      expect(byCoach.statusCode).toBe(403);
      expect(byCoach.json().message).toMatch(/only the athlete sets/);
      expect((await call('coach', 'PATCH', '/athletes/ann', { weightKg: 61 })).statusCode).toBe(200);
      expect((await call('ann', 'PATCH', '/athletes/ann', { screenPrivacy: 'alias', alias: 'Comet' })).statusCode).toBe(200);
    });
  });

  describe('challenges', () => {
    const fromMs = mondayThisWeek - 28 * DAY;
    const toMs = today + DAY;

    it('are set up by staff, joined by athletes themselves, and rank only those who opted in', async () => {
      const created = await call('coach', 'POST', '/challenges', { id: 'november', title: 'November points', fromMs, toMs });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ id: 'november', entrants: 0, joined: false });
      expect((await call('ann', 'POST', '/challenges', { id: 'mine', title: 'Mine', fromMs, toMs })).statusCode).toBe(403);
      // Nobody opts in for someone else, not even the coach.
      expect((await call('coach', 'PUT', '/challenges/november/entries/ann')).statusCode).toBe(403);
      expect((await call('bob', 'PUT', '/challenges/november/entries/ann')).statusCode).toBe(404);
      const joined = await call('ann', 'PUT', '/challenges/november/entries/ann');
      expect(joined.json()).toMatchObject({ entrants: 1, joined: true });
      const board = (await call('bob', 'GET', '/challenges/november/leaderboard')).json();
      // Bob trained harder, but did not opt in: he is not on the board.
      // Named on the board as she chose to be shown on the club's screen (an alias).
      expect(board.entries).toEqual([{ rank: 1, athlete: 'ann', name: 'Comet', points: expect.any(Number) }]);
      expect(board.entries[0].points).toBeGreaterThanOrEqual(280);
      expect((await call('ann', 'DELETE', '/challenges/november/entries/ann')).statusCode).toBe(204);
      expect((await call('coach', 'GET', '/challenges/november/leaderboard')).json().entries).toEqual([]);
      expect((await call('otherClubCoach', 'GET', '/challenges/november/leaderboard')).statusCode).toBe(404);
    });

    it('refuse a period that ends before it starts or lasts more than a year', async () => {
      const backwards = await call('coach', 'POST', '/challenges', { id: 'odd', title: 'Odd', fromMs: toMs, toMs: fromMs });
      expect(backwards.json().message).toMatch(/ends after it starts/);
      expect((await call('coach', 'POST', '/challenges', { id: 'long', title: 'Long', fromMs: 0, toMs: 400 * DAY })).statusCode).toBe(400);
    });
  });
});
