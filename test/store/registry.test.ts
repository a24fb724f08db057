import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, openDatabase } from '../../store/database.ts';
import { Registry } from '../../store/registry.ts';
import { describeRegistryContract } from './registry-contract.ts';

const T0 = Date.UTC(2026, 10, 3, 18, 0, 0);

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

describeRegistryContract('SQLite', () => ({
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'sc-registry-'));
    const file = join(dir, 'sport-connect.db');
    const handles = [openDatabase(file)];
    return {
      db: handles[0]!,
      second() {
        const handle = openDatabase(file);
        handles.push(handle);
        return handle;
      },
      dispose() {
        for (const handle of handles) handle.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
}));
