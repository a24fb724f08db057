import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, buildApp } from '../../api/app.ts';
import { LiveHub } from '../../api/live/live-hub.ts';
import type { Stores } from '../../cli/open-stores.ts';
import { sessionCookie } from '../helpers/sessions.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { openTestStores } from '../helpers/test-stores.ts';

// The roster written through the API: the club's settings, its athletes (one by one or from a
// spreadsheet) and its devices, each route with who may and who may not.

const THIS_YEAR = new Date().getUTCFullYear();

describe('roster routes', () => {
  let stores: Stores;
  let app: Api;
  const as = {} as Record<'admin' | 'coach' | 'ann' | 'bob' | 'otherClubAdmin', string>;
  const call = (who: keyof typeof as, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    app.inject({ method, url: `/api/v1/clubs/riverside${url}`, headers: { cookie: as[who] }, ...(payload ? { payload } : {}) });
  const importCsv = (who: keyof typeof as, csv: string | Buffer) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/clubs/riverside/athletes/import',
      headers: { cookie: as[who], 'content-type': 'text/csv; charset=utf-8' },
      payload: csv,
    });

  beforeAll(async () => {
    stores = await openTestStores();
    stores.registry.upsertClub('riverside', 'Riverside Rowing');
    stores.registry.upsertClub('hilltop', 'Hilltop Harriers');
    stores.registry.createAthlete('riverside', { id: 'ann', name: 'Ann Other', birthYear: THIS_YEAR - 30 });
    stores.registry.createAthlete('riverside', { id: 'bob', name: 'Bob Builder', maxHrBpm: 185 });
    const live = new LiveHub({
      brokerUrl: 'mqtt://127.0.0.1:1',
      registry: stores.registry,
      logger: testLogger,
      staleAfterMs: 10_000,
      windowMs: 60_000,
    });
    app = buildApp(
      { DASHBOARD_DIR: '/nonexistent', WRITES_PER_MINUTE: 1_000_000 },
      { ...stores, metricsRegistry: new MetricsRegistry(), live, logger: testLogger },
    );
    as.admin = sessionCookie(stores, { membership: { club: 'riverside', role: 'admin', athlete: null } });
    as.coach = sessionCookie(stores, { membership: { club: 'riverside', role: 'coach', athlete: null } });
    as.ann = sessionCookie(stores, { membership: { club: 'riverside', role: 'athlete', athlete: 'ann' } });
    as.bob = sessionCookie(stores, { membership: { club: 'riverside', role: 'athlete', athlete: 'bob' } });
    as.otherClubAdmin = sessionCookie(stores, { membership: { club: 'hilltop', role: 'admin', athlete: null } });
  });
  afterAll(async () => {
    await app?.close();
    await stores?.close();
  });

  describe('the club', () => {
    it('shows its settings to its members, and lets only its admin change them', async () => {
      expect((await call('ann', 'GET', '')).json()).toEqual({
        id: 'riverside',
        name: 'Riverside Rowing',
        maxHrFormula: 'tanaka',
        zoneModel: 'percent-max',
        retentionMonths: null,
      });
      expect((await call('coach', 'PATCH', '', { name: 'Taken over' })).statusCode).toBe(403);
      expect((await call('otherClubAdmin', 'PATCH', '', { name: 'Taken over' })).statusCode).toBe(404);
      const changed = await call('admin', 'PATCH', '', { name: 'Riverside RC' });
      expect(changed.json()).toEqual({
        id: 'riverside',
        name: 'Riverside RC',
        maxHrFormula: 'tanaka',
        zoneModel: 'percent-max',
        retentionMonths: null,
      });
    });

    it('estimates a maximum heart rate with the formula the club chose, and says it is an estimate', async () => {
      const ann = () => call('coach', 'GET', '/athletes/ann').then((response) => response.json());
      expect(await ann()).toMatchObject({ maxHrBpm: 187, maxHrEstimated: true }); // Tanaka: 208 − 0.7 × 30
      expect((await call('admin', 'PATCH', '', { maxHrFormula: 'fox' })).statusCode).toBe(200);
      expect(await ann()).toMatchObject({ maxHrBpm: 190, maxHrEstimated: true }); // Fox: 220 − 30
      expect((await call('admin', 'PATCH', '', { maxHrFormula: 'gellish' })).statusCode).toBe(200);
      expect(await ann()).toMatchObject({ maxHrBpm: 186, maxHrEstimated: true }); // Gellish: 207 − 0.7 × 30
      expect((await call('admin', 'PATCH', '', { maxHrFormula: 'tanaka' })).statusCode).toBe(200);
      // A measured maximum wins, and is not an estimate.
      expect((await call('coach', 'GET', '/athletes/bob')).json()).toMatchObject({ maxHrBpm: 185, maxHrEstimated: false });
    });

    it('refuses a formula it does not know', async () => {
      const response = await call('admin', 'PATCH', '', { maxHrFormula: 'astrology' });
      expect(response.statusCode).toBe(400);
      expect(response.json().message).toMatch(/maxHrFormula/);
    });
  });

  describe('athletes', () => {
    it('are created by staff: 201 with the athlete, its id at the top level', async () => {
      const response = await call('coach', 'POST', '/athletes', {
        id: 'cleo',
        name: 'Cléo Dupré',
        displayName: 'Cléo D.',
        birthYear: THIS_YEAR - 30,
        sex: 'female',
        weightKg: 61.5,
        restHrBpm: 52,
        consentMs: Date.UTC(2026, 8, 1),
      });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toEqual({
        id: 'cleo',
        name: 'Cléo Dupré',
        displayName: 'Cléo D.',
        birthYear: THIS_YEAR - 30,
        sex: 'female',
        weightKg: 61.5,
        restHrBpm: 52,
        maxHrBpm: 187,
        maxHrEstimated: true,
        consentMs: Date.UTC(2026, 8, 1),
        alias: null,
        screenPrivacy: 'name',
        screenHideKcal: false,
        weeklyPointsGoal: null,
        devices: [],
      });
      expect((await call('coach', 'GET', '/athletes/cleo')).json().name).toBe('Cléo Dupré');
    });

    it('answers 409 for an id the club has, and 400 with the field for an impossible profile', async () => {
      const taken = await call('coach', 'POST', '/athletes', { id: 'ann', name: 'Another Ann' });
      expect(taken.statusCode).toBe(409);
      expect(taken.json()).toEqual({ code: 'SC_ERR_CONFLICT', message: 'athlete "ann" exists already' });
      for (const [field, value] of [
        ['restHrBpm', 7],
        ['maxHrBpm', 400],
        ['weightKg', -3],
        ['birthYear', THIS_YEAR + 1],
        ['sex', 'robot'],
        ['name', ''],
      ] as const) {
        const response = await call('coach', 'POST', '/athletes', { id: 'dan', name: 'Dan', [field]: value });
        expect(response.statusCode, field).toBe(400);
        expect(response.json().message).toContain(field);
      }
      expect((await call('coach', 'GET', '/athletes/dan')).statusCode).toBe(404);
    });

    it('are not created by an athlete or another club', async () => {
      expect((await call('ann', 'POST', '/athletes', { id: 'eve', name: 'Eve' })).statusCode).toBe(403);
      expect((await call('otherClubAdmin', 'POST', '/athletes', { id: 'eve', name: 'Eve' })).statusCode).toBe(404);
      expect(stores.registry.hasMember('riverside', 'eve')).toBe(false);
    });

    it('let an athlete edit their own profile and nobody else’s', async () => {
      const own = await call('ann', 'PATCH', '/athletes/ann', { weightKg: 58, restHrBpm: 48 });
      expect(own.statusCode).toBe(200);
      expect(own.json()).toMatchObject({ id: 'ann', weightKg: 58, restHrBpm: 48, name: 'Ann Other' });
      const others = await call('ann', 'PATCH', '/athletes/bob', { weightKg: 200 });
      expect(others.statusCode).toBe(404);
      expect(stores.registry.getAthlete('riverside', 'bob')!.weightKg).toBeNull();
      expect((await call('ann', 'GET', '/athletes/bob')).statusCode).toBe(404);
      expect((await call('ann', 'GET', '/athletes')).json().athletes.map((athlete: { id: string }) => athlete.id)).toEqual(['ann']);
    });

    it('clear a field with null and leave the ones not given', async () => {
      const response = await call('coach', 'PATCH', '/athletes/ann', { restHrBpm: null });
      expect(response.json()).toMatchObject({ restHrBpm: null, weightKg: 58 });
    });

    it('are removed by the club’s admin only, with their pairings, while their samples stay under the device', async () => {
      await call('coach', 'POST', '/athletes', { id: 'gus', name: 'Gus' });
      await call('coach', 'POST', '/devices', { id: 'hrm-gus', owner: 'gus' });
      const gusLogin = sessionCookie(stores, { membership: { club: 'riverside', role: 'athlete', athlete: 'gus' } });
      expect((await call('coach', 'DELETE', '/athletes/gus')).statusCode).toBe(403);
      expect((await call('admin', 'DELETE', '/athletes/gus')).statusCode).toBe(204);
      // The login that was Gus loses the club: nobody later given the id "gus" would be theirs to read.
      const asGus = await app.inject({ url: '/api/v1/clubs/riverside/athletes', headers: { cookie: gusLogin } });
      expect(asGus.statusCode).toBe(404);
      expect((await call('coach', 'POST', '/athletes', { id: 'gus', name: 'New Gus' })).statusCode).toBe(409);
      expect((await call('admin', 'GET', '/athletes/gus')).statusCode).toBe(404);
      expect((await call('admin', 'DELETE', '/athletes/gus')).statusCode).toBe(404);
      expect((await call('coach', 'GET', '/devices/hrm-gus')).json()).toMatchObject({ owner: null, athlete: null });
    });
  });

  describe('roster import', () => {
    it('imports a spreadsheet with accents and quoted fields, reports bad rows by line, and updates on re-import', async () => {
      const csv = [
        'id,name,display_name,birth_year,sex,weight_kg,rest_hr_bpm,max_hr_bpm,consent',
        'zoe-m,"Müller, Zoë",Zoë M.,1990,F,"58,5",50,,2026-09-01',
        'jo,"Jo ""the rocket"" Smith",,1985,male,80,,190,yes',
        'BAD ID,Someone,,,,,,,',
        'kim,Kim,,1880,,,,,',
        'lee,Lee,,,,,,,maybe',
        'short,row',
        'jo,Jo again,,,,,,,',
        '',
      ].join('\r\n');
      const first = await importCsv('coach', csv);
      expect(first.statusCode).toBe(200);
      expect(first.json()).toEqual({
        created: 2,
        updated: 0,
        errors: [
          { line: 4, reason: expect.stringContaining('id') },
          { line: 5, reason: expect.stringContaining('birthYear') },
          { line: 6, reason: expect.stringContaining('consent "maybe"') },
          { line: 7, reason: '2 fields where the header has 9' },
          { line: 8, reason: 'id "jo" is on line 3 already' },
        ],
      });
      expect((await call('coach', 'GET', '/athletes/zoe-m')).json()).toMatchObject({
        name: 'Müller, Zoë',
        displayName: 'Zoë M.',
        birthYear: 1990,
        sex: 'female',
        weightKg: 58.5,
        restHrBpm: 50,
        maxHrBpm: 208 - Math.round(0.7 * (THIS_YEAR - 1990)),
        maxHrEstimated: true,
        consentMs: Date.UTC(2026, 8, 1),
        alias: null,
        screenPrivacy: 'name',
        screenHideKcal: false,
        weeklyPointsGoal: null,
      });
      const jo = (await call('coach', 'GET', '/athletes/jo')).json();
      expect(jo).toMatchObject({ name: 'Jo "the rocket" Smith', maxHrBpm: 190, maxHrEstimated: false });
      expect(jo.consentMs).toBeGreaterThan(0);

      // A re-import (semicolons this time, as many European spreadsheets save) updates, never duplicates;
      // an undated "yes" keeps the date consent was first given.
      const again = await importCsv('coach', `\uFEFFid;name;weight_kg;consent\nzoe-m;Zoë Müller;60;\njo;Jo Smith;;yes\nnew-one;Nina;;no\n`);
      expect(again.json()).toEqual({ created: 1, updated: 2, errors: [] });
      expect((await call('coach', 'GET', '/athletes/zoe-m')).json()).toMatchObject({
        name: 'Zoë Müller',
        weightKg: 60,
        birthYear: 1990,
        consentMs: Date.UTC(2026, 8, 1),
      });
      expect((await call('coach', 'GET', '/athletes/jo')).json().consentMs).toBe(jo.consentMs);
      const ids = (await call('coach', 'GET', '/athletes')).json().athletes.map((athlete: { id: string }) => athlete.id);
      expect(ids.filter((id: string) => id === 'jo' || id === 'zoe-m')).toHaveLength(2);
    });

    it('withdraws consent when the spreadsheet says no', async () => {
      await importCsv('coach', 'id,name,consent\nwill,Will,2026-01-02\n');
      expect(stores.registry.getAthlete('riverside', 'will')!.consentMs).toBe(Date.UTC(2026, 0, 2));
      await importCsv('coach', 'id,name,consent\nwill,Will,no\n');
      expect(stores.registry.getAthlete('riverside', 'will')!.consentMs).toBeNull();
    });

    it('refuses a file that is not UTF-8, one without the required columns, and one that is not CSV', async () => {
      const latin1 = await importCsv('coach', Buffer.from('id,name\nzed,Zoë\n', 'latin1'));
      expect(latin1.statusCode).toBe(400);
      expect(latin1.json().message).toMatch(/CSV UTF-8/);
      expect(stores.registry.hasMember('riverside', 'zed')).toBe(false);
      const noName = await importCsv('coach', 'id,nickname\nzed,Z\n');
      expect(noName.json()).toEqual({
        created: 0,
        updated: 0,
        errors: [{ line: 1, reason: expect.stringMatching(/unknown column "nickname"/) }],
      });
      const json = await call('coach', 'POST', '/athletes/import', { id: 'zed', name: 'Z' });
      expect(json.statusCode).toBe(415);
    });

    it('is staff’s to do', async () => {
      expect((await importCsv('ann', 'id,name\nmole,Mole\n')).statusCode).toBe(403);
      expect((await importCsv('otherClubAdmin', 'id,name\nmole,Mole\n')).statusCode).toBe(404);
      expect(stores.registry.hasMember('riverside', 'mole')).toBe(false);
    });
  });

  describe('devices', () => {
    it('are registered as an athlete’s own (then worn by them) or the club’s pool', async () => {
      const own = await call('coach', 'POST', '/devices', { id: 'C4:7A:11:00:00:01', label: 'Bob’s Polar', owner: 'bob' });
      expect(own.statusCode).toBe(201);
      expect(own.json()).toEqual({ id: 'C4:7A:11:00:00:01', profile: 'heart_rate', label: 'Bob’s Polar', owner: 'bob', athlete: 'bob' });
      const pool = await call('coach', 'POST', '/devices', { id: 'belt-12', label: 'Belt 12', profile: 'heart_rate' });
      expect(pool.json()).toEqual({ id: 'belt-12', profile: 'heart_rate', label: 'Belt 12', owner: null, athlete: null });
      const bike = await call('coach', 'POST', '/devices', { id: 'bike-3', label: 'Bike 3', profile: 'indoor_bike' });
      expect(bike.json().profile).toBe('indoor_bike');
      expect((await call('coach', 'GET', '/athletes/bob')).json().devices).toEqual(['C4:7A:11:00:00:01']);
    });

    it('answer 409 for an id the club has, 404 for an owner it does not, 400 for an unknown profile', async () => {
      expect((await call('coach', 'POST', '/devices', { id: 'belt-12' })).statusCode).toBe(409);
      expect((await call('coach', 'POST', '/devices', { id: 'belt-13', owner: 'nobody' })).statusCode).toBe(404);
      expect((await call('coach', 'POST', '/devices', { id: 'belt-13', profile: 'toaster' })).statusCode).toBe(400);
      expect((await call('coach', 'GET', '/devices/belt-13')).statusCode).toBe(404);
    });

    it('change hands: a new owner wears it from now on, back to the pool ends the owner’s pairing', async () => {
      const given = await call('coach', 'PATCH', '/devices/belt-12', { owner: 'ann' });
      expect(given.json()).toMatchObject({ owner: 'ann', athlete: 'ann' });
      const back = await call('coach', 'PATCH', '/devices/belt-12', { owner: null, label: 'Belt 12 (new strap)' });
      expect(back.json()).toEqual({ id: 'belt-12', profile: 'heart_rate', label: 'Belt 12 (new strap)', owner: null, athlete: null });
    });

    it('are shown to an athlete only when they are theirs', async () => {
      const bobs = (await call('bob', 'GET', '/devices')).json().devices.map((device: { id: string }) => device.id);
      expect(bobs).toEqual(['C4:7A:11:00:00:01']);
      expect((await call('bob', 'GET', '/devices/belt-12')).statusCode).toBe(404);
      expect((await call('bob', 'GET', '/devices/C4:7A:11:00:00:01')).statusCode).toBe(200);
      expect((await call('bob', 'PATCH', '/devices/C4:7A:11:00:00:01', { owner: 'ann' })).statusCode).toBe(403);
    });

    it('are removed by staff, ending whoever wore it', async () => {
      expect((await call('ann', 'DELETE', '/devices/bike-3')).statusCode).toBe(403);
      expect((await call('coach', 'DELETE', '/devices/bike-3')).statusCode).toBe(204);
      expect((await call('coach', 'DELETE', '/devices/bike-3')).statusCode).toBe(404);
    });
  });

  it('describes every route in an OpenAPI document generated from the same schemas', async () => {
    const response = await app.inject('/api/docs');
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toMatch(/^3\./);
    for (const path of ['/api/v1/clubs/{club}/athletes', '/api/v1/clubs/{club}/pairings', '/api/v1/clubs/{club}/sessions/{session}/stop'])
      expect(Object.keys(document.paths)).toContain(path);
    const create = document.paths['/api/v1/clubs/{club}/athletes'].post;
    const body = create.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['id', 'name']);
    expect(body.properties.restHrBpm).toMatchObject({ minimum: 25, maximum: 120 });
    expect(Object.keys(create.responses)).toContain('201');
  });
});
