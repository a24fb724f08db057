import type { AthleteId, ClubId, DeviceId } from '../protocol/ids.ts';
import type { Athlete, AthleteCreate, AthletePatch, ClubSettings, Device, Pairing } from '../protocol/roster.ts';
import { estimateMaxHeartRate } from '../sport-science/max-heart-rate.ts';
import type { SqlDatabase } from './sql/sql-database.ts';
import type { WearInterval } from './time-series-store.ts';

/** The few fields the demo seed and older callers give. */
export interface NewMember {
  id: AthleteId;
  name: string;
  restHrBpm: number;
  maxHrBpm: number;
}

/** A write the roster refuses, with a message for the API (404, 409). */
export class RosterError extends Error {
  constructor(
    readonly kind: 'not-found' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

interface AthleteRow {
  id: string;
  name: string;
  display_name: string | null;
  birth_year: number | null;
  sex: 'male' | 'female' | null;
  weight_kg: number | null;
  rest_hr_bpm: number | null;
  max_hr_bpm: number | null;
  consent_ms: number | null;
  alias: string | null;
  screen_privacy: Athlete['screenPrivacy'];
  screen_hide_kcal: number;
  weekly_points_goal: number | null;
}

const NAME_ORDER = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

const ATHLETE_COLUMNS = {
  name: 'name',
  displayName: 'display_name',
  birthYear: 'birth_year',
  sex: 'sex',
  weightKg: 'weight_kg',
  restHrBpm: 'rest_hr_bpm',
  maxHrBpm: 'max_hr_bpm',
  consentMs: 'consent_ms',
  alias: 'alias',
  screenPrivacy: 'screen_privacy',
  screenHideKcal: 'screen_hide_kcal',
  weeklyPointsGoal: 'weekly_points_goal',
} as const satisfies Record<keyof AthletePatch, string>;

/**
 * Clubs, athletes, devices and the pairing log: relational, kept in SQLite whatever the time-series
 * store. The pairing log (who wore which device when) is the source of truth for whose samples are
 * whose: history queries resolve an athlete to their wear intervals, so a pairing made late (backdated)
 * attributes samples stored before it.
 */
export class Registry {
  private readonly resolve;

  constructor(private readonly db: SqlDatabase) {
    this.resolve = db.prepare(
      `SELECT member_id FROM pairings WHERE club_id = ? AND device_id = ? AND from_ms <= ? AND (to_ms IS NULL OR to_ms > ?)
       ORDER BY from_ms DESC LIMIT 1`,
    );
  }

  // ---- clubs

  upsertClub(id: ClubId, name: string, nowMs = Date.now()): void {
    this.db
      .prepare('INSERT INTO clubs (id, name, created_ms) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name')
      .run(id, name, nowMs);
  }

  hasClub(id: ClubId): boolean {
    return this.db.prepare('SELECT 1 FROM clubs WHERE id = ?').get(id) !== undefined;
  }

  clubSettings(id: ClubId): ClubSettings | null {
    const row = this.db
      .prepare(
        'SELECT id, name, max_hr_formula AS "maxHrFormula", zone_model AS "zoneModel", retention_months AS "retentionMonths" FROM clubs WHERE id = ?',
      )
      .get(id);
    return (row as ClubSettings | undefined) ?? null;
  }

  /** Clubs that keep samples for a limited time, with how many months. */
  clubsWithRetention(): { club: ClubId; months: number }[] {
    return this.db
      .prepare('SELECT id AS club, retention_months AS months FROM clubs WHERE retention_months IS NOT NULL ORDER BY id')
      .all() as {
      club: ClubId;
      months: number;
    }[];
  }

  updateClub(id: ClubId, patch: Partial<Omit<ClubSettings, 'id'>>): void {
    if (patch.retentionMonths !== undefined)
      this.db.prepare('UPDATE clubs SET retention_months = ? WHERE id = ?').run(patch.retentionMonths, id);
    if (patch.name !== undefined) this.db.prepare('UPDATE clubs SET name = ? WHERE id = ?').run(patch.name, id);
    if (patch.maxHrFormula !== undefined) this.db.prepare('UPDATE clubs SET max_hr_formula = ? WHERE id = ?').run(patch.maxHrFormula, id);
    if (patch.zoneModel !== undefined) this.db.prepare('UPDATE clubs SET zone_model = ? WHERE id = ?').run(patch.zoneModel, id);
  }

  // ---- athletes

  /** Creates an athlete; a RosterError('conflict') when the id is taken. */
  createAthlete(club: ClubId, athlete: AthleteCreate, nowMs = Date.now()): Athlete {
    // Checked and written in one transaction: two API replicas creating the same id, one gets the conflict.
    return this.db.transaction(() => {
      if (this.hasMember(club, athlete.id)) throw new RosterError('conflict', `athlete "${athlete.id}" exists already`);
      // The pairing log of a removed athlete stays (those samples are still theirs): a new person under the
      // same id would inherit their history.
      if (
        this.db
          .prepare(
            'SELECT 1 FROM pairings WHERE club_id = ? AND member_id = ? UNION ALL SELECT 1 FROM uploads WHERE club_id = ? AND athlete_id = ? LIMIT 1',
          )
          .get(club, athlete.id, club, athlete.id)
      )
        throw new RosterError('conflict', `id "${athlete.id}" belonged to an athlete removed earlier: choose another`);
      const { id, ...profile } = athlete;
      this.db.prepare('INSERT INTO athletes (club_id, id, name, created_ms) VALUES (?, ?, ?, ?)').run(club, id, athlete.name, nowMs);
      return this.updateAthlete(club, id, profile, nowMs)!;
    })();
  }

  /** Creates the athlete, or updates the fields given (a roster re-import). */
  upsertAthlete(club: ClubId, athlete: AthleteCreate, nowMs = Date.now()): 'created' | 'updated' {
    if (!this.hasMember(club, athlete.id)) {
      this.createAthlete(club, athlete, nowMs);
      return 'created';
    }
    const { id, ...patch } = athlete;
    this.updateAthlete(club, id, patch, nowMs);
    return 'updated';
  }

  /**
   * A roster import in one transaction (a few thousand rows commit at once, and a crash leaves none half
   * written). An undated "yes" keeps the date of a consent given before.
   */
  importAthletes(
    club: ClubId,
    rows: readonly { athlete: AthleteCreate; consentUndated: boolean }[],
    nowMs = Date.now(),
  ): { created: number; updated: number } {
    return this.db.transaction(() => {
      let created = 0;
      for (const { athlete, consentUndated } of rows) {
        const earlierConsent = consentUndated ? this.getAthlete(club, athlete.id, nowMs)?.consentMs : null;
        const row = earlierConsent != null ? { ...athlete, consentMs: earlierConsent } : athlete;
        if (this.upsertAthlete(club, row, nowMs) === 'created') created++;
      }
      return { created, updated: rows.length - created };
    })();
  }

  upsertMember(club: ClubId, member: NewMember): void {
    this.upsertAthlete(club, { id: member.id, name: member.name, restHrBpm: member.restHrBpm, maxHrBpm: member.maxHrBpm });
  }

  updateAthlete(club: ClubId, id: AthleteId, patch: AthletePatch, nowMs = Date.now()): Athlete | null {
    const entries = Object.entries(patch)
      .filter(([, value]) => value !== undefined)
      .map(([field, value]) => [field, typeof value === 'boolean' ? Number(value) : value]) as [keyof AthletePatch, unknown][];
    if (entries.length > 0) {
      const assignments = entries.map(([field]) => `${ATHLETE_COLUMNS[field]} = ?`).join(', ');
      this.db
        .prepare(`UPDATE athletes SET ${assignments} WHERE club_id = ? AND id = ?`)
        .run(...entries.map(([, value]) => value), club, id);
    }
    return this.getAthlete(club, id, nowMs);
  }

  /**
   * Removes the athlete from the roster: what they wear now ends, their own devices go to the pool, and
   * the logins and invitations that were them lose this club. Their pairing log stays, closed: the
   * samples are still theirs (nobody can claim them by backdating a pairing, and their id is not given
   * to someone else); erasing those is its own operation.
   */
  deleteAthlete(club: ClubId, id: AthleteId, nowMs = Date.now()): boolean {
    return this.db.transaction(() => {
      if (!this.hasMember(club, id)) return false;
      this.db.prepare('UPDATE pairings SET to_ms = ? WHERE club_id = ? AND member_id = ? AND to_ms IS NULL').run(nowMs, club, id);
      this.db.prepare('DELETE FROM pairings WHERE club_id = ? AND member_id = ? AND to_ms <= from_ms').run(club, id);
      this.db.prepare('UPDATE devices SET owner_athlete_id = NULL WHERE club_id = ? AND owner_athlete_id = ?').run(club, id);
      this.db.prepare("DELETE FROM memberships WHERE club_id = ? AND role = 'athlete' AND athlete_id = ?").run(club, id);
      this.db.prepare('DELETE FROM invitations WHERE club_id = ? AND athlete_id = ? AND accepted_ms IS NULL').run(club, id);
      this.db.prepare('DELETE FROM challenge_entries WHERE club_id = ? AND athlete_id = ?').run(club, id);
      return this.db.prepare('DELETE FROM athletes WHERE club_id = ? AND id = ?').run(club, id).changes > 0;
    })();
  }

  /**
   * Erasure's last step, once the athlete's samples are gone: every row about them, in one transaction.
   * The pairing log, uploads, training log, readiness checks, challenge entries, group and session
   * participation, the devices that were theirs, the logins that were only them (and their invitations).
   * Returns how many logins went.
   */
  eraseAthlete(club: ClubId, id: AthleteId): { logins: number } {
    return this.db.transaction(() => {
      const logins = this.db
        .prepare(
          `SELECT m.user_id AS id FROM memberships m JOIN users u ON u.id = m.user_id
           WHERE m.club_id = ? AND m.role = 'athlete' AND m.athlete_id = ? AND u.platform_admin = 0
             AND NOT EXISTS (SELECT 1 FROM memberships other WHERE other.user_id = m.user_id AND other.club_id <> m.club_id)`,
        )
        .all(club, id) as { id: string }[];
      for (const statement of [
        'DELETE FROM pairings WHERE club_id = ? AND member_id = ?',
        'DELETE FROM uploads WHERE club_id = ? AND athlete_id = ?',
        'DELETE FROM training_log WHERE club_id = ? AND athlete_id = ?',
        'DELETE FROM readiness_checks WHERE club_id = ? AND athlete_id = ?',
        'DELETE FROM challenge_entries WHERE club_id = ? AND athlete_id = ?',
        'DELETE FROM group_members WHERE club_id = ? AND athlete_id = ?',
        'DELETE FROM session_participants WHERE club_id = ? AND athlete_id = ?',
        'DELETE FROM devices WHERE club_id = ? AND owner_athlete_id = ?',
        "DELETE FROM memberships WHERE club_id = ? AND role = 'athlete' AND athlete_id = ?",
        'DELETE FROM invitations WHERE club_id = ? AND athlete_id = ?',
        'DELETE FROM athletes WHERE club_id = ? AND id = ?',
        'DELETE FROM erasure_requests WHERE club_id = ? AND athlete_id = ?',
      ])
        this.db.prepare(statement).run(club, id);
      // The audit log keeps that things happened, no longer to whom: entries naming them or done by their login.
      this.db.prepare("UPDATE audit_log SET subject = '[erased athlete]' WHERE club_id = ? AND instr(subject, ?) > 0").run(club, id);
      for (const login of logins) {
        this.db.prepare("UPDATE audit_log SET actor = '[erased athlete]' WHERE actor = ?").run(login.id);
        this.db.prepare('DELETE FROM users WHERE id = ?').run(login.id);
      }
      return { logins: logins.length };
    })();
  }

  /** Every stretch of time a device carried the athlete's samples, up to now: the pairing log and uploads. */
  everythingWorn(club: ClubId, id: AthleteId, nowMs = Date.now()): { device: DeviceId; fromMs: number; toMs: number }[] {
    return this.wearIntervals(club, id, 0, nowMs, { uploads: true });
  }

  /** Ends the athlete's own open pairings (never someone else's on the same device). */
  endPairingsOf(club: ClubId, athlete: AthleteId, atMs: number): void {
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE pairings SET to_ms = ? WHERE club_id = ? AND member_id = ? AND to_ms IS NULL AND from_ms < ?')
        .run(atMs, club, athlete, atMs);
      this.db.prepare('DELETE FROM pairings WHERE club_id = ? AND member_id = ? AND to_ms IS NULL').run(club, athlete);
    })();
  }

