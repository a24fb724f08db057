import type { Athlete, Device } from '../protocol/api.ts';
import type { AthleteId, ClubId, DeviceId } from '../protocol/ids.ts';
import type { SqliteDatabase } from './database.ts';

export interface NewMember {
  id: AthleteId;
  name: string;
  restHrBpm: number;
  maxHrBpm: number;
}

/** Clubs, members, devices and pairings: relational, kept in SQLite whatever the time-series store. */
export class Registry {
  private readonly resolve;

  constructor(private readonly db: SqliteDatabase) {
    this.resolve = db.prepare(
      `SELECT member_id FROM pairings WHERE club_id = ? AND device_id = ? AND from_ms <= ? AND (to_ms IS NULL OR to_ms > ?)
       ORDER BY from_ms DESC LIMIT 1`,
    );
  }

  upsertClub(id: ClubId, name: string, nowMs = Date.now()): void {
    this.db
      .prepare('INSERT INTO clubs (id, name, created_ms) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name')
      .run(id, name, nowMs);
  }

  hasClub(id: ClubId): boolean {
    return this.db.prepare('SELECT 1 FROM clubs WHERE id = ?').get(id) !== undefined;
  }

  upsertMember(club: ClubId, member: NewMember): void {
    this.db
      .prepare(
        `INSERT INTO members (club_id, id, name, rest_hr_bpm, max_hr_bpm) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (club_id, id) DO UPDATE SET name = excluded.name, rest_hr_bpm = excluded.rest_hr_bpm, max_hr_bpm = excluded.max_hr_bpm`,
      )
      .run(club, member.id, member.name, member.restHrBpm, member.maxHrBpm);
  }

  upsertDevice(club: ClubId, id: DeviceId, name: string | null): void {
    this.db
      .prepare('INSERT INTO devices (club_id, id, name) VALUES (?, ?, ?) ON CONFLICT (club_id, id) DO UPDATE SET name = excluded.name')
      .run(club, id, name);
  }

  /** Pairs a device to a member from a time on, ending the device's previous pairing at that time. */
  pairDevice(club: ClubId, device: DeviceId, member: AthleteId, fromMs: number): void {
    this.db.transaction(() => {
      if (this.resolveAthlete(club, device, fromMs) === member) return;
      this.db.prepare('UPDATE pairings SET to_ms = ? WHERE club_id = ? AND device_id = ? AND to_ms IS NULL').run(fromMs, club, device);
      this.db
        .prepare('INSERT INTO pairings (club_id, device_id, member_id, from_ms, to_ms) VALUES (?, ?, ?, ?, NULL)')
        .run(club, device, member, fromMs);
    })();
  }

  /** Who wore this device at that time; null for a device nobody is paired with. */
  resolveAthlete(club: ClubId, device: DeviceId, atMs: number): AthleteId | null {
    const row = this.resolve.get(club, device, atMs, atMs) as { member_id: string } | undefined;
    return row?.member_id ?? null;
  }

  listAthletes(club: ClubId, nowMs = Date.now()): Athlete[] {
    const members = this.db
      .prepare('SELECT id, name, rest_hr_bpm AS restHrBpm, max_hr_bpm AS maxHrBpm FROM members WHERE club_id = ? ORDER BY name, id')
      .all(club) as Omit<Athlete, 'devices'>[];
    const pairings = this.db
      .prepare('SELECT device_id, member_id FROM pairings WHERE club_id = ? AND from_ms <= ? AND (to_ms IS NULL OR to_ms > ?)')
      .all(club, nowMs, nowMs) as { device_id: string; member_id: string }[];
    return members.map((member) => ({
      ...member,
      devices: pairings.filter((p) => p.member_id === member.id).map((p) => p.device_id),
    }));
  }

  hasMember(club: ClubId, id: AthleteId): boolean {
    return this.db.prepare('SELECT 1 FROM members WHERE club_id = ? AND id = ?').get(club, id) !== undefined;
  }

  listDevices(club: ClubId, nowMs = Date.now()): Device[] {
    return this.db
      .prepare('SELECT id, name FROM devices WHERE club_id = ? ORDER BY id')
      .all(club)
      .map((row) => {
        const { id, name } = row as { id: string; name: string | null };
        return { id, name, athlete: this.resolveAthlete(club, id, nowMs) };
      });
  }
}
