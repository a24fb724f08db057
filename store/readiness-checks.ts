import type { AthleteId, ClubId } from '../protocol/ids.ts';
import type { SqlDatabase } from './sql/sql-database.ts';

export interface ReadinessCheck {
  atMs: number;
  durationS: number;
  rmssdMs: number;
  restHrBpm: number;
}

/** Each athlete's morning readiness measurements (RMSSD and resting heart rate), for their baseline and trend. */
export class ReadinessChecks {
  constructor(private readonly db: SqlDatabase) {}

  record(club: ClubId, athlete: AthleteId, check: ReadinessCheck): void {
    this.db
      .prepare(
        `INSERT INTO readiness_checks (club_id, athlete_id, at_ms, duration_s, rmssd_ms, rest_hr_bpm) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (club_id, athlete_id, at_ms) DO UPDATE SET duration_s = excluded.duration_s, rmssd_ms = excluded.rmssd_ms, rest_hr_bpm = excluded.rest_hr_bpm`,
      )
      .run(club, athlete, check.atMs, check.durationS, check.rmssdMs, check.restHrBpm);
  }

  /** An athlete's checks taken in [fromMs, toMs), oldest first. */
  list(club: ClubId, athlete: AthleteId, fromMs: number, toMs: number): ReadinessCheck[] {
    return this.db
      .prepare(
        `SELECT at_ms AS "atMs", duration_s AS "durationS", rmssd_ms AS "rmssdMs", rest_hr_bpm AS "restHrBpm" FROM readiness_checks
         WHERE club_id = ? AND athlete_id = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms`,
      )
      .all(club, athlete, fromMs, toMs) as ReadinessCheck[];
  }
}
