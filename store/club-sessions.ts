import { randomBytes } from 'node:crypto';
import type { AthleteId, ClubId } from '../protocol/ids.ts';
import type { ClassPlanId, Group, Session } from '../protocol/roster.ts';
import { RosterError } from './registry.ts';
import type { SqlDatabase } from './sql/sql-database.ts';

/** A session with the name of its coach (who may have left: then only the id). */
const SESSION_SELECT = 'SELECT s.*, u.name AS coach_name FROM sessions s LEFT JOIN users u ON u.id = s.coach_user_id';

interface SessionRow {
  id: string;
  title: string;
  group_id: string | null;
  coach_user_id: string | null;
  coach_name: string | null;
  plan: ClassPlanId | null;
  start_ms: number;
  stop_ms: number | null;
}

/**
 * A club's groups (classes, teams) and its sessions: a session starts now and stops later; stopping it
 * freezes who took part and its time range, which its report is built on.
 */
export class ClubSessions {
  constructor(private readonly db: SqlDatabase) {}

  // ---- groups

  listGroups(club: ClubId, only?: string): Group[] {
    const groups = this.db
      .prepare('SELECT id, name FROM athlete_groups WHERE club_id = ? AND (CAST(? AS TEXT) IS NULL OR id = ?) ORDER BY name, id')
      .all(club, only ?? null, only ?? null) as { id: string; name: string }[];
    return groups.map((group) => ({ ...group, athletes: this.groupMembers(club, group.id) }));
  }

  getGroup(club: ClubId, id: string): Group | null {
    return this.listGroups(club, id)[0] ?? null;
  }

  createGroup(club: ClubId, group: { id: string; name: string; athletes: AthleteId[] }): Group {
    this.db.transaction(() => {
      if (this.getGroup(club, group.id)) throw new RosterError('conflict', `group "${group.id}" exists already`);
      this.db.prepare('INSERT INTO athlete_groups (club_id, id, name) VALUES (?, ?, ?)').run(club, group.id, group.name);
      this.setGroupMembers(club, group.id, group.athletes);
    })();
    return this.getGroup(club, group.id)!;
  }

  updateGroup(club: ClubId, id: string, patch: { name?: string; athletes?: AthleteId[] }): Group | null {
    if (!this.getGroup(club, id)) return null;
    this.db.transaction(() => {
      if (patch.name !== undefined)
        this.db.prepare('UPDATE athlete_groups SET name = ? WHERE club_id = ? AND id = ?').run(patch.name, club, id);
      if (patch.athletes !== undefined) this.setGroupMembers(club, id, patch.athletes);
    })();
    return this.getGroup(club, id);
  }

  deleteGroup(club: ClubId, id: string): boolean {
    return this.db.prepare('DELETE FROM athlete_groups WHERE club_id = ? AND id = ?').run(club, id).changes > 0;
  }

  private groupMembers(club: ClubId, group: string): AthleteId[] {
    return (
      this.db.prepare('SELECT athlete_id FROM group_members WHERE club_id = ? AND group_id = ? ORDER BY athlete_id').all(club, group) as {
        athlete_id: string;
      }[]
    ).map((row) => row.athlete_id);
  }

  private setGroupMembers(club: ClubId, group: string, athletes: readonly AthleteId[]): void {
    const unknown = athletes.filter(
      (athlete) => !this.db.prepare('SELECT 1 FROM athletes WHERE club_id = ? AND id = ?').get(club, athlete),
    );
    if (unknown.length > 0) throw new RosterError('not-found', `no athlete ${unknown.map((id) => `"${id}"`).join(', ')}`);
    this.db.prepare('DELETE FROM group_members WHERE club_id = ? AND group_id = ?').run(club, group);
    const insert = this.db.prepare('INSERT INTO group_members (club_id, group_id, athlete_id) VALUES (?, ?, ?)');
    for (const athlete of new Set(athletes)) insert.run(club, group, athlete);
  }

  // ---- sessions

  /** Starts a session now. */
  startSession(
    club: ClubId,
    session: { title: string; group: string | null; coach: string | null; plan?: ClassPlanId | null },
    nowMs = Date.now(),
  ): Session {
    const id = `s_${randomBytes(9).toString('base64url')}`;
    // Checked and started in one transaction: two coaches on two API replicas cannot both start one.
    this.db.transaction(() => {
      if (session.group && !this.getGroup(club, session.group)) throw new RosterError('not-found', `no group "${session.group}"`);
      if (this.runningSession(club)) throw new RosterError('conflict', 'a session is running already: stop it first');
      this.db
        .prepare(
          'INSERT INTO sessions (club_id, id, title, group_id, coach_user_id, start_ms, stop_ms, plan) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)',
        )
        .run(club, id, session.title, session.group, session.coach, nowMs, session.plan ?? null);
    })();
    return this.getSession(club, id)!;
  }

