import { Decoder, Stream } from '@garmin/fitsdk';
import FitParser from 'fit-file-parser';
import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, buildApp } from '../../api/app.ts';
import { LiveHub } from '../../api/live/live-hub.ts';
import type { Stores } from '../../cli/open-stores.ts';
import type { StoredPoint } from '../../store/time-series-store.ts';
import { sessionCookie } from '../helpers/sessions.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { openTestStores } from '../helpers/test-stores.ts';

// A session's samples leave as a FIT activity that two independent decoders read back record for record,
// and as CSV; only to those they belong to.

const HR_SECONDS = 600;
const POWER_SECONDS = 300;
const rrOf = (second: number) => [second % 2 ? 480 : 470, second % 2 ? 475 : 485];

describe('session exports', () => {
  let stores: Stores;
  let app: Api;
  let session = '';
  let startMs = 0;
  const as = {} as Record<'coach' | 'ann' | 'bob' | 'otherClubCoach', string>;
  const get = (who: keyof typeof as, url: string) => app.inject({ url: `/api/v1/clubs/riverside${url}`, headers: { cookie: as[who] } });

  beforeAll(async () => {
    stores = await openTestStores();
    const { registry } = stores;
    registry.upsertClub('riverside', 'Riverside');
    registry.upsertClub('hilltop', 'Hilltop');
    registry.createAthlete('riverside', {
      id: 'ann',
      name: 'Ann',
      sex: 'female',
      birthYear: 1990,
      weightKg: 60,
      restHrBpm: 50,
      maxHrBpm: 190,
    });
    registry.createAthlete('riverside', { id: 'bob', name: 'Bob', maxHrBpm: 185 });
    registry.createDevice('riverside', { id: 'hrm-ann', profile: 'heart_rate', owner: 'ann' }, 0);
    registry.createDevice('riverside', { id: 'bike-ann', profile: 'cycling_power', owner: 'ann' }, 0);
    registry.createDevice('riverside', { id: 'hrm-bob', profile: 'heart_rate', owner: 'bob' }, 0);
    const live = new LiveHub({ brokerUrl: 'mqtt://127.0.0.1:1', registry, logger: testLogger, staleAfterMs: 10_000, windowMs: 60_000 });
    app = buildApp(
      { DASHBOARD_DIR: '/nonexistent', WRITES_PER_MINUTE: 1_000_000 },
      { ...stores, metricsRegistry: new MetricsRegistry(), live, logger: testLogger },
    );
    as.coach = sessionCookie(stores, { membership: { club: 'riverside', role: 'coach', athlete: null } });
    as.ann = sessionCookie(stores, { membership: { club: 'riverside', role: 'athlete', athlete: 'ann' } });
    as.bob = sessionCookie(stores, { membership: { club: 'riverside', role: 'athlete', athlete: 'bob' } });
    as.otherClubCoach = sessionCookie(stores, { membership: { club: 'hilltop', role: 'coach', athlete: null } });
    startMs = Math.floor((Date.now() - 15 * 60_000) / 1000) * 1000;
    session = stores.sessions.startSession('riverside', { title: 'Trainer — 4×4', group: null, coach: null }, startMs).id;
    const points: StoredPoint[] = [];
    for (let second = 0; second < HR_SECONDS; second++) {
      const timeMs = startMs + 2000 + second * 1000;
      points.push({
        club: 'riverside',
        device: 'hrm-ann',
        athlete: 'ann',
        kind: 'heart_rate',
        timeMs,
        fields: { heartRateBpm: 120 + (second % 40), rrIntervalsMs: rrOf(second).join(',') },
      });
      points.push({ club: 'riverside', device: 'hrm-bob', athlete: 'bob', kind: 'heart_rate', timeMs, fields: { heartRateBpm: 110 } });
      if (second < POWER_SECONDS)
        points.push({
          club: 'riverside',
          device: 'bike-ann',
          athlete: 'ann',
          kind: 'cycling_power',
          timeMs: timeMs + 250, // the power meter notifies a quarter of a second after the strap
          fields: { powerW: 200 + second, cadenceRpm: 90, speedMps: 8.5, distanceM: 8.5 * (second + 1) },
        });
    }
    await stores.timeSeries.writePoints(points);
    const participants = [
      { athlete: 'ann', joinedMs: startMs + 2000 },
      { athlete: 'bob', joinedMs: startMs + 2000 },
    ];
    stores.sessions.stopSession('riverside', session, participants, startMs + 2000 + HR_SECONDS * 1000);
  });
  afterAll(async () => {
    await app?.close();
    await stores?.close();
  });

  const expectedRecord = (second: number) => ({
    timeMs: startMs + 2000 + second * 1000,
    heartRate: 120 + (second % 40),
    power: second < POWER_SECONDS ? 200 + second : undefined,
  });

  it('writes a FIT activity the Garmin SDK decodes back record for record, with its RR, laps, session and local time', async () => {
    const response = await get('ann', `/sessions/${session}/athletes/ann/export.fit?tz=Asia/Kolkata`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/vnd.ant.fit');
    expect(response.headers['content-disposition']).toMatch(/attachment; filename="\d{4}-\d\d-\d\d-trainer-44-ann\.fit"/);
    const decoder = new Decoder(Stream.fromBuffer(response.rawPayload));
    expect(decoder.isFIT()).toBe(true);
    expect(decoder.checkIntegrity()).toBe(true);
    const { messages, errors } = decoder.read();
    expect(errors).toEqual([]);
    expect(messages.fileIdMesgs?.[0]).toMatchObject({ type: 'activity' });
    const records = messages.recordMesgs!;
    expect(records).toHaveLength(HR_SECONDS);
    for (const [second, record] of records.entries()) {
      const expected = expectedRecord(second);
      expect((record.timestamp as Date).getTime()).toBe(expected.timeMs);
      expect(record.heartRate).toBe(expected.heartRate);
      expect(record.power).toBe(expected.power);
      if (second < POWER_SECONDS) expect(record).toMatchObject({ cadence: 90, speed: 8.5, distance: 8.5 * (second + 1) });
    }
    const rr = (messages.hrvMesgs ?? []).flatMap((message) => (message.time as number[]).map((s) => Math.round(s * 1000)));
    expect(rr).toEqual(Array.from({ length: HR_SECONDS }, (_, second) => rrOf(second)).flat());
    const [sessionMesg] = messages.sessionMesgs!;
    expect(sessionMesg).toMatchObject({ sport: 'cycling', numLaps: 1, totalElapsedTime: 2 + HR_SECONDS, maxHeartRate: 159 });
    expect(messages.lapMesgs).toHaveLength(1);
    const [activity] = messages.activityMesgs!;
    // Kolkata is UTC+5:30 all year: the local timestamp is that far ahead of the UTC one (FIT epoch 1989-12-31).
    const utcSeconds = ((activity!.timestamp as Date).getTime() - Date.UTC(1989, 11, 31)) / 1000;
    expect(Number(activity!.localTimestamp) - utcSeconds).toBe(5.5 * 3600);
  });

  it('writes a FIT file a second, independent parser (fit-file-parser) reads the same', async () => {
    const response = await get('coach', `/sessions/${session}/athletes/ann/export.fit`);
    const bytes = response.rawPayload;
    const parsed = await new FitParser({ force: false, speedUnit: 'm/s', lengthUnit: 'm', mode: 'list' }).parseAsync(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    );
    const records = parsed.records as {
      timestamp: Date;
      heart_rate?: number;
      power?: number;
      cadence?: number;
      speed?: number;
      distance?: number;
    }[];
    expect(records).toHaveLength(HR_SECONDS);
    for (const [second, record] of records.entries()) {
      const expected = expectedRecord(second);
      expect(new Date(record.timestamp).getTime()).toBe(expected.timeMs);
      expect(record.heart_rate).toBe(expected.heartRate);
      expect(record.power).toBe(expected.power);
      expect(record.cadence).toBe(second < POWER_SECONDS ? 90 : undefined);
      expect(record.speed).toBe(second < POWER_SECONDS ? 8.5 : undefined);
      expect(record.distance).toBe(second < POWER_SECONDS ? 8.5 * (second + 1) : undefined);
    }
    const hrv = (parsed.hrv ?? []) as { time: number[] }[];
    expect(hrv.flatMap((message) => message.time.map((s) => Math.round(s * 1000)))).toEqual(
      Array.from({ length: HR_SECONDS }, (_, second) => rrOf(second)).flat(),
    );
    expect((parsed.sessions as { total_elapsed_time: number }[])[0]!.total_elapsed_time).toBe(2 + HR_SECONDS);
  });

  it('writes a CSV a second per athlete, and one of every athlete for staff', async () => {
    const csv = (await get('ann', `/sessions/${session}/athletes/ann/export.csv`)).body.split('\n');
    expect(csv[0]).toBe('time,heart_rate_bpm,rr_ms,power_w,cadence_rpm,speed_mps,distance_m');
    expect(csv).toHaveLength(HR_SECONDS + 1);
    expect(csv[1]).toBe(`${new Date(startMs + 2000).toISOString()},120,470 485,200,90,8.5,8.5`);
    expect(csv.at(-1)).toBe(
      `${new Date(startMs + 2000 + (HR_SECONDS - 1) * 1000).toISOString()},${120 + ((HR_SECONDS - 1) % 40)},480 475,,,,`,
    );
    const all = (await get('coach', `/sessions/${session}/export.csv`)).body.split('\n');
    expect(all[0]).toBe('athlete,time,heart_rate_bpm,rr_ms,power_w,cadence_rpm,speed_mps,distance_m');
    expect(all.filter((row) => row.startsWith('ann,'))).toHaveLength(HR_SECONDS);
    expect(all.filter((row) => row.startsWith('bob,'))).toHaveLength(HR_SECONDS);
  });

  it('gives an athlete their own part only, and another club nothing', async () => {
    expect((await get('bob', `/sessions/${session}/athletes/ann/export.fit`)).statusCode).toBe(404);
    expect((await get('bob', `/sessions/${session}/export.csv`)).statusCode).toBe(404);
    expect((await get('otherClubCoach', `/sessions/${session}/athletes/ann/export.csv`)).statusCode).toBe(404);
    expect((await get('bob', `/sessions/${session}/athletes/bob/export.csv`)).statusCode).toBe(200);
    const badZone = await get('ann', `/sessions/${session}/athletes/ann/export.fit?tz=Mars/Olympus`);
    expect(badZone.statusCode).toBe(400);
    expect(badZone.json().message).toMatch(/IANA time zone/);
  });
});
