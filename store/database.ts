import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

// One schema for the embedded file: registry, samples, the ingest queue and dead letters. Versioned
// with PRAGMA user_version so a newer build can migrate an older club's file in place.
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE clubs (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_ms INTEGER NOT NULL);
  CREATE TABLE members (
    club_id TEXT NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    rest_hr_bpm INTEGER NOT NULL,
    max_hr_bpm INTEGER NOT NULL,
    PRIMARY KEY (club_id, id)
  ) WITHOUT ROWID;
  CREATE TABLE devices (
    club_id TEXT NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT,
    PRIMARY KEY (club_id, id)
  ) WITHOUT ROWID;
  CREATE TABLE pairings (
    club_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    from_ms INTEGER NOT NULL,
    to_ms INTEGER,
    PRIMARY KEY (club_id, device_id, from_ms)
  ) WITHOUT ROWID;
  CREATE TABLE samples (
    club_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    time_ms INTEGER NOT NULL,
    athlete_id TEXT,
    fields TEXT NOT NULL,
    PRIMARY KEY (club_id, device_id, kind, time_ms)
  ) WITHOUT ROWID;
  CREATE INDEX samples_by_athlete ON samples (club_id, athlete_id, kind, time_ms);
  CREATE TABLE ingest_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    enqueued_ms INTEGER NOT NULL,
    point_count INTEGER NOT NULL,
    points TEXT NOT NULL
  );
  CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_ms INTEGER NOT NULL,
    topic TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    payload BLOB NOT NULL
  );
  CREATE INDEX dead_letters_by_reason ON dead_letters (reason, id);
  `,
  // What ingest subscribed to under its client id, confirmed by a SUBACK: a broker that reports a session
  // does not say which subscriptions it holds.
  `
  CREATE TABLE ingest_subscriptions (client_id TEXT PRIMARY KEY, filters TEXT NOT NULL, confirmed_ms INTEGER NOT NULL) WITHOUT ROWID;
  `,
  // Accounts: people with roles per club, their login sessions and invitations; MQTT accounts of gateways
  // and services. Secrets are stored only as hashes (store/secrets.ts).
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    password_hash TEXT,
    platform_admin INTEGER NOT NULL DEFAULT 0,
    demo INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL,
    password_changed_ms INTEGER
  );
  CREATE TABLE memberships (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    club_id TEXT NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'coach', 'athlete', 'partner')),
    athlete_id TEXT,
    PRIMARY KEY (user_id, club_id)
  ) WITHOUT ROWID;
  CREATE TABLE login_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX login_sessions_by_user ON login_sessions (user_id);
  CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY,
    club_id TEXT NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'coach', 'athlete', 'partner')),
    email TEXT NOT NULL COLLATE NOCASE,
    athlete_id TEXT,
    invited_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    accepted_ms INTEGER
  ) WITHOUT ROWID;
  CREATE TABLE mqtt_accounts (
    username TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('gateway', 'service')),
    club_id TEXT,
    gateway_id TEXT,
    service TEXT CHECK (service IN ('ingest', 'api')),
    secret_hash TEXT NOT NULL,
    mosquitto_hash TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX mqtt_accounts_by_club ON mqtt_accounts (club_id, gateway_id);
  ALTER TABLE dead_letters ADD COLUMN club_id TEXT;
  ALTER TABLE dead_letters ADD COLUMN payload_bytes INTEGER NOT NULL DEFAULT 0;
  UPDATE dead_letters SET payload_bytes = length(payload);
  -- Letters kept whole before previews were bounded (a 100 MB publish once became a 100 MB row).
  UPDATE dead_letters SET payload = substr(payload, 1, 16384) WHERE reason <> 'store_rejected' AND length(payload) > 16384;
  CREATE INDEX dead_letters_by_club ON dead_letters (club_id, id);
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    club_id TEXT,
    subject TEXT
  );
  `,
  // The roster as clubs run it: athletes with their profile and consent, devices with a profile, a label
  // and an owner (an athlete, or the club's pool), groups, and sessions with their participants.
  `
  ALTER TABLE clubs ADD COLUMN max_hr_formula TEXT NOT NULL DEFAULT 'tanaka';
  CREATE TABLE athletes (
    club_id TEXT NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    display_name TEXT,
    birth_year INTEGER,
    sex TEXT CHECK (sex IN ('male', 'female')),
    weight_kg REAL,
    rest_hr_bpm INTEGER,
    max_hr_bpm INTEGER,
    consent_ms INTEGER,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (club_id, id)
  ) WITHOUT ROWID;
  INSERT INTO athletes (club_id, id, name, rest_hr_bpm, max_hr_bpm, created_ms)
    SELECT club_id, id, name, rest_hr_bpm, max_hr_bpm, 0 FROM members;
  DROP TABLE members;
  ALTER TABLE devices ADD COLUMN profile TEXT NOT NULL DEFAULT 'heart_rate';
  ALTER TABLE devices ADD COLUMN owner_athlete_id TEXT;
  -- Before the roster, a device was its wearer's own strap: the member it is paired with now owns it.
  UPDATE devices SET owner_athlete_id = (
    SELECT member_id FROM pairings p WHERE p.club_id = devices.club_id AND p.device_id = devices.id AND p.to_ms IS NULL
    ORDER BY p.from_ms DESC LIMIT 1);
  CREATE INDEX pairings_by_member ON pairings (club_id, member_id, from_ms);
  CREATE TABLE athlete_groups (
    club_id TEXT NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (club_id, id)
  ) WITHOUT ROWID;
  CREATE TABLE group_members (
    club_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    athlete_id TEXT NOT NULL,
    PRIMARY KEY (club_id, group_id, athlete_id),
    FOREIGN KEY (club_id, group_id) REFERENCES athlete_groups(club_id, id) ON DELETE CASCADE,
    FOREIGN KEY (club_id, athlete_id) REFERENCES athletes(club_id, id) ON DELETE CASCADE
  ) WITHOUT ROWID;
  CREATE TABLE sessions (
    club_id TEXT NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    group_id TEXT,
    coach_user_id TEXT,
    start_ms INTEGER NOT NULL,
    stop_ms INTEGER,
    PRIMARY KEY (club_id, id)
  ) WITHOUT ROWID;
  CREATE INDEX sessions_by_start ON sessions (club_id, start_ms);
  CREATE TABLE session_participants (
    club_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    athlete_id TEXT NOT NULL,
    joined_ms INTEGER NOT NULL,
    PRIMARY KEY (club_id, session_id, athlete_id),
    FOREIGN KEY (club_id, session_id) REFERENCES sessions(club_id, id) ON DELETE CASCADE
  ) WITHOUT ROWID;
  `,
  // What coaches and members come for: the club's zone model, how each athlete shows on the shared
  // screen, their weekly goal, each athlete's training log (club sessions and uploaded workouts, with
  // their metrics), readiness checks, and opt-in challenges.
  `
  ALTER TABLE clubs ADD COLUMN zone_model TEXT NOT NULL DEFAULT 'percent-max';
  ALTER TABLE clubs ADD COLUMN retention_months INTEGER;
  ALTER TABLE athletes ADD COLUMN alias TEXT;
  ALTER TABLE athletes ADD COLUMN screen_privacy TEXT NOT NULL DEFAULT 'name';
  ALTER TABLE athletes ADD COLUMN screen_hide_kcal INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE athletes ADD COLUMN weekly_points_goal INTEGER;
  ALTER TABLE sessions ADD COLUMN plan TEXT;
  CREATE TABLE training_log (
    club_id TEXT NOT NULL,
    athlete_id TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('session', 'upload')),
    source_id TEXT NOT NULL,
    title TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    metrics TEXT NOT NULL,
    PRIMARY KEY (club_id, athlete_id, source, source_id)
  ) WITHOUT ROWID;
  CREATE INDEX training_log_by_time ON training_log (club_id, athlete_id, start_ms);
  CREATE TABLE uploads (
    club_id TEXT NOT NULL,
    athlete_id TEXT NOT NULL,
    id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    from_ms INTEGER NOT NULL,
    to_ms INTEGER NOT NULL,
    PRIMARY KEY (club_id, athlete_id, id)
  ) WITHOUT ROWID;
  CREATE TABLE readiness_checks (
    club_id TEXT NOT NULL,
    athlete_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    duration_s INTEGER NOT NULL,
    rmssd_ms REAL NOT NULL,
    rest_hr_bpm INTEGER NOT NULL,
    PRIMARY KEY (club_id, athlete_id, at_ms)
  ) WITHOUT ROWID;
  CREATE TABLE challenges (
    club_id TEXT NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    from_ms INTEGER NOT NULL,
    to_ms INTEGER NOT NULL,
    PRIMARY KEY (club_id, id)
  ) WITHOUT ROWID;
  CREATE TABLE challenge_entries (
    club_id TEXT NOT NULL,
    challenge_id TEXT NOT NULL,
    athlete_id TEXT NOT NULL,
    joined_ms INTEGER NOT NULL,
    PRIMARY KEY (club_id, challenge_id, athlete_id),
    FOREIGN KEY (club_id, challenge_id) REFERENCES challenges(club_id, id) ON DELETE CASCADE
  ) WITHOUT ROWID;
  `,
  // Erasure that survives a restart and keeps late data out: the requests not finished yet, and the
  // stretches of time a device carried an erased athlete (ingest drops anything that arrives for them).
  // Samples by time, for a club's retention.
  `
  CREATE TABLE erasure_requests (
    club_id TEXT NOT NULL,
    athlete_id TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_ms INTEGER NOT NULL,
    PRIMARY KEY (club_id, athlete_id)
  ) WITHOUT ROWID;
  CREATE TABLE erased_intervals (
    club_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    from_ms INTEGER NOT NULL,
    to_ms INTEGER NOT NULL,
    PRIMARY KEY (club_id, device_id, from_ms)
  ) WITHOUT ROWID;
  CREATE INDEX samples_by_time ON samples (club_id, time_ms);
  `,
  // A counter bumped by every change to the pairing log, whichever process makes it: ingest keeps the
  // pairings in memory and reads them again when it moved.
  `
  CREATE TABLE change_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO change_counters (name, value) VALUES ('pairings', 0);
  CREATE TRIGGER pairings_inserted AFTER INSERT ON pairings BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'pairings'; END;
  CREATE TRIGGER pairings_updated AFTER UPDATE ON pairings BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'pairings'; END;
  CREATE TRIGGER pairings_deleted AFTER DELETE ON pairings BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'pairings'; END;
  `,
  // Ingest workers on one shared subscription, one SQLite file: each drains the queue entries it wrote
  // ('' for the single ingest of a deployment without a share group).
  `
  ALTER TABLE ingest_queue ADD COLUMN worker TEXT NOT NULL DEFAULT '';
  CREATE INDEX ingest_queue_by_worker ON ingest_queue (worker, id);
  `,
  // API replicas share pending erasures: the one running an erasure holds it until this time, renewing it
  // as it goes; when it dies, another takes the erasure over once that time has passed.
  `
  ALTER TABLE erasure_requests ADD COLUMN claimed_until_ms INTEGER;
  ALTER TABLE erasure_requests ADD COLUMN claimed_by TEXT;
  `,
];

/** Opens (creating and migrating when needed) the embedded database file; ':memory:' for tests. */
export function openDatabase(file: string): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  // First: another process may be creating the same file right now, and the pragmas below wait for it.
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  useWriteAheadLog(db);
  // FULL: a commit survives power loss, which is what lets ingest acknowledge after it.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

const BUSY_TIMEOUT_MS = 5000;

/**
 * Switching a new file to WAL needs an exclusive lock, and SQLite answers "busy" at once, without its busy
 * handler, when another process is switching it at the same moment (seen with four processes starting on
 * one new file): retry for as long as the busy timeout. Once the file is in WAL mode this is a no-op.
 */
function useWriteAheadLog(db: SqliteDatabase): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // a synchronous pause: opening is synchronous
    }
  }
}

/**
 * Brings the file to the latest schema. The version is read inside one IMMEDIATE transaction, which
 * takes the write lock first: when api and ingest open a new shared file at the same moment, the second
 * waits (busy_timeout), then sees the version the first wrote and has nothing left to do.
 */
function migrate(db: SqliteDatabase): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let next = version; next < MIGRATIONS.length; next++) db.exec(MIGRATIONS[next]!);
    if (version < MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
