import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/main.ts';
import { openStores, type Stores } from '../../cli/open-stores.ts';
import type { SessionMetrics } from '../../protocol/reports.ts';
import { hasPostgres, type RunningPostgres, startPostgres } from '../helpers/postgres.ts';
import { testLogger } from '../helpers/silent-logger.ts';

const T0 = Date.UTC(2026, 10, 2, 18, 0, 0);
const MINUTE = 60_000;

/** What the registry answers about a club, as the API would show it. */
function answers(stores: Stores, token: string) {
  return {
    athletes: stores.registry.listAthletes('riverside', T0 + 90 * MINUTE),
    devices: stores.registry.listDevices('riverside', T0 + 90 * MINUTE),
    pairings: stores.registry.pairingLog('riverside', 0, T0 + 90 * MINUTE),
    groups: stores.sessions.listGroups('riverside'),
    training: stores.trainingLog.list('riverside', 'ann', 0, T0 + 90 * MINUTE),
    login: stores.accounts.resolveSession(token, T0 + MINUTE),
    gateways: stores.mqttAccounts.listGateways('riverside'),
    letters: stores.deadLetters.list({ limit: 10 }).map(({ id: _id, ...letter }) => letter),
    audit: stores.registryDb.prepare('SELECT at_ms, actor, action, club_id, subject FROM audit_log ORDER BY id').all(),
  };
}

// A club that grows into a region moves its registry from the SQLite file to PostgreSQL.
describe.skipIf(!hasPostgres())('sport-connect registry copy-to-postgres', () => {
  let server: RunningPostgres;
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-registry-copy-'));
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });
  afterEach(() => vi.restoreAllMocks());

  it('copies every table into an empty database, where the registry answers as before, and refuses one that is not empty', async () => {
    const file = await openStores(dataDir, { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, testLogger);
    file.registry.upsertClub('riverside', 'Riverside Running Club', T0);
    file.registry.createAthlete('riverside', { id: 'ann', name: 'Ann', birthYear: 1990, weightKg: 61.5, consentMs: T0 }, T0);
    file.registry.createAthlete('riverside', { id: 'bob', name: 'Bob\u0000by' }, T0); // from before NUL was refused
    file.registry.createDevice('riverside', { id: 'strap-ann', profile: 'heart_rate', owner: 'ann', label: 'Blue' }, T0);
    file.registry.createDevice('riverside', { id: 'loaner', profile: 'heart_rate' }, T0);
    file.registry.pairDevice('riverside', 'loaner', 'bob', T0, T0);
    file.registry.pairDevice('riverside', 'loaner', 'ann', T0 + 30 * MINUTE, T0 + 30 * MINUTE);
    file.sessions.createGroup('riverside', { id: 'tue', name: 'Tuesday', athletes: ['ann', 'bob'] });
    const metrics = { durationS: 1800 } as unknown as SessionMetrics;
    file.trainingLog.record('riverside', 'ann', { source: 'upload', sourceId: 'run', title: 'Run', startMs: T0, metrics });
    const coach = file.accounts.createUser({ email: 'coach@riverside.example', name: 'Coach', passwordHash: 'hash' }, T0);
    file.accounts.setMembership(coach.id, { club: 'riverside', role: 'coach', athlete: null });
    const token = file.accounts.createSession(coach.id, 60 * MINUTE, T0);
    const gateway = file.mqttAccounts.issueGateway('riverside', 'hall-1', T0);
    for (let index = 0; index < 3; index++)
      file.accounts.audit({ actor: coach.id, action: `step-${index}`, club: 'riverside' }, T0 + index);
    file.deadLetters.record({
      receivedMs: T0,
      topic: 'sc/v1/riverside/hall-1/telemetry',
      reason: 'invalid_json',
      detail: 'not JSON',
      payload: Buffer.from([0, 1, 255]),
    });
    const before = answers(file, token);
    await file.close();

    const databaseUrl = await server.createDatabase('copied');
    // Started on the empty database before the copy: a warning says what is missing and how to bring it.
    const logged: string[] = [];
    const forgetful = await openStores(
      dataDir,
      { STORE: 'sqlite', INFLUX_WRITE_API: 'auto', DATABASE_URL: databaseUrl },
      pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) }),
    );
    await forgetful.close();
    expect(logged.join('')).toContain(
      'holds a registry that PostgreSQL does not: stop the services and copy it with `sport-connect registry copy-to-postgres`',
    );
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await runCli(['registry', 'copy-to-postgres', '--data-dir', dataDir], { DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' })).toBe(
      0,
    );
    expect(JSON.parse(out[0]!).copied).toMatchObject({
      clubs: 1,
      athletes: 2,
      devices: 2,
      pairings: 3,
      users: 1,
      audit_log: 3,
      dead_letters: 1,
    });

    const elsewhere = mkdtempSync(join(tmpdir(), 'sc-registry-copied-'));
    const copied = await openStores(elsewhere, { STORE: 'sqlite', INFLUX_WRITE_API: 'auto', DATABASE_URL: databaseUrl }, testLogger);
    try {
      const after = answers(copied, token);
      // NUL, which PostgreSQL cannot hold, comes over escaped; everything else exactly as it was.
      expect(after.athletes.find((athlete) => athlete.id === 'bob')?.name).toBe('Bob\\u0000by');
      const bob = (athlete: { id: string; name: string }) => (athlete.id === 'bob' ? { ...athlete, name: 'Bobby' } : athlete);
      expect({ ...after, athletes: after.athletes.map(bob) }).toEqual({ ...before, athletes: before.athletes.map(bob) });
      expect(after.login?.email).toBe('coach@riverside.example');
      expect(copied.mqttAccounts.authenticate(gateway.username, gateway.password)).toMatchObject({ gateway: 'hall-1' });
      // New rows get ids after the copied ones.
      copied.accounts.audit({ actor: coach.id, action: 'after-the-copy' });
      expect(copied.registryDb.prepare('SELECT action FROM audit_log ORDER BY id DESC LIMIT 1').pluck().get()).toBe('after-the-copy');
    } finally {
      await copied.close();
      rmSync(elsewhere, { recursive: true, force: true });
    }

    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    expect(
      await runCli(['registry', 'copy-to-postgres', '--data-dir', dataDir], { DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' }),
    ).not.toBe(0);
    expect(errors.join('\n')).toMatch(/PostgreSQL's registry is not empty \(clubs, users, .*\): copy into a new database/);
  });
});
