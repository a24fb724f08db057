import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/main.ts';
import { openStores, type Stores } from '../../cli/open-stores.ts';
import type { SessionMetrics } from '../../protocol/reports.ts';
import { REGISTRY_TABLES } from '../../store/sql/copy-registry.ts';
import { hasPostgres, type RunningPostgres, startPostgres } from '../helpers/postgres.ts';
import { testLogger } from '../helpers/silent-logger.ts';

const T0 = Date.UTC(2026, 10, 2, 18, 0, 0);
const MINUTE = 60_000;

/** Every registry table, whole (bytes as hex), in a stable order. */
function dump(stores: Stores): Record<string, Record<string, unknown>[]> {
  // Columns by name: the two engines list them in different orders.
  const key = (row: Record<string, unknown>) =>
    JSON.stringify(
      Object.keys(row)
        .sort()
        .map((column) => String(escapedNul(row[column]))),
    );
  return Object.fromEntries(
    REGISTRY_TABLES.map((table) => {
      const rows = (stores.registryDb.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[]).map((row) =>
        Object.fromEntries(
          Object.entries(row).map(([column, value]) => [column, value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value]),
        ),
      );
      return [table, rows.sort((a, b) => key(a).localeCompare(key(b)))];
    }),
  );
}

/** What the registry answers about a club, as the API would show it. */
function answers(stores: Stores, token: string) {
  return {
    athletes: stores.registry.listAthletes('riverside', T0 + 90 * MINUTE),
    devices: stores.registry.listDevices('riverside', T0 + 90 * MINUTE),
    pairings: stores.registry.pairingLog('riverside', 0, T0 + 90 * MINUTE),
    groups: stores.sessions.listGroups('riverside'),
    sessions: stores.sessions.listSessions('riverside'),
    training: stores.trainingLog.list('riverside', 'ann', 0, T0 + 90 * MINUTE),
    login: stores.accounts.resolveSession(token, T0 + MINUTE),
    gateways: stores.mqttAccounts.listGateways('riverside'),
    letters: stores.deadLetters.list({ limit: 10 }),
  };
}

const escapedNul = (value: unknown) => (typeof value === 'string' ? value.replaceAll('\u0000', '\\u0000') : value);

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

  it('copies every table, row for row, into an empty database where the registry answers as before; empties the file; refuses a database that is not empty', async () => {
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
    // Every other table gets a row too: each column type crosses.
    const session = file.sessions.startSession('riverside', { title: 'Intervals', group: 'tue', coach: coach.id }, T0);
    file.sessions.stopSession('riverside', session.id, [{ athlete: 'ann', joinedMs: T0 + MINUTE }], T0 + 45 * MINUTE);
    file.registry.recordUpload('riverside', 'ann', { id: 'run', device: 'upload.run', fromMs: T0 - 60 * MINUTE, toMs: T0 - 30 * MINUTE });
    file.readiness.record('riverside', 'ann', { atMs: T0, durationS: 120, rmssdMs: 48.25, restHrBpm: 51 });
    file.challenges.create('riverside', { id: 'nov', title: 'November', fromMs: T0, toMs: T0 + 30 * 24 * 60 * MINUTE });
    file.challenges.join('riverside', 'nov', 'ann', T0);
    file.registry.requestErasure('riverside', 'bob', coach.id, T0);
    file.registry.recordErasedIntervals('riverside', [{ device: 'old-strap', fromMs: T0 - 90 * MINUTE, toMs: T0 - 80 * MINUTE }]);
    file.accounts.createInvitation(
      {
        club: 'riverside',
        role: 'athlete',
        email: 'cy@riverside.example',
        athlete: null,
        expiresMs: T0 + 60 * MINUTE,
        invitedBy: coach.id,
      },
      T0,
    );
    file.deadLetters.record({
      receivedMs: T0,
      topic: 'sc/v1/riverside/hall-1/telemetry',
      reason: 'invalid_json',
      detail: 'not JSON',
      payload: Buffer.from([0, 1, 255]),
    });
    const before = answers(file, token);
    const tablesBefore = dump(file);
    for (const [table, rows] of Object.entries(tablesBefore)) expect(rows.length, `${table} has rows to copy`).toBeGreaterThan(0);
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
    const copyEnv = { DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' };
    expect(await runCli(['registry', 'copy-to-postgres', '--data-dir', dataDir, '--empty-source'], copyEnv)).toBe(0);
    const report = JSON.parse(out[0]!) as { copied: Record<string, number>; sourceEmptied: boolean };
    expect(report).toEqual({
      copied: Object.fromEntries(Object.entries(tablesBefore).map(([table, rows]) => [table, rows.length])),
      sourceEmptied: true,
    });

    const elsewhere = mkdtempSync(join(tmpdir(), 'sc-registry-copied-'));
    const copied = await openStores(elsewhere, { STORE: 'sqlite', INFLUX_WRITE_API: 'auto', DATABASE_URL: databaseUrl }, testLogger);
    try {
      // Every table, row for row and column for column (ids included), NUL escaped since PostgreSQL cannot hold it.
      const escaped = Object.fromEntries(
        Object.entries(tablesBefore).map(([table, rows]) => [
          table,
          rows.map((row) => Object.fromEntries(Object.entries(row).map(([column, value]) => [column, escapedNul(value)]))),
        ]),
      );
      expect(dump(copied)).toEqual(escaped);
      const after = answers(copied, token);
      expect(after.athletes.find((athlete) => athlete.id === 'bob')?.name).toBe('Bob\\u0000by');
      const bob = (athlete: { id: string; name: string }) => (athlete.id === 'bob' ? { ...athlete, name: 'Bobby' } : athlete);
      expect({ ...after, athletes: after.athletes.map(bob) }).toEqual({ ...before, athletes: before.athletes.map(bob) });
      expect(after.login?.email).toBe('coach@riverside.example');
      expect(copied.mqttAccounts.authenticate(gateway.username, gateway.password)).toMatchObject({ gateway: 'hall-1' });
      // Rows added afterwards get ids after the copied ones.
      copied.accounts.audit({ actor: coach.id, action: 'after-the-copy' });
      expect(copied.registryDb.prepare('SELECT id, action FROM audit_log ORDER BY id DESC LIMIT 1').get()).toEqual({
        id: Math.max(...tablesBefore.audit_log!.map((row) => row.id as number)) + 1,
        action: 'after-the-copy',
      });
    } finally {
      await copied.close();
      rmSync(elsewhere, { recursive: true, force: true });
    }

    // The file keeps no personal data once it is in PostgreSQL (--empty-source).
    const source = await openStores(dataDir, { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, testLogger);
    try {
      expect(Object.values(dump(source)).flat()).toEqual([]);
    } finally {
      await source.close();
    }

    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    expect(await runCli(['registry', 'copy-to-postgres', '--data-dir', dataDir], copyEnv)).not.toBe(0);
    expect(errors.join('\n')).toMatch(/PostgreSQL's registry is not empty \(clubs, users, .*\): copy into a new database/);
  });
});
