import { Decoder, Stream } from '@garmin/fitsdk';
import { unzipSync } from 'fflate';
import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, buildApp } from '../../api/app.ts';
import { applyRetention } from '../../api/data-rights/retention.ts';
import { LiveHub } from '../../api/live/live-hub.ts';
import type { Stores } from '../../cli/open-stores.ts';
import { IngestService } from '../../ingest/ingest-service.ts';
import type { StoredPoint } from '../../store/time-series-store.ts';
import { hasInfluxd, type RunningInfluxd, startInfluxd } from '../helpers/influxd.ts';
import { sessionCookie } from '../helpers/sessions.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { openTestStores } from '../helpers/test-stores.ts';
import { waitFor } from '../helpers/wait-for.ts';

// A member's data rights, end to end on each store: everything about them as one archive, and erasure
// that reaches every place their samples are (including those stored before their strap was paired to
// them), the ingest queue and the dead letters; and a club's retention.

const HOUR = 3_600_000;

function dataRights(storeName: string, openTheStores: () => Promise<Stores>): void {
  describe(`data rights on ${storeName}`, () => {
    let stores: Stores;
    let app: Api;
    const as = {} as Record<'admin' | 'coach' | 'ann' | 'bob' | 'otherClubAdmin', string>;
    const T = Math.floor((Date.now() - 4 * HOUR) / 1000) * 1000;
    const hr = (device: string, athlete: string | null, timeMs: number, bpm = 130): StoredPoint => ({
      club: 'riverside',
      device,
      athlete,
      kind: 'heart_rate',
      timeMs,
      fields: { heartRateBpm: bpm, rrIntervalsMs: '460,470' },
    });
    const seconds = (device: string, athlete: string | null, fromMs: number, count: number) =>
      Array.from({ length: count }, (_, second) => hr(device, athlete, fromMs + second * 1000));
    const call = (who: keyof typeof as, method: 'GET' | 'POST', url: string, payload?: object) =>
      app.inject({ method, url, headers: { cookie: as[who] }, ...(payload ? { payload } : {}) });

    beforeAll(async () => {
      stores = await openTheStores();
      const { registry, accounts } = stores;
      registry.upsertClub('riverside', 'Riverside');
      registry.upsertClub('hilltop', 'Hilltop');
      registry.createAthlete('riverside', {
        id: 'ann',
        name: 'Ann Other',
        sex: 'female',
        birthYear: 1990,
        weightKg: 60,
        restHrBpm: 50,
        maxHrBpm: 190,
        consentMs: Date.UTC(2026, 8, 1),
      });
      registry.createAthlete('riverside', { id: 'bob', name: 'Bob', maxHrBpm: 185 });
      registry.createDevice('riverside', { id: 'hrm-ann', profile: 'heart_rate', owner: 'ann' }, T);
      registry.createDevice('riverside', { id: 'belt-1', profile: 'heart_rate' }, T);
      // Belt 1 sent for ten minutes before anyone paired it; Ann then paired it back to that moment (late
      // attachment) and wore it an hour; Bob wore it later.
      await stores.timeSeries.writePoints([...seconds('belt-1', null, T, 600), ...seconds('hrm-ann', 'ann', T + HOUR, 600)]);
      registry.pairDevice('riverside', 'belt-1', 'ann', T, T + 30 * 60_000);
      registry.endPairing('riverside', 'belt-1', T + HOUR);
      registry.pairDevice('riverside', 'belt-1', 'bob', T + 2 * HOUR, T + 2 * HOUR);
      await stores.timeSeries.writePoints(seconds('belt-1', 'bob', T + 2 * HOUR, 300));
      const session = stores.sessions.startSession('riverside', { title: 'Morning', group: null, coach: null }, T);
      stores.sessions.stopSession(
        'riverside',
        session.id,
        [
          { athlete: 'ann', joinedMs: T },
          { athlete: 'bob', joinedMs: T + 60_000 },
        ],
        T + 20 * 60_000,
      );
      stores.accounts.audit({ actor: 'cli', action: 'device-paired', club: 'riverside', subject: 'belt-1 → ann' });
      stores.readiness.record('riverside', 'ann', { atMs: T, durationS: 180, rmssdMs: 42, restHrBpm: 55 });
      stores.challenges.create('riverside', { id: 'winter', title: 'Winter', fromMs: T - HOUR, toMs: T + 24 * HOUR });
      stores.challenges.join('riverside', 'winter', 'ann');
      // Still in flight when the erasure comes: queued in ingest, and a rejected message naming her strap.
      stores.ingestQueue.enqueue([hr('hrm-ann', 'ann', T + HOUR + 700_000), hr('belt-1', 'bob', T + 2 * HOUR + 400_000)], Date.now());
      for (const device of ['hrm-ann', 'hrm-bob'])
        stores.deadLetters.record({
          receivedMs: T + HOUR + 1000,
          topic: 'sc/v1/riverside/gw/telemetry',
          reason: 'invalid_json',
          detail: 'broken',
          payload: Buffer.from(`{"samples":[{"device":"${device}","timeMs":`),
        });
      const live = new LiveHub({ brokerUrl: 'mqtt://127.0.0.1:1', registry, logger: testLogger, staleAfterMs: 10_000, windowMs: 60_000 });
      app = buildApp(
        {
          DASHBOARD_DIR: '/nonexistent',
          WRITES_PER_MINUTE: 1_000_000,
          // With the registry on PostgreSQL the erasure cannot see ingest's queues and waits the whole of it.
          ERASURE_SETTLE: process.env.SC_TEST_REGISTRY === 'postgres' ? 1_000 : 10_000,
        },
        { ...stores, metricsRegistry: new MetricsRegistry(), live, logger: testLogger },
      );
      as.admin = sessionCookie(stores, { membership: { club: 'riverside', role: 'admin', athlete: null } });
      as.coach = sessionCookie(stores, { membership: { club: 'riverside', role: 'coach', athlete: null } });
      as.ann = sessionCookie({ accounts }, { membership: { club: 'riverside', role: 'athlete', athlete: 'ann' } });
      as.bob = sessionCookie(stores, { membership: { club: 'riverside', role: 'athlete', athlete: 'bob' } });
      as.otherClubAdmin = sessionCookie(stores, { membership: { club: 'hilltop', role: 'admin', athlete: null } });
    });
    afterAll(async () => {
      await app?.close();
      await stores?.close();
    });

    const unzip = (bytes: Buffer) => unzipSync(new Uint8Array(bytes));
    const text = (files: Record<string, Uint8Array>, name: string) => Buffer.from(files[name]!).toString('utf8');

    it('gives the member everything about them as one archive: profile, consent, pairings, sessions, samples as CSV and FIT', async () => {
      const response = await call('ann', 'GET', '/api/v1/me/export');
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/zip');
      const files = unzip(response.rawPayload);
      const names = Object.keys(files).sort();
      expect(names).toEqual(
        expect.arrayContaining([
          'README.txt',
          'account.json',
          'riverside/profile.json',
          'riverside/pairings.json',
          'riverside/training-log.json',
          'riverside/readiness.json',
          'riverside/challenges.json',
          'riverside/sessions.json',
        ]),
      );
      expect(JSON.parse(text(files, 'riverside/profile.json'))).toMatchObject({ id: 'ann', consentMs: Date.UTC(2026, 8, 1) });
      expect(
        JSON.parse(text(files, 'riverside/pairings.json'))
          .map((wear: { device: string }) => wear.device)
          .sort(),
      ).toEqual(['belt-1', 'hrm-ann']);
      expect(JSON.parse(text(files, 'riverside/challenges.json'))).toEqual([expect.objectContaining({ id: 'winter' })]);
      const fit = names.find((name) => name.startsWith('riverside/sessions/') && name.endsWith('.fit'))!;
      const decoded = new Decoder(Stream.fromByteArray(Array.from(files[fit]!))).read();
      // The session's 20 minutes: the ten belt 1 recorded before the pairing are Ann's too.
      expect(decoded.messages.recordMesgs).toHaveLength(600);
      const samples = names.filter((name) => name.startsWith('riverside/samples/'));
      const rows = samples.flatMap((name) => text(files, name).split('\n').slice(1));
      // Her seconds: belt 1 before and while she wore it, and her own strap; none of Bob's.
      expect(rows).toHaveLength(1200);
      expect(JSON.stringify(Object.keys(files))).not.toContain('bob');
      // Her own part of each session, not who else took part.
      const sessionsJson = text(files, 'riverside/sessions.json');
      expect(JSON.parse(sessionsJson)[0]).toMatchObject({ title: 'Morning', joinedMs: T });
      expect(sessionsJson).not.toContain('participants');
    });

    it('builds the same archive as a job whose progress the page can show', async () => {
      const started = await call('ann', 'POST', '/api/v1/me/exports');
      expect(started.statusCode).toBe(202);
      const job = await waitFor(async () => {
        const view = (await call('ann', 'GET', `/api/v1/jobs/${started.json().id}`)).json();
        return view.status === 'done' ? view : null;
      });
      expect(job.done).toBe(job.total);
      expect((await call('bob', 'GET', `/api/v1/jobs/${job.id}`)).statusCode).toBe(404);
      const archive = await call('ann', 'GET', job.archive);
      expect(Object.keys(unzip(archive.rawPayload))).toContain('riverside/profile.json');
    });

    it('lets only the athlete or the club’s admin ask for an erasure, naming the athlete again', async () => {
      expect((await call('bob', 'POST', '/api/v1/clubs/riverside/athletes/ann/erasure', { confirm: 'ann' })).statusCode).toBe(404);
      expect((await call('coach', 'POST', '/api/v1/clubs/riverside/athletes/ann/erasure', { confirm: 'ann' })).statusCode).toBe(403);
      expect((await call('otherClubAdmin', 'POST', '/api/v1/clubs/riverside/athletes/ann/erasure', { confirm: 'ann' })).statusCode).toBe(
        404,
      );
      const unconfirmed = await call('admin', 'POST', '/api/v1/clubs/riverside/athletes/ann/erasure', { confirm: 'bob' });
      expect(unconfirmed.statusCode).toBe(400);
      expect(stores.registry.hasMember('riverside', 'ann')).toBe(true);
    });

    it('erases the athlete everywhere: samples by every interval a device carried them, the queue, dead letters, registry, login', async () => {
      // A batch ingest read before the erasure, written while it runs: the second sweep takes it.
      const inFlight = stores.ingestQueue.peek(1000);
      const lastQueued = stores.ingestQueue.lastId();
      const started = await call('admin', 'POST', '/api/v1/clubs/riverside/athletes/ann/erasure', { confirm: 'ann' });
      expect(started.statusCode).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await stores.timeSeries.writePoints(inFlight.flatMap((entry) => entry.points));
      stores.ingestQueue.acknowledgeThrough(lastQueued);
      const job = await waitFor(async () => {
        const view = (await call('admin', 'GET', `/api/v1/jobs/${started.json().id}`)).json();
        return view.status !== 'running' ? view : null;
      });
      expect(job).toMatchObject({ status: 'done', error: null });
      expect(job.done).toBe(job.total);

      const count = (device: string, fromMs = 0, toMs = Date.now() + HOUR) =>
        stores.timeSeries.countPoints({ club: 'riverside', device, fromMs, toMs });
      expect(await count('hrm-ann')).toBe(0);
      // Belt 1's ten minutes before the pairing went with her; Bob's time on it stays.
      expect(await count('belt-1', T, T + HOUR)).toBe(0);
      expect(await count('belt-1', T + 2 * HOUR)).toBe(301);
      expect(await count('hrm-ann', T + HOUR + 700_000, T + HOUR + 700_001)).toBe(0);
      // Bob's point written by that batch stays, and so does his pairing: he still wears belt 1.
      expect(await count('belt-1', T + 2 * HOUR + 400_000, T + 2 * HOUR + 400_001)).toBe(1);
      expect(stores.registry.resolveAthlete('riverside', 'belt-1', Date.now())).toBe('bob');
      const letters = stores.deadLetters.list({ limit: 10, club: 'riverside' }).map((letter) => letter.payload.toString());
      expect(letters).toEqual([expect.stringContaining('hrm-bob')]);
      expect(stores.registry.hasMember('riverside', 'ann')).toBe(false);
      expect(stores.registry.hasDevice('riverside', 'hrm-ann')).toBe(false);
      expect(stores.registry.pairingLog('riverside', 0, Date.now() + HOUR).map((pairing) => pairing.athlete)).toEqual(['bob']);
      expect(stores.trainingLog.list('riverside', 'ann', 0, Date.now() + HOUR)).toEqual([]);
      expect(stores.readiness.list('riverside', 'ann', 0, Date.now() + HOUR)).toEqual([]);
      expect(stores.challenges.get('riverside', 'winter')!.entrants).toEqual([]);
      // Her login was only her: it is gone, and with it her session.
      expect((await call('ann', 'GET', '/api/v1/auth/me')).statusCode).toBe(401);
      // The audit says an erasure happened, not whose.
      const erasures = stores.registryDb.prepare("SELECT actor, subject FROM audit_log WHERE action = 'athlete-erased'").all();
      expect(erasures).toHaveLength(1);
      // …and what the log said of her before no longer names her.
      const audit = stores.registryDb.prepare('SELECT actor, subject FROM audit_log').all();
      expect(JSON.stringify(audit)).not.toMatch(/\bann\b/i);
      // A replay of her straps' samples arriving now is not stored: that time was hers.
      expect(
        stores.registry
          .erasedIntervals('riverside')
          .map((interval) => interval.device)
          .sort(),
      ).toEqual(['belt-1', 'hrm-ann']);
      // Erased means the id can be someone new's: nothing of Ann's is left for them to inherit.
      expect(stores.registry.createAthlete('riverside', { id: 'ann', name: 'Another Ann' }).devices).toEqual([]);
    });

    it('has ingest drop what arrives later for an erased stretch of time (a gateway’s replay), and keep the rest', async () => {
      const ingest = new IngestService(
        {
          MQTT_URL: 'mqtt://127.0.0.1:1',
          INGEST_CLIENT_ID: 'sc-ingest',
          INGEST_BATCH_SIZE: 5000,
          INGEST_FLUSH_INTERVAL: 60_000,
          INGEST_QUEUE_MAX_POINTS: 1_000_000,
        },
        { ...stores, metricsRegistry: new MetricsRegistry(), logger: testLogger },
      );
      try {
        const before = await stores.timeSeries.countPoints({ club: 'riverside' });
        const bobsMs = Date.now() - 1000;
        const message = (samples: { device: string; timeMs: number }[]) =>
          Buffer.from(
            JSON.stringify({
              v: 1,
              gateway: 'gw',
              seq: 1,
              sentAtMs: Date.now(),
              samples: samples.map((sample) => ({ ...sample, kind: 'heart_rate', values: { heartRateBpm: 120 } })),
            }),
          );
        ingest.accept(
          'sc/v1/riverside/gw/telemetry',
          message([
            { device: 'hrm-ann', timeMs: T + HOUR + 5000 },
            { device: 'belt-1', timeMs: T + 60_000 },
            { device: 'belt-1', timeMs: bobsMs },
          ]),
        );
        await ingest.writer.flush();
        // Only Bob's sample of now is stored: the other two fall in stretches that were Ann's.
        expect((await stores.timeSeries.countPoints({ club: 'riverside' })) - before).toBe(1);
        expect(ingest.queue.depth().points).toBe(0);
        // Bob's sample goes again: later tests count the belt's samples.
        await stores.timeSeries.deleteRange({ club: 'riverside', device: 'belt-1', fromMs: bobsMs, toMs: bobsMs + 1 });
      } finally {
        await ingest.writer.stop();
      }
    });

    it('names nobody when an athlete erases themselves: the audit says "the athlete", not the login that was theirs', async () => {
      stores.registry.createAthlete('riverside', { id: 'dora', name: 'Dora' });
      const dora = sessionCookie(stores, { membership: { club: 'riverside', role: 'athlete', athlete: 'dora' } });
      const asked = (method: 'GET' | 'POST', url: string, payload?: object) =>
        app.inject({ method, url, headers: { cookie: dora }, ...(payload ? { payload } : {}) });
      const audited = () =>
        stores.registryDb.prepare("SELECT actor FROM audit_log WHERE action = 'athlete-erased'").all() as { actor: string }[];
      const before = audited().length;
      const started = await asked('POST', '/api/v1/clubs/riverside/athletes/dora/erasure', { confirm: 'dora' });
      expect(started.statusCode).toBe(202);
      await waitFor(() => audited().length > before, { what: 'her erasure audited' });
      expect(audited().at(-1)).toEqual({ actor: 'the athlete' });
    });

    it('runs a pending erasure once however many API replicas start, and takes over one whose runner died', async () => {
      /** Another replica of the API on the same registry. */
      const replica = () =>
        buildApp(
          { DASHBOARD_DIR: '/nonexistent', ERASURE_SETTLE: 0 },
          {
            ...stores,
            metricsRegistry: new MetricsRegistry(),
            live: new LiveHub({
              brokerUrl: 'mqtt://127.0.0.1:1',
              registry: stores.registry,
              logger: testLogger,
              staleAfterMs: 10_000,
              windowMs: 60_000,
            }),
            logger: testLogger,
          },
        );
      const erasures = () =>
        stores.registryDb.prepare("SELECT COUNT(*) FROM audit_log WHERE action = 'athlete-erased'").pluck().get() as number;
      for (const id of ['eve', 'fay']) {
        stores.registry.createAthlete('riverside', { id, name: id });
        stores.registry.createDevice('riverside', { id: `hrm-${id}`, profile: 'heart_rate', owner: id }, T);
        stores.registry.requestErasure('riverside', id, 'u_admin');
      }
      // Fay's is being run by a replica that holds it for a while yet.
      expect(stores.registry.claimErasure('riverside', 'fay', 'api-elsewhere', Date.now() + 600_000)).toBe(true);
      const before = erasures();
      const replicas = [replica(), replica(), replica()];
      try {
        await Promise.all(replicas.map((one) => one.ready()));
        await waitFor(() => !stores.registry.hasTraces('riverside', 'eve'), { what: 'Eve erased' });
        expect(erasures()).toBe(before + 1); // once, not once per replica
        expect(stores.registry.hasTraces('riverside', 'fay')).toBe(true);
        // Asked again meanwhile: the erasure under way is the one that counts.
        expect((await call('admin', 'POST', '/api/v1/clubs/riverside/athletes/fay/erasure', { confirm: 'fay' })).statusCode).toBe(409);
        // Its runner died: its hold runs out, and the next replica to look takes it over.
        stores.registry.renewErasureClaim('riverside', 'fay', 'api-elsewhere', Date.now() - 1);
        const next = replica();
        replicas.push(next);
        await next.ready();
        await waitFor(() => !stores.registry.hasTraces('riverside', 'fay'), { what: 'Fay erased' });
        expect(erasures()).toBe(before + 2);
      } finally {
        await Promise.all(replicas.map((one) => one.close()));
      }
    });

    it('erases an athlete already removed from the roster, whose log stayed', async () => {
      stores.registry.createAthlete('riverside', { id: 'cleo', name: 'Cleo' });
      stores.registry.createDevice('riverside', { id: 'hrm-cleo', profile: 'heart_rate', owner: 'cleo' }, T);
      await stores.timeSeries.writePoints(seconds('hrm-cleo', 'cleo', T + 3 * HOUR, 10));
      stores.registry.deleteAthlete('riverside', 'cleo');
      const started = await call('admin', 'POST', '/api/v1/clubs/riverside/athletes/cleo/erasure', { confirm: 'cleo' });
      expect(started.statusCode).toBe(202);
      await waitFor(async () => (await call('admin', 'GET', `/api/v1/jobs/${started.json().id}`)).json().status === 'done');
      expect(await stores.timeSeries.countPoints({ club: 'riverside', device: 'hrm-cleo' })).toBe(0);
      expect(stores.registry.hasTraces('riverside', 'cleo')).toBe(false);
      expect((await call('admin', 'POST', '/api/v1/clubs/riverside/athletes/cleo/erasure', { confirm: 'cleo' })).statusCode).toBe(404);
    });

    it('deletes samples older than the club keeps, and nothing newer', async () => {
      await stores.timeSeries.writePoints([
        hr('belt-2', null, Date.now() - 100 * 86_400_000),
        hr('belt-2', null, Date.now() - 10 * 86_400_000),
      ]);
      stores.registry.updateClub('riverside', { retentionMonths: 3 });
      await applyRetention(stores, testLogger);
      expect(await stores.timeSeries.countPoints({ club: 'riverside', device: 'belt-2' })).toBe(1);
      expect(await stores.timeSeries.countPoints({ club: 'riverside', device: 'belt-1' })).toBe(301);
    });
  });
}

dataRights('SQLite', () => openTestStores());

describe.skipIf(!hasInfluxd())('on InfluxDB 1.x', () => {
  let influxd: RunningInfluxd;
  beforeAll(async () => {
    influxd = await startInfluxd();
  });
  afterAll(async () => {
    await influxd?.dispose();
  });
  dataRights('InfluxDB', () => openTestStores({ store: { STORE: 'influxdb', INFLUX_URL: influxd.url, INFLUX_DATABASE: 'rights' } }));
});
