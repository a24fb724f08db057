import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, openDatabase, type SqliteDatabase } from '../../store/database.ts';
import { Registry, RosterError } from '../../store/registry.ts';

const T0 = Date.UTC(2026, 10, 3, 18, 0, 0);
const MINUTE = 60_000;

describe('the pairing log', () => {
  let db: SqliteDatabase;
  let registry: Registry;
  const log = () =>
    registry.pairingLog('club', 0, T0 + 1000 * MINUTE).map(({ device, athlete, fromMs, toMs }) => ({ device, athlete, fromMs, toMs }));

  beforeEach(() => {
    db = openDatabase(':memory:');
    registry = new Registry(db);
    registry.upsertClub('club', 'Club');
    for (const id of ['ann', 'bob']) registry.createAthlete('club', { id, name: id });
    registry.createDevice('club', { id: 'belt-1', profile: 'heart_rate' });
  });
  afterEach(() => db.close());

  it('hands a belt on: the first wearer’s pairing ends where the next one’s starts', () => {
    registry.pairDevice('club', 'belt-1', 'ann', T0, T0);
    registry.pairDevice('club', 'belt-1', 'bob', T0 + 30 * MINUTE, T0 + 30 * MINUTE);
    expect(log()).toEqual([
      { device: 'belt-1', athlete: 'ann', fromMs: T0, toMs: T0 + 30 * MINUTE },
      { device: 'belt-1', athlete: 'bob', fromMs: T0 + 30 * MINUTE, toMs: null },
    ]);
    expect(registry.resolveAthlete('club', 'belt-1', T0 + 29 * MINUTE)).toBe('ann');
    expect(registry.resolveAthlete('club', 'belt-1', T0 + 30 * MINUTE)).toBe('bob');
  });

  it('attaches earlier samples when paired late, unless someone else wore the device then', () => {
    registry.pairDevice('club', 'belt-1', 'ann', T0 - 20 * MINUTE, T0);
    expect(log()).toEqual([{ device: 'belt-1', athlete: 'ann', fromMs: T0 - 20 * MINUTE, toMs: null }]);
    expect(() => registry.pairDevice('club', 'belt-1', 'bob', T0 - 10 * MINUTE, T0 + MINUTE)).toThrow(RosterError);
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
    expect(log()).toEqual([{ device: 'belt-1', athlete: 'ann', fromMs: T0 + MINUTE, toMs: null }]);
  });

  it('keeps a removed athlete’s wear closed in the log: nobody claims those samples, and the id is not reused', () => {
    registry.pairDevice('club', 'belt-1', 'ann', T0, T0);
    expect(registry.deleteAthlete('club', 'ann', T0 + 10 * MINUTE)).toBe(true);
    expect(log()).toEqual([{ device: 'belt-1', athlete: 'ann', fromMs: T0, toMs: T0 + 10 * MINUTE }]);
    expect(() => registry.pairDevice('club', 'belt-1', 'bob', T0 + 5 * MINUTE, T0 + 20 * MINUTE)).toThrow(/worn by "ann"/);
    expect(() => registry.createAthlete('club', { id: 'ann', name: 'Another Ann' })).toThrow(/removed earlier/);
    expect(registry.deleteAthlete('club', 'ann')).toBe(false);
  });

  it('gives each athlete their wear intervals clipped to the range asked', () => {
    registry.pairDevice('club', 'belt-1', 'ann', T0, T0);
    registry.pairDevice('club', 'belt-1', 'bob', T0 + 30 * MINUTE, T0 + 30 * MINUTE);
    expect(registry.wearIntervals('club', 'ann', T0 + 10 * MINUTE, T0 + 60 * MINUTE)).toEqual([
      { device: 'belt-1', fromMs: T0 + 10 * MINUTE, toMs: T0 + 30 * MINUTE },
    ]);
    expect(registry.wearIntervals('club', 'bob', T0, T0 + 60 * MINUTE)).toEqual([
      { device: 'belt-1', fromMs: T0 + 30 * MINUTE, toMs: T0 + 60 * MINUTE },
    ]);
    expect(registry.wearIntervals('club', 'bob', T0, T0 + 30 * MINUTE)).toEqual([]);
  });
});

describe('a club’s file from before the roster (schema 3)', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-migrate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its members, devices and pairings: athletes with measured maxima, each strap its wearer’s own', () => {
    const file = join(dir, 'sport-connect.db');
    const old = new Database(file);
    for (const migration of MIGRATIONS.slice(0, 3)) old.exec(migration);
    old.pragma('user_version = 3');
    old.prepare('INSERT INTO clubs (id, name, created_ms) VALUES (?, ?, ?)').run('club', 'Club', T0);
    old
      .prepare('INSERT INTO members (club_id, id, name, rest_hr_bpm, max_hr_bpm) VALUES (?, ?, ?, ?, ?)')
      .run('club', 'ann', 'Ann', 50, 190);
    old.prepare('INSERT INTO devices (club_id, id, name) VALUES (?, ?, ?)').run('club', 'hrm-1', 'Strap 1');
    old.prepare('INSERT INTO devices (club_id, id, name) VALUES (?, ?, ?)').run('club', 'spare', null);
    old
      .prepare('INSERT INTO pairings (club_id, device_id, member_id, from_ms, to_ms) VALUES (?, ?, ?, ?, NULL)')
      .run('club', 'hrm-1', 'ann', T0);
    old.close();

    const db = openDatabase(file);
    try {
      const registry = new Registry(db);
      expect(registry.getAthlete('club', 'ann', T0 + 1)).toEqual({
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
      });
      expect(registry.getDevice('club', 'hrm-1', T0 + 1)).toEqual({
        id: 'hrm-1',
        profile: 'heart_rate',
        label: 'Strap 1',
        owner: 'ann',
        athlete: 'ann',
      });
      expect(registry.getDevice('club', 'spare', T0 + 1)).toMatchObject({ owner: null, athlete: null }); // worn by nobody: the pool's
      expect(registry.clubSettings('club')).toEqual({
        id: 'club',
        name: 'Club',
        maxHrFormula: 'tanaka',
        zoneModel: 'percent-max',
        retentionMonths: null,
      });
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    } finally {
      db.close();
    }
  });
});
