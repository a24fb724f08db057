import type { PostgresDatabase } from './postgres-database.ts';

/**
 * Text compares byte by byte (COLLATE "C"), as SQLite's does: lists sort the same on both engines,
 * whatever locale the server was created with.
 *
 * The registry's tables on PostgreSQL: the same tables and columns as in the embedded file
 * (store/database.ts), dead letters included (every worker's, for the operations page and erasure),
 * without what stays with each process (the samples of the SQLite store, ingest's queue and
 * subscriptions). The first version is the embedded file's schema as it stands at its migration 9; later
 * changes are appended here and there alike.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE clubs (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL,
    created_ms BIGINT NOT NULL,
    max_hr_formula TEXT COLLATE "C" NOT NULL DEFAULT 'tanaka',
    zone_model TEXT COLLATE "C" NOT NULL DEFAULT 'percent-max',
    retention_months INTEGER
  );
  CREATE TABLE athletes (
    club_id TEXT COLLATE "C" NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
    id TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    display_name TEXT COLLATE "C",
    birth_year INTEGER,
    sex TEXT COLLATE "C" CHECK (sex IN ('male', 'female')),
    weight_kg DOUBLE PRECISION,
    rest_hr_bpm INTEGER,
    max_hr_bpm INTEGER,
    consent_ms BIGINT,
    created_ms BIGINT NOT NULL,
    alias TEXT COLLATE "C",
    screen_privacy TEXT COLLATE "C" NOT NULL DEFAULT 'name',
    screen_hide_kcal INTEGER NOT NULL DEFAULT 0,
    weekly_points_goal INTEGER,
    PRIMARY KEY (club_id, id)
  );
  CREATE TABLE devices (
    club_id TEXT COLLATE "C" NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
    id TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C",
    profile TEXT COLLATE "C" NOT NULL DEFAULT 'heart_rate',
    owner_athlete_id TEXT COLLATE "C",
    PRIMARY KEY (club_id, id)
  );
  CREATE TABLE pairings (
    club_id TEXT COLLATE "C" NOT NULL,
    device_id TEXT COLLATE "C" NOT NULL,
    member_id TEXT COLLATE "C" NOT NULL,
    from_ms BIGINT NOT NULL,
    to_ms BIGINT,
    PRIMARY KEY (club_id, device_id, from_ms)
  );
  CREATE INDEX pairings_by_member ON pairings (club_id, member_id, from_ms);
  CREATE TABLE athlete_groups (
    club_id TEXT COLLATE "C" NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
    id TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (club_id, id)
  );
  CREATE TABLE group_members (
    club_id TEXT COLLATE "C" NOT NULL,
    group_id TEXT COLLATE "C" NOT NULL,
    athlete_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (club_id, group_id, athlete_id),
    FOREIGN KEY (club_id, group_id) REFERENCES athlete_groups(club_id, id) ON DELETE CASCADE,
    FOREIGN KEY (club_id, athlete_id) REFERENCES athletes(club_id, id) ON DELETE CASCADE
  );
  CREATE TABLE sessions (
    club_id TEXT COLLATE "C" NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
    id TEXT COLLATE "C" NOT NULL,
    title TEXT COLLATE "C" NOT NULL,
    group_id TEXT COLLATE "C",
    coach_user_id TEXT COLLATE "C",
    start_ms BIGINT NOT NULL,
    stop_ms BIGINT,
    plan TEXT COLLATE "C",
    PRIMARY KEY (club_id, id)
  );
  CREATE INDEX sessions_by_start ON sessions (club_id, start_ms);
  CREATE TABLE session_participants (
    club_id TEXT COLLATE "C" NOT NULL,
    session_id TEXT COLLATE "C" NOT NULL,
    athlete_id TEXT COLLATE "C" NOT NULL,
    joined_ms BIGINT NOT NULL,
    PRIMARY KEY (club_id, session_id, athlete_id),
    FOREIGN KEY (club_id, session_id) REFERENCES sessions(club_id, id) ON DELETE CASCADE
  );
  CREATE TABLE training_log (
    club_id TEXT COLLATE "C" NOT NULL,
    athlete_id TEXT COLLATE "C" NOT NULL,
    source TEXT COLLATE "C" NOT NULL CHECK (source IN ('session', 'upload')),
    source_id TEXT COLLATE "C" NOT NULL,
    title TEXT COLLATE "C" NOT NULL,
    start_ms BIGINT NOT NULL,
    metrics TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (club_id, athlete_id, source, source_id)
  );
  CREATE INDEX training_log_by_time ON training_log (club_id, athlete_id, start_ms);
  CREATE TABLE uploads (
    club_id TEXT COLLATE "C" NOT NULL,
    athlete_id TEXT COLLATE "C" NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
    device_id TEXT COLLATE "C" NOT NULL,
    from_ms BIGINT NOT NULL,
    to_ms BIGINT NOT NULL,
    PRIMARY KEY (club_id, athlete_id, id)
  );
  CREATE TABLE readiness_checks (
    club_id TEXT COLLATE "C" NOT NULL,
    athlete_id TEXT COLLATE "C" NOT NULL,
    at_ms BIGINT NOT NULL,
    duration_s INTEGER NOT NULL,
    rmssd_ms DOUBLE PRECISION NOT NULL,
    rest_hr_bpm INTEGER NOT NULL,
    PRIMARY KEY (club_id, athlete_id, at_ms)
  );
  CREATE TABLE challenges (
    club_id TEXT COLLATE "C" NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
    id TEXT COLLATE "C" NOT NULL,
    title TEXT COLLATE "C" NOT NULL,
    from_ms BIGINT NOT NULL,
    to_ms BIGINT NOT NULL,
    PRIMARY KEY (club_id, id)
  );
  CREATE TABLE challenge_entries (
    club_id TEXT COLLATE "C" NOT NULL,
    challenge_id TEXT COLLATE "C" NOT NULL,
    athlete_id TEXT COLLATE "C" NOT NULL,
    joined_ms BIGINT NOT NULL,
    PRIMARY KEY (club_id, challenge_id, athlete_id),
    FOREIGN KEY (club_id, challenge_id) REFERENCES challenges(club_id, id) ON DELETE CASCADE
  );
  CREATE TABLE erasure_requests (
    club_id TEXT COLLATE "C" NOT NULL,
    athlete_id TEXT COLLATE "C" NOT NULL,
    requested_by TEXT COLLATE "C" NOT NULL,
    requested_ms BIGINT NOT NULL,
    PRIMARY KEY (club_id, athlete_id)
  );
  CREATE TABLE erased_intervals (
    club_id TEXT COLLATE "C" NOT NULL,
    device_id TEXT COLLATE "C" NOT NULL,
    from_ms BIGINT NOT NULL,
    to_ms BIGINT NOT NULL,
    PRIMARY KEY (club_id, device_id, from_ms)
  );
  CREATE TABLE users (
    id TEXT COLLATE "C" PRIMARY KEY,
    email TEXT COLLATE "C" NOT NULL UNIQUE,
    name TEXT COLLATE "C" NOT NULL,
    password_hash TEXT COLLATE "C",
    platform_admin INTEGER NOT NULL DEFAULT 0,
    demo INTEGER NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL,
    password_changed_ms BIGINT
  );
  CREATE TABLE memberships (
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    club_id TEXT COLLATE "C" NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
    role TEXT COLLATE "C" NOT NULL CHECK (role IN ('admin', 'coach', 'athlete', 'partner')),
    athlete_id TEXT COLLATE "C",
    PRIMARY KEY (user_id, club_id)
  );
  CREATE TABLE login_sessions (
    token_hash TEXT COLLATE "C" PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
  );
  CREATE INDEX login_sessions_by_user ON login_sessions (user_id);
  CREATE TABLE invitations (
    token_hash TEXT COLLATE "C" PRIMARY KEY,
    club_id TEXT COLLATE "C" NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
    role TEXT COLLATE "C" NOT NULL CHECK (role IN ('admin', 'coach', 'athlete', 'partner')),
    email TEXT COLLATE "C" NOT NULL,
    athlete_id TEXT COLLATE "C",
    invited_by TEXT COLLATE "C" NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    accepted_ms BIGINT
  );
  CREATE TABLE mqtt_accounts (
    username TEXT COLLATE "C" PRIMARY KEY,
    kind TEXT COLLATE "C" NOT NULL CHECK (kind IN ('gateway', 'service')),
    club_id TEXT COLLATE "C",
    gateway_id TEXT COLLATE "C",
    service TEXT COLLATE "C" CHECK (service IN ('ingest', 'api')),
    secret_hash TEXT COLLATE "C" NOT NULL,
    mosquitto_hash TEXT COLLATE "C" NOT NULL,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT
  );
  CREATE INDEX mqtt_accounts_by_club ON mqtt_accounts (club_id, gateway_id);
  CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    actor TEXT COLLATE "C" NOT NULL,
    action TEXT COLLATE "C" NOT NULL,
    club_id TEXT COLLATE "C",
    subject TEXT COLLATE "C"
  );
  CREATE TABLE dead_letters (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_ms BIGINT NOT NULL,
    topic TEXT COLLATE "C" NOT NULL,
    reason TEXT COLLATE "C" NOT NULL,
    detail TEXT COLLATE "C" NOT NULL,
    payload BYTEA NOT NULL,
    club_id TEXT COLLATE "C",
    payload_bytes INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX dead_letters_by_reason ON dead_letters (reason, id);
  CREATE INDEX dead_letters_by_club ON dead_letters (club_id, id);
  -- SQLite's instr(), which the registry's SQL uses, under its own name.
  CREATE FUNCTION instr(haystack TEXT, needle TEXT) RETURNS INTEGER LANGUAGE sql IMMUTABLE AS 'SELECT strpos(haystack, needle)';
  -- Bumped by every change to the pairing log, whichever process makes it: ingest keeps the pairings in
  -- memory and reads them again when it moved.
  CREATE TABLE change_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
  INSERT INTO change_counters (name, value) VALUES ('pairings', 0);
  CREATE FUNCTION pairings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'pairings'; RETURN NULL; END $$;
  CREATE TRIGGER pairings_changed AFTER INSERT OR UPDATE OR DELETE ON pairings FOR EACH ROW EXECUTE FUNCTION pairings_changed();
  `,
  // The embedded file's migration 10: which API replica runs a pending erasure, until when.
  `
  ALTER TABLE erasure_requests ADD COLUMN claimed_until_ms BIGINT;
  ALTER TABLE erasure_requests ADD COLUMN claimed_by TEXT COLLATE "C";
  `,
];

/**
 * Brings the database to the latest schema, in one transaction under the registry's lock: API replicas
 * and ingest workers starting together migrate it once.
 */
export function migratePostgres(db: PostgresDatabase): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const version = (db.prepare('SELECT MAX(version) FROM schema_version').pluck().get() as number | null) ?? 0;
    if (version > POSTGRES_MIGRATIONS.length)
      throw new Error(`the database is at schema version ${version}, newer than this Sport Connect knows (${POSTGRES_MIGRATIONS.length})`);
    for (let next = version; next < POSTGRES_MIGRATIONS.length; next++) db.exec(POSTGRES_MIGRATIONS[next]!);
    if (version < POSTGRES_MIGRATIONS.length) {
      db.prepare('DELETE FROM schema_version').run();
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(POSTGRES_MIGRATIONS.length);
    }
  })();
}