  /**
   * Stops a running session, freezing who took part (and when each joined): the athletes given, as the
   * caller worked them out from the pairing log and the samples. False when it was not running.
   */
  stopSession(club: ClubId, id: string, participants: readonly { athlete: AthleteId; joinedMs: number }[], nowMs = Date.now()): boolean {
    return this.db.transaction(() => {
      const stopped =
        this.db.prepare('UPDATE sessions SET stop_ms = ? WHERE club_id = ? AND id = ? AND stop_ms IS NULL').run(nowMs, club, id).changes >
        0;
      if (!stopped) return false;
      const insert = this.db.prepare(
        `INSERT INTO session_participants (club_id, session_id, athlete_id, joined_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (club_id, session_id, athlete_id) DO UPDATE SET joined_ms = excluded.joined_ms`,
      );
      for (const participant of participants) insert.run(club, id, participant.athlete, participant.joinedMs);
      return true;
    })();
  }

  /** A participant added to a stopped session (late attachment); an earlier joining time wins. */
  addParticipant(club: ClubId, session: string, athlete: AthleteId, joinedMs: number): void {
    this.db
      .prepare(
        `INSERT INTO session_participants (club_id, session_id, athlete_id, joined_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (club_id, session_id, athlete_id) DO UPDATE SET joined_ms = CASE WHEN excluded.joined_ms < session_participants.joined_ms
           THEN excluded.joined_ms ELSE session_participants.joined_ms END`,
      )
      .run(club, session, athlete, joinedMs);
  }

  /** Every session an athlete took part in, oldest first (their archive). */
  sessionsOf(club: ClubId, athlete: AthleteId): Session[] {
    const rows = this.db
      .prepare(
        `${SESSION_SELECT} WHERE s.club_id = ? AND s.id IN (SELECT session_id FROM session_participants WHERE club_id = ? AND athlete_id = ?)
         ORDER BY s.start_ms`,
      )
      .all(club, club, athlete) as SessionRow[];
    return rows.map((row) => this.toSession(club, row));
  }

  /** Stopped sessions that overlap a time range. */
  stoppedSessionsOverlapping(club: ClubId, fromMs: number, toMs: number): Session[] {
    const rows = this.db
      .prepare(`${SESSION_SELECT} WHERE s.club_id = ? AND s.stop_ms IS NOT NULL AND s.start_ms < ? AND s.stop_ms > ? ORDER BY s.start_ms`)
      .all(club, toMs, fromMs) as SessionRow[];
    return rows.map((row) => this.toSession(club, row));
  }

  /** The session running now, if any (a club runs one at a time: stopping it hands the pool belts back). */
  runningSession(club: ClubId): Session | null {
    const row = this.db.prepare(`${SESSION_SELECT} WHERE s.club_id = ? AND s.stop_ms IS NULL`).get(club) as SessionRow | undefined;
    return row ? this.toSession(club, row) : null;
  }

  updateSession(club: ClubId, id: string, patch: { title?: string; group?: string | null }): Session | null {
    if (patch.group && !this.getGroup(club, patch.group)) throw new RosterError('not-found', `no group "${patch.group}"`);
    if (patch.title !== undefined) this.db.prepare('UPDATE sessions SET title = ? WHERE club_id = ? AND id = ?').run(patch.title, club, id);
    if (patch.group !== undefined)
      this.db.prepare('UPDATE sessions SET group_id = ? WHERE club_id = ? AND id = ?').run(patch.group, club, id);
    return this.getSession(club, id);
  }

  deleteSession(club: ClubId, id: string): boolean {
    return this.db.prepare('DELETE FROM sessions WHERE club_id = ? AND id = ?').run(club, id).changes > 0;
  }

  getSession(club: ClubId, id: string): Session | null {
    const row = this.db.prepare(`${SESSION_SELECT} WHERE s.club_id = ? AND s.id = ?`).get(club, id) as SessionRow | undefined;
    return row ? this.toSession(club, row) : null;
  }

  /** The club's sessions, newest first, a page at a time (those that started before beforeMs). */
  listSessions(club: ClubId, page: { limit?: number; beforeMs?: number } = {}): Session[] {
    const rows = this.db
      .prepare(`${SESSION_SELECT} WHERE s.club_id = ? AND s.start_ms < ? ORDER BY s.start_ms DESC LIMIT ?`)
      .all(club, page.beforeMs ?? Number.MAX_SAFE_INTEGER, page.limit ?? 100) as SessionRow[];
    return rows.map((row) => this.toSession(club, row));
  }

  private toSession(club: ClubId, row: SessionRow): Session {
    const participants = this.db
      .prepare(
        'SELECT athlete_id AS athlete, joined_ms AS "joinedMs" FROM session_participants WHERE club_id = ? AND session_id = ? ORDER BY joined_ms, athlete_id',
      )
      .all(club, row.id) as { athlete: string; joinedMs: number }[];
    return {
      id: row.id,
      title: row.title,
      group: row.group_id,
      coach: row.coach_user_id,
      coachName: row.coach_name,
      startMs: row.start_ms,
      stopMs: row.stop_ms,
      participants,
      plan: row.plan,
    };
  }
}
