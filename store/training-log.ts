import type { AthleteId, ClubId } from '../protocol/ids.ts';
import type { SessionMetrics } from '../protocol/reports.ts';
import type { SqlDatabase } from './sql/sql-database.ts';

/** One entry of an athlete's training: a club session they took part in, or a workout they uploaded. */
export interface TrainingEntry {
  source: 'session' | 'upload';
  /** The session's id, or the upload's. */
  sourceId: string;
  title: string;
  startMs: number;
  metrics: SessionMetrics;
}

/**
 * Each athlete's training log: the metrics of every session they took part in (written when it stops,
 * again when a late pairing adds to it) and of every workout they uploaded. The member's page, weekly
 * points and training load read it, so they never recompute from raw samples.
 */
export class TrainingLog {
  constructor(private readonly db: SqlDatabase) {}

  record(club: ClubId, athlete: AthleteId, entry: TrainingEntry): void {
    this.db
      .prepare(
        `INSERT INTO training_log (club_id, athlete_id, source, source_id, title, start_ms, metrics) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (club_id, athlete_id, source, source_id) DO UPDATE SET title = excluded.title, start_ms = excluded.start_ms, metrics = excluded.metrics`,
      )
      .run(club, athlete, entry.source, entry.sourceId, entry.title, entry.startMs, JSON.stringify(entry.metrics));
  }

  retitle(club: ClubId, source: TrainingEntry['source'], sourceId: string, title: string): void {
    this.db
      .prepare('UPDATE training_log SET title = ? WHERE club_id = ? AND source = ? AND source_id = ?')
      .run(title, club, source, sourceId);
  }

  /** Forgets a session's or an upload's entries (the session was deleted). */
  forget(club: ClubId, source: TrainingEntry['source'], sourceId: string): void {
    this.db.prepare('DELETE FROM training_log WHERE club_id = ? AND source = ? AND source_id = ?').run(club, source, sourceId);
  }

  /** An athlete's entries that started in [fromMs, toMs), oldest first. */
  list(club: ClubId, athlete: AthleteId, fromMs: number, toMs: number): TrainingEntry[] {
    const rows = this.db
      .prepare(
        `SELECT source, source_id AS "sourceId", title, start_ms AS "startMs", metrics FROM training_log
         WHERE club_id = ? AND athlete_id = ? AND start_ms >= ? AND start_ms < ? ORDER BY start_ms`,
      )
      .all(club, athlete, fromMs, toMs) as (Omit<TrainingEntry, 'metrics'> & { metrics: string })[];
    return rows.map((row) => ({ ...row, metrics: JSON.parse(row.metrics) as SessionMetrics }));
  }
}
