import type { AthleteId, ClubId } from '../protocol/ids.ts';
import { RosterError } from './registry.ts';
import type { SqlDatabase } from './sql/sql-database.ts';

export interface Challenge {
  id: string;
  title: string;
  fromMs: number;
  toMs: number;
  entrants: AthleteId[];
}

/** A club's challenges (effort points over a period) and who opted in: only they appear on its leaderboard. */
export class Challenges {
  constructor(private readonly db: SqlDatabase) {}

  list(club: ClubId, only?: string): Challenge[] {
    const rows = this.db
      .prepare(
        'SELECT id, title, from_ms AS "fromMs", to_ms AS "toMs" FROM challenges WHERE club_id = ? AND (CAST(? AS TEXT) IS NULL OR id = ?) ORDER BY from_ms DESC, id',
      )
      .all(club, only ?? null, only ?? null) as Omit<Challenge, 'entrants'>[];
    const entrants = this.db.prepare(
      'SELECT athlete_id FROM challenge_entries WHERE club_id = ? AND challenge_id = ? ORDER BY joined_ms, athlete_id',
    );
    return rows.map((row) => ({
      ...row,
      entrants: (entrants.all(club, row.id) as { athlete_id: string }[]).map((entry) => entry.athlete_id),
    }));
  }

  get(club: ClubId, id: string): Challenge | null {
    return this.list(club, id)[0] ?? null;
  }

  create(club: ClubId, challenge: { id: string; title: string; fromMs: number; toMs: number }): Challenge {
    this.db.transaction(() => {
      if (this.get(club, challenge.id)) throw new RosterError('conflict', `challenge "${challenge.id}" exists already`);
      this.db
        .prepare('INSERT INTO challenges (club_id, id, title, from_ms, to_ms) VALUES (?, ?, ?, ?, ?)')
        .run(club, challenge.id, challenge.title, challenge.fromMs, challenge.toMs);
    })();
    return this.get(club, challenge.id)!;
  }

  remove(club: ClubId, id: string): boolean {
    return this.db.prepare('DELETE FROM challenges WHERE club_id = ? AND id = ?').run(club, id).changes > 0;
  }

  /** The athlete opts in (again: no change). */
  join(club: ClubId, id: string, athlete: AthleteId, nowMs = Date.now()): void {
    this.db
      .prepare('INSERT INTO challenge_entries (club_id, challenge_id, athlete_id, joined_ms) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(club, id, athlete, nowMs);
  }

  leave(club: ClubId, id: string, athlete: AthleteId): boolean {
    return (
      this.db.prepare('DELETE FROM challenge_entries WHERE club_id = ? AND challenge_id = ? AND athlete_id = ?').run(club, id, athlete)
        .changes > 0
    );
  }
}
