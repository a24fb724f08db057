import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionMetrics } from '../../protocol/reports.ts';
import { Accounts } from '../../store/accounts.ts';
import { Challenges } from '../../store/challenges.ts';
import { ClubSessions } from '../../store/club-sessions.ts';
import { DeadLetters } from '../../store/dead-letters.ts';
import { MqttAccounts } from '../../store/mqtt-accounts.ts';
import { ReadinessChecks } from '../../store/readiness-checks.ts';
import { Registry, RosterError } from '../../store/registry.ts';
import type { SqlDatabase } from '../../store/sql/sql-database.ts';
import { TrainingLog } from '../../store/training-log.ts';

const T0 = Date.UTC(2026, 10, 3, 18, 0, 0);
const MINUTE = 60_000;

/** A fresh, empty registry database for one test, and a second connection to that same database. */
export interface RegistryEngine {
  open(): Promise<{ db: SqlDatabase; second(): SqlDatabase; dispose(): Promise<void> | void }>;
}

function storesOn(db: SqlDatabase) {
  return {
    registry: new Registry(db),
    accounts: new Accounts(db),
    mqttAccounts: new MqttAccounts(db),
    sessions: new ClubSessions(db),
    challenges: new Challenges(db),
    trainingLog: new TrainingLog(db),
    readiness: new ReadinessChecks(db),
  };
}

/**
 * What the registry promises on every engine it runs on: the embedded SQLite file and PostgreSQL. The
 * same calls, the same answers (types included: numbers stay numbers, absent values null).
 */