  /** Whether anything about the athlete is left (an athlete removed from the roster keeps their log until erased). */
  hasTraces(club: ClubId, athlete: AthleteId): boolean {
    return (
      this.db
        .prepare(
          `SELECT 1 FROM athletes WHERE club_id = @club AND id = @athlete
           UNION ALL SELECT 1 FROM pairings WHERE club_id = @club AND member_id = @athlete
           UNION ALL SELECT 1 FROM uploads WHERE club_id = @club AND athlete_id = @athlete
           UNION ALL SELECT 1 FROM training_log WHERE club_id = @club AND athlete_id = @athlete
           UNION ALL SELECT 1 FROM readiness_checks WHERE club_id = @club AND athlete_id = @athlete LIMIT 1`,
        )
        .get({ club, athlete }) !== undefined
    );
  }

  // ---- erasure's bookkeeping

  requestErasure(club: ClubId, athlete: AthleteId, requestedBy: string, nowMs = Date.now()): void {
    this.db
      .prepare('INSERT INTO erasure_requests (club_id, athlete_id, requested_by, requested_ms) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(club, athlete, requestedBy, nowMs);
  }

  /**
   * Takes a pending erasure for `runner` (an API replica) until `untilMs`, unless another runner holds it
   * still; true when taken. The runner renews its hold as it goes and lets it go when done or failed; a
   * runner that died lets it go at its time, for another to resume.
   */
  claimErasure(club: ClubId, athlete: AthleteId, runner: string, untilMs: number, nowMs = Date.now()): boolean {
    return (
      this.db
        .prepare(
          `UPDATE erasure_requests SET claimed_until_ms = ?, claimed_by = ? WHERE club_id = ? AND athlete_id = ?
           AND (claimed_until_ms IS NULL OR claimed_until_ms <= ? OR claimed_by = ?)`,
        )
        .run(untilMs, runner, club, athlete, nowMs, runner).changes > 0
    );
  }

  /** The runner keeps its erasure a while longer; false when it is no longer its own (taken over, or done). */
  renewErasureClaim(club: ClubId, athlete: AthleteId, runner: string, untilMs: number): boolean {
    return (
      this.db
        .prepare('UPDATE erasure_requests SET claimed_until_ms = ? WHERE club_id = ? AND athlete_id = ? AND claimed_by = ?')
        .run(untilMs, club, athlete, runner).changes > 0
    );
  }

  /** The runner lets its erasure go (it failed, or the runner stops): any runner may take it at once. */
  releaseErasureClaim(club: ClubId, athlete: AthleteId, runner: string): void {
    this.db
      .prepare(
        'UPDATE erasure_requests SET claimed_until_ms = NULL, claimed_by = NULL WHERE club_id = ? AND athlete_id = ? AND claimed_by = ?',
      )
      .run(club, athlete, runner);
  }

  /** Erasures asked for and not finished (an API replica resumes those nobody runs). */
  pendingErasures(): { club: ClubId; athlete: AthleteId; requestedBy: string }[] {
    return this.db
      .prepare('SELECT club_id AS club, athlete_id AS athlete, requested_by AS "requestedBy" FROM erasure_requests ORDER BY requested_ms')
      .all() as { club: ClubId; athlete: AthleteId; requestedBy: string }[];
  }

  /** Remembers that these stretches of a device's time were an erased athlete's: ingest drops what arrives for them later. */
  recordErasedIntervals(club: ClubId, intervals: readonly { device: DeviceId; fromMs: number; toMs: number }[]): void {
    const insert = this.db.prepare(
      `INSERT INTO erased_intervals (club_id, device_id, from_ms, to_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (club_id, device_id, from_ms) DO UPDATE SET to_ms = excluded.to_ms`,
    );
    this.db.transaction(() => {
      for (const interval of intervals) insert.run(club, interval.device, interval.fromMs, interval.toMs);
    })();
  }

  erasedIntervals(club: ClubId): { device: DeviceId; fromMs: number; toMs: number }[] {
    return this.db
      .prepare(
        'SELECT device_id AS device, from_ms AS "fromMs", to_ms AS "toMs" FROM erased_intervals WHERE club_id = ? ORDER BY device_id, from_ms',
      )
      .all(club) as { device: DeviceId; fromMs: number; toMs: number }[];
  }

  /** Whether the registry's database answers (for readiness: on PostgreSQL it is another server). */
  reachable(): boolean {
    // Found unreachable a moment ago: say so without waiting on it again.
    if (this.db.available === false) return false;
    try {
      this.db.prepare('SELECT 1').get();
      return true;
    } catch {
      return false;
    }
  }

  /** Runs several registry writes as one: all of them or none. */
  atomically<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  hasMember(club: ClubId, id: AthleteId): boolean {
    return this.db.prepare('SELECT 1 FROM athletes WHERE club_id = ? AND id = ?').get(club, id) !== undefined;
  }

  getAthlete(club: ClubId, id: AthleteId, nowMs = Date.now()): Athlete | null {
    return this.listAthletes(club, nowMs, id)[0] ?? null;
  }

  /** Every athlete of the club (or one), with the devices they wear now and their maximum heart rate. */
  listAthletes(club: ClubId, nowMs = Date.now(), only?: AthleteId): Athlete[] {
    // The club's formula comes with each row: one statement fewer (a round trip on PostgreSQL).
    const rows = this.db
      .prepare(
        `SELECT a.*, c.max_hr_formula FROM athletes a JOIN clubs c ON c.id = a.club_id
         WHERE a.club_id = ? AND (CAST(? AS TEXT) IS NULL OR a.id = ?)`,
      )
      .all(club, only ?? null, only ?? null) as (AthleteRow & { max_hr_formula: ClubSettings['maxHrFormula'] })[];
    // Sorted as people read names (Élodie among the Es), not by code point.
    rows.sort((a, b) => NAME_ORDER.compare(a.name, b.name) || NAME_ORDER.compare(a.id, b.id));
    const pairings = this.db
      .prepare(
        'SELECT device_id, member_id FROM pairings WHERE club_id = ? AND from_ms <= ? AND (to_ms IS NULL OR to_ms > ?) ORDER BY device_id',
      )
      .all(club, nowMs, nowMs) as { device_id: string; member_id: string }[];
    const year = new Date(nowMs).getUTCFullYear();
    return rows.map((row) => {
      const estimated =
        row.max_hr_bpm === null ? estimateMaxHeartRate(row.max_hr_formula, row.birth_year === null ? null : year - row.birth_year) : null;
      return {
        id: row.id,
        name: row.name,
        displayName: row.display_name,
        birthYear: row.birth_year,
        sex: row.sex,
        weightKg: row.weight_kg,
        restHrBpm: row.rest_hr_bpm,
        maxHrBpm: row.max_hr_bpm ?? estimated,
        maxHrEstimated: estimated !== null,
        consentMs: row.consent_ms,
        alias: row.alias,
        screenPrivacy: row.screen_privacy,
        screenHideKcal: row.screen_hide_kcal === 1,
        weeklyPointsGoal: row.weekly_points_goal,
        devices: pairings.filter((pairing) => pairing.member_id === row.id).map((pairing) => pairing.device_id),
      };
    });
  }

  // ---- devices

  /** Registers a device; an owned one is paired with its owner from now on. */
  createDevice(
    club: ClubId,
    device: { id: DeviceId; profile: Device['profile']; label?: string | null; owner?: AthleteId | null },
    nowMs = Date.now(),
  ): Device {
    this.db.transaction(() => {
      if (this.hasDevice(club, device.id)) throw new RosterError('conflict', `device "${device.id}" exists already`);
      if (device.owner && !this.hasMember(club, device.owner)) throw new RosterError('not-found', `no athlete "${device.owner}"`);
      this.db
        .prepare('INSERT INTO devices (club_id, id, name, profile, owner_athlete_id) VALUES (?, ?, ?, ?, ?)')
        .run(club, device.id, device.label ?? null, device.profile, device.owner ?? null);
      if (device.owner) this.pairDevice(club, device.id, device.owner, nowMs, nowMs);
    })();
    return this.getDevice(club, device.id, nowMs)!;
  }

  /** A new owner is paired from now on (ending the current pairing); back to the pool ends the owner's. */
  updateDevice(
    club: ClubId,
    id: DeviceId,
    patch: { profile?: Device['profile']; label?: string | null; owner?: AthleteId | null },
    nowMs = Date.now(),
  ): Device | null {
    const current = this.getDevice(club, id, nowMs);
    if (!current) return null;
    if (patch.owner && !this.hasMember(club, patch.owner)) throw new RosterError('not-found', `no athlete "${patch.owner}"`);
    this.db.transaction(() => {
      if (patch.profile !== undefined)
        this.db.prepare('UPDATE devices SET profile = ? WHERE club_id = ? AND id = ?').run(patch.profile, club, id);
      if (patch.label !== undefined) this.db.prepare('UPDATE devices SET name = ? WHERE club_id = ? AND id = ?').run(patch.label, club, id);
      if (patch.owner !== undefined && patch.owner !== current.owner) {
        this.db.prepare('UPDATE devices SET owner_athlete_id = ? WHERE club_id = ? AND id = ?').run(patch.owner, club, id);
        if (patch.owner) this.pairDevice(club, id, patch.owner, nowMs, nowMs);
        else if (current.athlete === current.owner) this.endPairing(club, id, nowMs);
      }
    })();
    return this.getDevice(club, id, nowMs);
  }

  deleteDevice(club: ClubId, id: DeviceId, nowMs = Date.now()): boolean {
    return this.db.transaction(() => {
      this.endPairing(club, id, nowMs);
      return this.db.prepare('DELETE FROM devices WHERE club_id = ? AND id = ?').run(club, id).changes > 0;
    })();
  }

  hasDevice(club: ClubId, id: DeviceId): boolean {
    return this.db.prepare('SELECT 1 FROM devices WHERE club_id = ? AND id = ?').get(club, id) !== undefined;
  }

  getDevice(club: ClubId, id: DeviceId, nowMs = Date.now()): Device | null {
    return this.listDevices(club, nowMs, id)[0] ?? null;
  }

  listDevices(club: ClubId, nowMs = Date.now(), only?: DeviceId): Device[] {
    const rows = this.db
      .prepare(
        'SELECT id, name, profile, owner_athlete_id FROM devices WHERE club_id = ? AND (CAST(? AS TEXT) IS NULL OR id = ?) ORDER BY id',
      )
      .all(club, only ?? null, only ?? null) as {
      id: string;
      name: string | null;
      profile: Device['profile'];
      owner_athlete_id: string | null;
    }[];
    return rows.map((row) => ({
      id: row.id,
      profile: row.profile,
      label: row.name,
      owner: row.owner_athlete_id,
      athlete: this.resolveAthlete(club, row.id, nowMs),
    }));
  }

  // ---- the pairing log

  /**
   * Pairs a device with an athlete from a time on, ending whoever wore it then. A time in the past (late
   * attachment: samples sent before anyone paired the device become the athlete's) is refused when
   * someone else wore the device in between, whose samples stay theirs; the athlete's own earlier or
   * later pairings of it in that span merge into one.
   */
  pairDevice(club: ClubId, device: DeviceId, athlete: AthleteId, fromMs: number, nowMs = Date.now()): void {
    const from = Math.min(fromMs, nowMs);
    this.db.transaction(() => {
      const overlapping = this.db
        .prepare(
          'SELECT member_id AS member, from_ms AS "fromMs", to_ms AS "toMs" FROM pairings WHERE club_id = ? AND device_id = ? AND (to_ms IS NULL OR to_ms > ?)',
        )
        .all(club, device, from) as { member: string; fromMs: number; toMs: number | null }[];
      const other = overlapping.find((pairing) => pairing.member !== athlete);
      if (from < nowMs && other) throw new RosterError('conflict', `device "${device}" was worn by "${other.member}" in that time`);
      // Someone else put it on this very millisecond: a hand-over now would erase their pairing.
      if (other && other.fromMs >= from) throw new RosterError('conflict', `device "${device}" was just paired with "${other.member}"`);
      const own = overlapping.filter((pairing) => pairing.member === athlete);
      if (own.some((pairing) => pairing.toMs === null && pairing.fromMs <= from)) return; // already worn since then
      this.db
        .prepare('UPDATE pairings SET to_ms = ? WHERE club_id = ? AND device_id = ? AND to_ms IS NULL AND member_id <> ?')
        .run(from, club, device, athlete);
      this.db
        .prepare('DELETE FROM pairings WHERE club_id = ? AND device_id = ? AND to_ms IS NOT NULL AND to_ms <= from_ms')
        .run(club, device);
      const start = Math.min(from, ...own.map((pairing) => pairing.fromMs));
      this.db
        .prepare('DELETE FROM pairings WHERE club_id = ? AND device_id = ? AND member_id = ? AND (to_ms IS NULL OR to_ms > ?)')
        .run(club, device, athlete, from);
      this.db
        .prepare('INSERT INTO pairings (club_id, device_id, member_id, from_ms, to_ms) VALUES (?, ?, ?, ?, NULL)')
        .run(club, device, athlete, start);
    })();
  }

  /** Ends the device's current pairing at a time (one that started after it is left alone); false when nobody wore it. */
  endPairing(club: ClubId, device: DeviceId, atMs = Date.now()): boolean {
    // Every change to the pairing log takes the registry's turn (on PostgreSQL, its lock), as pairDevice does.
    return this.db.transaction(
      () =>
        this.db
          .prepare('UPDATE pairings SET to_ms = ? WHERE club_id = ? AND device_id = ? AND to_ms IS NULL AND from_ms < ?')
          .run(atMs, club, device, atMs).changes > 0,
    )();
  }

  /**
   * A workout recorded elsewhere (an uploaded file): its samples are stored under a device of its own,
   * and history finds them through this record. Kept apart from the pairing log, so a session's
   * participants and report never mix a watch file into what the club's straps recorded.
   */
  recordUpload(club: ClubId, athlete: AthleteId, upload: { id: string; device: DeviceId; fromMs: number; toMs: number }): void {
    this.db
      .prepare('INSERT INTO uploads (club_id, athlete_id, id, device_id, from_ms, to_ms) VALUES (?, ?, ?, ?, ?, ?)')
      .run(club, athlete, upload.id, upload.device, upload.fromMs, upload.toMs);
  }

  /** Forgets an upload; its device (whose samples the caller deletes), or null when there was none. */
  removeUpload(club: ClubId, athlete: AthleteId, id: string): DeviceId | null {
    const row = this.db.prepare('SELECT device_id FROM uploads WHERE club_id = ? AND athlete_id = ? AND id = ?').get(club, athlete, id) as
      | { device_id: string }
      | undefined;
    if (!row) return null;
    this.db.prepare('DELETE FROM uploads WHERE club_id = ? AND athlete_id = ? AND id = ?').run(club, athlete, id);
    return row.device_id;
  }

  /** When the device was last taken off (the end of its latest pairing), or null. */
  lastTakenOffMs(club: ClubId, device: DeviceId): number | null {
    const row = this.db.prepare('SELECT MAX(to_ms) AS t FROM pairings WHERE club_id = ? AND device_id = ?').get(club, device) as {
      t: number | null;
    };
    return row.t;
  }

  /** A number that changes whenever the pairing log does (any process, any club). */
  pairingsVersion(): number {
    return (this.db.prepare("SELECT value FROM change_counters WHERE name = 'pairings'").pluck().get() as number | undefined) ?? 0;
  }

  /** Who wore this device at that time; null for a device nobody was paired with. */
  resolveAthlete(club: ClubId, device: DeviceId, atMs: number): AthleteId | null {
    const row = this.resolve.get(club, device, atMs, atMs) as { member_id: string } | undefined;
    return row?.member_id ?? null;
  }

  /** Pairings that overlap a time range, oldest first: the loaner log. */
  pairingLog(club: ClubId, fromMs: number, toMs: number): Pairing[] {
    return this.db
      .prepare(
        `SELECT device_id || '@' || from_ms AS id, device_id AS device, member_id AS athlete, from_ms AS "fromMs", to_ms AS "toMs" FROM pairings
         WHERE club_id = ? AND from_ms < ? AND (to_ms IS NULL OR to_ms > ?) ORDER BY from_ms, device_id`,
      )
      .all(club, toMs, fromMs) as Pairing[];
  }

  /**
   * The devices an athlete wore within a time range, each clipped to it: how history finds their samples.
   * With `uploads`, the workouts they uploaded too (their history and load; a session's report is the
   * club's straps only).
   */
  wearIntervals(club: ClubId, athlete: AthleteId, fromMs: number, toMs: number, options: { uploads?: boolean } = {}): WearInterval[] {
    const sources = options.uploads
      ? `SELECT device_id, from_ms, to_ms FROM pairings WHERE club_id = @club AND member_id = @athlete
         UNION ALL SELECT device_id, from_ms, to_ms FROM uploads WHERE club_id = @club AND athlete_id = @athlete`
      : 'SELECT device_id, from_ms, to_ms FROM pairings WHERE club_id = @club AND member_id = @athlete';
    return (
      this.db
        .prepare(
          `SELECT device_id AS device, from_ms AS "fromMs", to_ms AS "toMs" FROM (${sources}) AS worn
           WHERE from_ms < @toMs AND (to_ms IS NULL OR to_ms > @fromMs) ORDER BY from_ms`,
        )
        .all({ club, athlete, fromMs, toMs }) as { device: string; fromMs: number; toMs: number | null }[]
    ).map((wear) => ({ device: wear.device, fromMs: Math.max(fromMs, wear.fromMs), toMs: Math.min(toMs, wear.toMs ?? toMs) }));
  }
}