export function describeRegistryContract(engine: string, make: () => RegistryEngine): void {
  describe(`the registry on ${engine}`, () => {
    let opened: Awaited<ReturnType<RegistryEngine['open']>>;
    let db: SqlDatabase;
    let stores: ReturnType<typeof storesOn>;
    let registry: Registry;
    const log = () =>
      registry.pairingLog('club', 0, T0 + 1000 * MINUTE).map(({ device, athlete, fromMs, toMs }) => ({ device, athlete, fromMs, toMs }));

    beforeEach(async () => {
      opened = await make().open();
      db = opened.db;
      stores = storesOn(db);
      registry = stores.registry;
      registry.upsertClub('club', 'Club', T0);
      for (const id of ['ann', 'bob']) registry.createAthlete('club', { id, name: id }, T0);
      registry.createDevice('club', { id: 'belt-1', profile: 'heart_rate' }, T0);
    });
    afterEach(async () => {
      await opened.dispose();
    });

    describe('the pairing log', () => {
      it('hands a belt on: the first wearer’s pairing ends where the next one’s starts', () => {
        registry.pairDevice('club', 'belt-1', 'ann', T0, T0);
        registry.pairDevice('club', 'belt-1', 'bob', T0 + 30 * MINUTE, T0 + 30 * MINUTE);
        expect(log()).toEqual([
          { device: 'belt-1', athlete: 'ann', fromMs: T0, toMs: T0 + 30 * MINUTE },
          { device: 'belt-1', athlete: 'bob', fromMs: T0 + 30 * MINUTE, toMs: null },
        ]);
        expect(registry.resolveAthlete('club', 'belt-1', T0 + 29 * MINUTE)).toBe('ann');
        expect(registry.resolveAthlete('club', 'belt-1', T0 + 30 * MINUTE)).toBe('bob');
        expect(registry.pairingLog('club', T0, T0 + MINUTE)[0]).toMatchObject({ id: `belt-1@${T0}` });
      });

      it('attaches earlier samples when paired late, unless someone else wore the device then', () => {
        registry.pairDevice('club', 'belt-1', 'ann', T0 - 20 * MINUTE, T0);
        expect(log()).toEqual([{ device: 'belt-1', athlete: 'ann', fromMs: T0 - 20 * MINUTE, toMs: null }]);
        expect(() => registry.pairDevice('club', 'belt-1', 'bob', T0 - 10 * MINUTE, T0 + MINUTE)).toThrow(/worn by "ann"/);
        expect(log()).toHaveLength(1);
      });

      it('merges an athlete’s own pairings of one device instead of stacking them', () => {
        registry.pairDevice('club', 'belt-1', 'ann', T0, T0);
        registry.endPairing('club', 'belt-1', T0 + 10 * MINUTE);
        registry.pairDevice('club', 'belt-1', 'ann', T0 + 5 * MINUTE, T0 + 20 * MINUTE);
        expect(log()).toEqual([{ device: 'belt-1', athlete: 'ann', fromMs: T0, toMs: null }]);
        registry.pairDevice('club', 'belt-1', 'ann', T0 + 25 * MINUTE, T0 + 25 * MINUTE); // already worn: nothing changes
        expect(log()).toEqual([{ device: 'belt-1', athlete: 'ann', fromMs: T0, toMs: null }]);
      });

      it('refuses a hand-over in the very millisecond someone else put the device on', () => {
        registry.pairDevice('club', 'belt-1', 'ann', T0, T0);
        expect(() => registry.pairDevice('club', 'belt-1', 'bob', T0, T0)).toThrow(/just paired with "ann"/);
        expect(log()).toEqual([{ device: 'belt-1', athlete: 'ann', fromMs: T0, toMs: null }]);
      });

      it('ends a pairing at a stop time without touching one that began after it', () => {
        registry.pairDevice('club', 'belt-1', 'ann', T0 + MINUTE, T0 + MINUTE);
        expect(registry.endPairing('club', 'belt-1', T0)).toBe(false);
        expect(registry.endPairing('club', 'belt-1', T0 + 2 * MINUTE)).toBe(true);
        expect(registry.lastTakenOffMs('club', 'belt-1')).toBe(T0 + 2 * MINUTE);
      });

      it('keeps a removed athlete’s wear closed in the log: nobody claims those samples, and the id is not reused', () => {
        registry.pairDevice('club', 'belt-1', 'ann', T0, T0);
        expect(registry.deleteAthlete('club', 'ann', T0 + 10 * MINUTE)).toBe(true);
        expect(log()).toEqual([{ device: 'belt-1', athlete: 'ann', fromMs: T0, toMs: T0 + 10 * MINUTE }]);
        expect(() => registry.pairDevice('club', 'belt-1', 'bob', T0 + 5 * MINUTE, T0 + 20 * MINUTE)).toThrow(/worn by "ann"/);
        expect(() => registry.createAthlete('club', { id: 'ann', name: 'Another Ann' })).toThrow(/removed earlier/);
        expect(registry.deleteAthlete('club', 'ann')).toBe(false);
        expect(registry.hasTraces('club', 'ann')).toBe(true);
      });

      it('gives each athlete their wear intervals clipped to the range asked, uploads when asked', () => {
        registry.pairDevice('club', 'belt-1', 'ann', T0, T0);
        registry.pairDevice('club', 'belt-1', 'bob', T0 + 30 * MINUTE, T0 + 30 * MINUTE);
        registry.recordUpload('club', 'ann', { id: 'run', device: 'upload-run', fromMs: T0 + 40 * MINUTE, toMs: T0 + 50 * MINUTE });
        expect(registry.wearIntervals('club', 'ann', T0 + 10 * MINUTE, T0 + 60 * MINUTE)).toEqual([
          { device: 'belt-1', fromMs: T0 + 10 * MINUTE, toMs: T0 + 30 * MINUTE },
        ]);
        expect(registry.wearIntervals('club', 'ann', T0 + 10 * MINUTE, T0 + 60 * MINUTE, { uploads: true })).toEqual([
          { device: 'belt-1', fromMs: T0 + 10 * MINUTE, toMs: T0 + 30 * MINUTE },
          { device: 'upload-run', fromMs: T0 + 40 * MINUTE, toMs: T0 + 50 * MINUTE },
        ]);
        expect(registry.wearIntervals('club', 'bob', T0, T0 + 30 * MINUTE)).toEqual([]);
        expect(registry.removeUpload('club', 'ann', 'run')).toBe('upload-run');
        expect(registry.removeUpload('club', 'ann', 'run')).toBeNull();
      });

      it('moves its change counter with every change to the log, seen from another connection', () => {
        const other = new Registry(opened.second());
        const before = other.pairingsVersion();
        registry.pairDevice('club', 'belt-1', 'ann', T0, T0);
        const paired = other.pairingsVersion();
        expect(paired).toBeGreaterThan(before);
        registry.endPairing('club', 'belt-1', T0 + MINUTE);
        expect(other.pairingsVersion()).toBeGreaterThan(paired);
        expect(other.pairingLog('club', 0, T0 + MINUTE)).toHaveLength(1);
      });
    });

    describe('athletes and devices', () => {
      it('lists athletes as people read names, with what they wear and an estimated maximum', () => {
        registry.createAthlete('club', { id: 'elodie', name: 'Élodie', birthYear: 1996, weightKg: 61.5 }, T0);
        registry.createAthlete('club', { id: 'zoe', name: 'Zoé', maxHrBpm: 188 }, T0);
        registry.pairDevice('club', 'belt-1', 'elodie', T0, T0);
        const athletes = registry.listAthletes('club', T0 + MINUTE);
        expect(athletes.map((athlete) => athlete.name)).toEqual(['ann', 'bob', 'Élodie', 'Zoé']);
        expect(athletes[2]).toMatchObject({ devices: ['belt-1'], weightKg: 61.5, maxHrEstimated: true, screenHideKcal: false });
        expect(athletes[2]!.maxHrBpm).toBeTypeOf('number');
        expect(athletes[3]).toMatchObject({ maxHrBpm: 188, maxHrEstimated: false, consentMs: null, devices: [] });
        // What an athlete wears, in the order of the devices' ids, whatever order they were put on in.
        for (const id of ['z-strap', 'a-strap']) registry.createDevice('club', { id, profile: 'heart_rate', owner: 'zoe' }, T0);
        expect(registry.getAthlete('club', 'zoe', T0 + MINUTE)?.devices).toEqual(['a-strap', 'z-strap']);
      });

      it('updates only the fields given, booleans included, and imports a roster in one transaction', () => {
        expect(registry.updateAthlete('club', 'ann', { screenHideKcal: true, alias: 'A.', consentMs: T0 }, T0)).toMatchObject({
          name: 'ann',
          screenHideKcal: true,
          alias: 'A.',
          consentMs: T0,
        });
        expect(
          registry.importAthletes(
            'club',
            [
              { athlete: { id: 'ann', name: 'Ann' }, consentUndated: true },
              { athlete: { id: 'cy', name: 'Cy' }, consentUndated: false },
            ],
            T0,
          ),
        ).toEqual({ created: 1, updated: 1 });
        expect(registry.getAthlete('club', 'ann', T0)).toMatchObject({ name: 'Ann', consentMs: T0 });
      });

      it('registers owned devices paired with their owner, and hands them to the pool', () => {
        const device = registry.createDevice('club', { id: 'belt-2', profile: 'heart_rate', label: 'Blue', owner: 'bob' }, T0);
        expect(device).toEqual({ id: 'belt-2', profile: 'heart_rate', label: 'Blue', owner: 'bob', athlete: 'bob' });
        expect(() => registry.createDevice('club', { id: 'belt-2', profile: 'heart_rate' })).toThrow(RosterError);
        expect(registry.updateDevice('club', 'belt-2', { owner: null }, T0 + MINUTE)).toMatchObject({ owner: null, athlete: null });
        expect(registry.listDevices('club', T0 + MINUTE).map((one) => one.id)).toEqual(['belt-1', 'belt-2']);
        expect(registry.deleteDevice('club', 'belt-2', T0 + 2 * MINUTE)).toBe(true);
        expect(registry.hasDevice('club', 'belt-2')).toBe(false);
      });

      it('keeps club settings and retention', () => {
        registry.updateClub('club', { retentionMonths: 6, zoneModel: 'reserve' });
        expect(registry.clubSettings('club')).toEqual({
          id: 'club',
          name: 'Club',
          maxHrFormula: 'tanaka',
          zoneModel: 'reserve',
          retentionMonths: 6,
        });
        expect(registry.clubsWithRetention()).toEqual([{ club: 'club', months: 6 }]);
        expect(registry.hasClub('nope')).toBe(false);
      });
    });

    describe('transactions', () => {
      it('undoes every write of a unit of work that fails', () => {
        expect(() =>
          registry.atomically(() => {
            registry.createAthlete('club', { id: 'cy', name: 'Cy' });
            registry.pairDevice('club', 'belt-1', 'cy', T0, T0);
            throw new Error('the import failed half-way');
          }),
        ).toThrow('half-way');
        expect(registry.hasMember('club', 'cy')).toBe(false);
        expect(log()).toEqual([]);
      });

      it('keeps the outer work when a nested one fails and is caught (a savepoint)', () => {
        registry.pairDevice('club', 'belt-1', 'ann', T0, T0);
        registry.atomically(() => {
          registry.createAthlete('club', { id: 'cy', name: 'Cy' });
          // A nested transaction that fails: its own writes go, the outer ones stay.
          expect(() => registry.pairDevice('club', 'belt-1', 'bob', T0 - MINUTE, T0 + MINUTE)).toThrow(/worn by/);
          registry.createDevice('club', { id: 'belt-3', profile: 'heart_rate', owner: 'cy' }, T0 + MINUTE);
        });
        expect(registry.hasMember('club', 'cy')).toBe(true);
        expect(registry.getDevice('club', 'belt-3', T0 + 2 * MINUTE)).toMatchObject({ athlete: 'cy' });
      });
    });

    describe('erasure', () => {
      it('remembers erased stretches (a second record of the same start replaces it) and pending requests', () => {
        registry.requestErasure('club', 'ann', 'u_admin', T0);
        registry.requestErasure('club', 'ann', 'u_other', T0 + 1);
        expect(registry.pendingErasures()).toEqual([{ club: 'club', athlete: 'ann', requestedBy: 'u_admin' }]);
        registry.recordErasedIntervals('club', [{ device: 'belt-1', fromMs: T0, toMs: T0 + MINUTE }]);
        registry.recordErasedIntervals('club', [{ device: 'belt-1', fromMs: T0, toMs: T0 + 2 * MINUTE }]);
        expect(registry.erasedIntervals('club')).toEqual([{ device: 'belt-1', fromMs: T0, toMs: T0 + 2 * MINUTE }]);
      });

      it('lets one runner at a time hold a pending erasure, until its hold runs out or it lets go', () => {
        registry.requestErasure('club', 'ann', 'u_admin', T0);
        const elsewhere = new Registry(opened.second());
        expect(registry.claimErasure('club', 'ann', 'api-a', T0 + 2 * MINUTE, T0)).toBe(true);
        expect(elsewhere.claimErasure('club', 'ann', 'api-b', T0 + 3 * MINUTE, T0 + MINUTE)).toBe(false);
        expect(registry.renewErasureClaim('club', 'ann', 'api-a', T0 + 4 * MINUTE)).toBe(true);
        expect(elsewhere.renewErasureClaim('club', 'ann', 'api-b', T0 + 9 * MINUTE)).toBe(false); // not b's to renew
        expect(elsewhere.claimErasure('club', 'ann', 'api-b', T0 + 5 * MINUTE, T0 + 3 * MINUTE)).toBe(false);
        // a stalled past its hold: b takes it over, and a's renewal says it is no longer a's.
        expect(elsewhere.claimErasure('club', 'ann', 'api-b', T0 + 6 * MINUTE, T0 + 4 * MINUTE)).toBe(true);
        expect(registry.renewErasureClaim('club', 'ann', 'api-a', T0 + 8 * MINUTE)).toBe(false);
        registry.releaseErasureClaim('club', 'ann', 'api-a'); // not a's any more: nothing happens
        expect(registry.claimErasure('club', 'ann', 'api-a', T0 + 7 * MINUTE, T0 + 5 * MINUTE)).toBe(false);
        elsewhere.releaseErasureClaim('club', 'ann', 'api-b');
        expect(registry.claimErasure('club', 'ann', 'api-a', T0 + 7 * MINUTE, T0 + 5 * MINUTE)).toBe(true);
        expect(registry.claimErasure('club', 'bob', 'api-a', T0 + MINUTE, T0)).toBe(false); // nothing asked for Bob
      });

      it('removes every row about the athlete, their own login, and their name from the audit log', () => {
        const { accounts } = stores;
        const login = accounts.createUser({ email: 'ann@example.org', name: 'Ann', passwordHash: 'h' }, T0);
        accounts.setMembership(login.id, { club: 'club', role: 'athlete', athlete: 'ann' });
        const coach = accounts.createUser({ email: 'coach@example.org', name: 'Coach', passwordHash: 'h' }, T0);
        accounts.setMembership(coach.id, { club: 'club', role: 'coach', athlete: null });
        accounts.audit({ actor: coach.id, action: 'athlete.update', club: 'club', subject: 'athlete ann' }, T0);
        accounts.audit({ actor: login.id, action: 'profile.update', club: 'club', subject: 'own profile' }, T0);
        registry.pairDevice('club', 'belt-1', 'ann', T0, T0);
        stores.readiness.record('club', 'ann', { atMs: T0, durationS: 120, rmssdMs: 55.5, restHrBpm: 52 });
        registry.requestErasure('club', 'ann', coach.id, T0);

        expect(registry.eraseAthlete('club', 'ann')).toEqual({ logins: 1 });
        expect(registry.hasTraces('club', 'ann')).toBe(false);
        expect(registry.pendingErasures()).toEqual([]);
        expect(accounts.getUser(login.id)).toBeNull();
        expect(accounts.getUser(coach.id)).not.toBeNull();
        const audit = db.prepare('SELECT actor, subject FROM audit_log ORDER BY id').all();
        expect(audit).toEqual([
          { actor: coach.id, subject: '[erased athlete]' },
          { actor: '[erased athlete]', subject: 'own profile' },
        ]);
      });
    });

    describe('dead letters', () => {
      it('keeps every worker’s letters with their bytes, counts and erases them per club, prunes the old', () => {
        const letters = new DeadLetters(db);
        const payload = Buffer.from([0x7b, 0x00, 0xff, 0x10]);
        letters.record({ receivedMs: T0, topic: 'sc/v1/club/gw/telemetry', reason: 'invalid_json', detail: 'not JSON', payload });
        letters.record({
          receivedMs: T0 + 1,
          topic: 'sc/v1/other/gw/telemetry',
          reason: 'schema_violation',
          detail: 'bad',
          payload: Buffer.from('{}'),
        });
        const [letter] = new DeadLetters(opened.second()).list({ limit: 10, club: 'club' });
        expect(letter).toMatchObject({ receivedMs: T0, club: 'club', reason: 'invalid_json', payloadBytes: 4 });
        expect(Buffer.isBuffer(letter!.payload) && letter!.payload.equals(payload)).toBe(true);
        expect(letters.countByReason()).toEqual({ invalid_json: 1, schema_violation: 1 });
        expect(letters.countByReason('other')).toEqual({ schema_violation: 1 });
        expect(letters.list({ limit: 10, reason: 'schema_violation' }).map((one) => one.club)).toEqual(['other']);
        return letters
          .erase('club', () => true)
          .then((erased) => {
            expect(erased).toBe(1);
            letters.prune(T0 + 40 * 24 * 60 * MINUTE);
            expect(letters.countByReason()).toEqual({});
          });
      });
    });

    describe('accounts', () => {
      it('finds people by e-mail whatever its case, refuses a second account for one address', () => {
        const user = stores.accounts.createUser({ email: 'Coach@Example.org', name: 'Coach', passwordHash: 'hash' }, T0);
        expect(stores.accounts.findByEmail('coach@example.ORG')).toMatchObject({ id: user.id, passwordHash: 'hash', platformAdmin: false });
        expect(() => stores.accounts.createUser({ email: 'coach@example.org', name: 'Twin', passwordHash: null })).toThrow();
        stores.accounts.setMembership(user.id, { club: 'club', role: 'coach', athlete: null });
        stores.accounts.setMembership(user.id, { club: 'club', role: 'admin', athlete: null });
        stores.accounts.setPlatformAdmin(user.id, true);
        expect(stores.accounts.getUser(user.id)).toEqual({
          id: user.id,
          email: 'coach@example.org',
          name: 'Coach',
          platformAdmin: true,
          demo: false,
          memberships: [{ club: 'club', role: 'admin', athlete: null }],
        });
      });

      it('keeps login sessions until they expire, are ended, or the password changes, across connections', () => {
        const user = stores.accounts.createUser({ email: 'a@example.org', name: 'A', passwordHash: 'h' }, T0);
        const token = stores.accounts.createSession(user.id, 60 * MINUTE, T0);
        const elsewhere = new Accounts(opened.second());
        expect(elsewhere.resolveSession(token, T0 + MINUTE)?.id).toBe(user.id);
        expect(elsewhere.resolveSession(token, T0 + 60 * MINUTE)).toBeNull();
        expect(elsewhere.resolveSession(`${token}x`, T0)).toBeNull();
        const second = stores.accounts.createSession(user.id, 60 * MINUTE, T0);
        stores.accounts.setPassword(user.id, 'new', T0 + MINUTE);
        expect(elsewhere.resolveSession(second, T0 + 2 * MINUTE)).toBeNull();
        const third = stores.accounts.createSession(user.id, MINUTE, T0);
        elsewhere.deleteSession(third);
        expect(stores.accounts.resolveSession(third, T0)).toBeNull();
        stores.accounts.createSession(user.id, MINUTE, T0);
        expect(stores.accounts.deleteExpiredSessions(T0 + 5 * MINUTE)).toBe(1);
      });

      it('accepts an invitation once, creating the login with its membership', () => {
        const token = stores.accounts.createInvitation(
          { club: 'club', role: 'athlete', email: 'Bob@example.org', athlete: 'bob', expiresMs: T0 + 60 * MINUTE, invitedBy: 'u_admin' },
          T0,
        );
        expect(stores.accounts.findInvitation(token, T0)).toEqual({
          club: 'club',
          role: 'athlete',
          email: 'bob@example.org',
          athlete: 'bob',
          expiresMs: T0 + 60 * MINUTE,
        });
        const user = stores.accounts.acceptInvitation(token, { name: 'Bob', passwordHash: 'h' }, T0 + MINUTE);
        expect(user).toMatchObject({ email: 'bob@example.org', memberships: [{ club: 'club', role: 'athlete', athlete: 'bob' }] });
        expect(stores.accounts.acceptInvitation(token, { name: 'Bob', passwordHash: 'h' }, T0 + MINUTE)).toBeNull();
      });
    });

    describe('MQTT accounts', () => {
      it('issues, authenticates, lists and revokes gateway accounts', () => {
        const credentials = stores.mqttAccounts.issueGateway('club', 'gw-1', T0);
        expect(stores.mqttAccounts.authenticate(credentials.username, credentials.password)).toMatchObject({
          kind: 'gateway',
          club: 'club',
          gateway: 'gw-1',
        });
        expect(stores.mqttAccounts.authenticate(credentials.username, 'wrong')).toBeNull();
        expect(stores.mqttAccounts.listGateways('club')).toEqual([
          { gateway: 'gw-1', username: credentials.username, createdMs: T0, revokedMs: null },
        ]);
        expect(stores.mqttAccounts.revokeGateway('club', 'gw-1', T0 + MINUTE)).toBe(true);
        expect(stores.mqttAccounts.revokeGateway('club', 'gw-1', T0 + MINUTE)).toBe(false);
        expect(stores.mqttAccounts.authenticate(credentials.username, credentials.password)).toBeNull();
        expect(stores.mqttAccounts.changedSince(T0 + 1)).toEqual([{ username: credentials.username, changedMs: T0 + MINUTE }]);
        expect(stores.mqttAccounts.live()).toEqual([]);
      });
    });

    describe('groups, sessions, challenges, training log, readiness', () => {
      it('lists names in the same order as the SQLite file does, whatever the server’s locale (byte order)', () => {
        for (const [id, name] of [
          ['g1', 'b'],
          ['g2', 'A'],
          ['g3', 'a'],
          ['g4', 'B'],
        ] as const)
          stores.sessions.createGroup('club', { id, name, athletes: [] });
        expect(stores.sessions.listGroups('club').map((group) => group.name)).toEqual(['A', 'B', 'a', 'b']);
      });

      it('keeps groups with known athletes only', () => {
        expect(stores.sessions.createGroup('club', { id: 'tue', name: 'Tuesday', athletes: ['bob', 'ann', 'bob'] })).toEqual({
          id: 'tue',
          name: 'Tuesday',
          athletes: ['ann', 'bob'],
        });
        expect(() => stores.sessions.createGroup('club', { id: 'wed', name: 'Wed', athletes: ['ghost'] })).toThrow(/no athlete "ghost"/);
        expect(stores.sessions.listGroups('club').map((group) => group.id)).toEqual(['tue']);
        expect(stores.sessions.getGroup('club', 'wed')).toBeNull();
      });

      it('runs one session at a time and keeps each participant’s earliest joining time', () => {
        const session = stores.sessions.startSession('club', { title: 'Intervals', group: null, coach: null }, T0);
        expect(() => stores.sessions.startSession('club', { title: 'Again', group: null, coach: null }, T0)).toThrow(/running already/);
        expect(stores.sessions.stopSession('club', session.id, [{ athlete: 'ann', joinedMs: T0 + MINUTE }], T0 + 30 * MINUTE)).toBe(true);
        stores.sessions.addParticipant('club', session.id, 'ann', T0 + 5 * MINUTE);
        stores.sessions.addParticipant('club', session.id, 'bob', T0 + 2 * MINUTE);
        stores.sessions.addParticipant('club', session.id, 'bob', T0);
        expect(stores.sessions.getSession('club', session.id)).toMatchObject({
          startMs: T0,
          stopMs: T0 + 30 * MINUTE,
          coachName: null,
          participants: [
            { athlete: 'bob', joinedMs: T0 },
            { athlete: 'ann', joinedMs: T0 + MINUTE },
          ],
        });
        expect(stores.sessions.sessionsOf('club', 'bob').map((one) => one.id)).toEqual([session.id]);
        expect(stores.sessions.stoppedSessionsOverlapping('club', T0 + MINUTE, T0 + 2 * MINUTE)).toHaveLength(1);
        expect(stores.sessions.listSessions('club', { limit: 1 })).toHaveLength(1);
      });

      it('lets an athlete join a challenge once', () => {
        stores.challenges.create('club', { id: 'nov', title: 'November', fromMs: T0, toMs: T0 + 30 * 24 * 60 * MINUTE });
        stores.challenges.join('club', 'nov', 'ann', T0);
        stores.challenges.join('club', 'nov', 'ann', T0 + MINUTE);
        stores.challenges.join('club', 'nov', 'bob', T0 + MINUTE);
        expect(stores.challenges.list('club')).toEqual([
          { id: 'nov', title: 'November', fromMs: T0, toMs: T0 + 30 * 24 * 60 * MINUTE, entrants: ['ann', 'bob'] },
        ]);
        expect(stores.challenges.leave('club', 'nov', 'ann')).toBe(true);
        expect(stores.challenges.get('club', 'nov')?.entrants).toEqual(['bob']);
      });

      it('keeps training log entries and readiness checks with their numbers', () => {
        const metrics = { durationS: 1800, meanHrBpm: 141.5 } as unknown as SessionMetrics;
        stores.trainingLog.record('club', 'ann', { source: 'session', sourceId: 's1', title: 'Intervals', startMs: T0, metrics });
        stores.trainingLog.retitle('club', 'session', 's1', 'Hills');
        expect(stores.trainingLog.list('club', 'ann', T0, T0 + MINUTE)).toEqual([
          { source: 'session', sourceId: 's1', title: 'Hills', startMs: T0, metrics },
        ]);
        stores.readiness.record('club', 'ann', { atMs: T0, durationS: 120, rmssdMs: 48.25, restHrBpm: 51 });
        stores.readiness.record('club', 'ann', { atMs: T0, durationS: 180, rmssdMs: 50.75, restHrBpm: 50 });
        expect(stores.readiness.list('club', 'ann', T0, T0 + MINUTE)).toEqual([
          { atMs: T0, durationS: 180, rmssdMs: 50.75, restHrBpm: 50 },
        ]);
      });
    });
  });
}
