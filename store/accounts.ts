import { randomBytes } from 'node:crypto';
import type { AthleteId, ClubId } from '../protocol/ids.ts';
import type { ClubRole } from '../protocol/roles.ts';
import { hashSecret, newSecret } from './secrets.ts';
import type { SqlDatabase } from './sql/sql-database.ts';

export interface Membership {
  club: ClubId;
  role: ClubRole;
  /** For an athlete: the member record they are. */
  athlete: AthleteId | null;
}

export interface User {
  id: string;
  email: string;
  name: string;
  platformAdmin: boolean;
  /** Created by `up` for the demo; a production server refuses to start while one exists. */
  demo: boolean;
  memberships: Membership[];
}

export interface Invitation {
  club: ClubId;
  role: ClubRole;
  email: string;
  athlete: AthleteId | null;
  expiresMs: number;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  platform_admin: number;
  demo: number;
}

/**
 * People, their roles per club, login sessions and invitations, in the registry database so that every
 * API process sees the same sessions. Tokens are random and stored only as their hash: the database
 * alone does not let anyone log in.
 */
export class Accounts {
  constructor(private readonly db: SqlDatabase) {}

  createUser(
    user: { email: string; name: string; passwordHash: string | null; platformAdmin?: boolean; demo?: boolean },
    nowMs = Date.now(),
  ): User {
    const id = `u_${randomBytes(9).toString('base64url')}`;
    this.db
      .prepare(
        'INSERT INTO users (id, email, name, password_hash, platform_admin, demo, created_ms, password_changed_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(id, normalizeEmail(user.email), user.name, user.passwordHash, user.platformAdmin ? 1 : 0, user.demo ? 1 : 0, nowMs, nowMs);
    return this.getUser(id)!;
  }

  getUser(id: string): User | null {
    return this.userWhere('u.id = ?', id)?.user ?? null;
  }

  findByEmail(email: string): (User & { passwordHash: string | null }) | null {
    const found = this.userWhere('u.email = ?', normalizeEmail(email));
    return found ? { ...found.user, passwordHash: found.passwordHash } : null;
  }

  setPlatformAdmin(userId: string, platformAdmin: boolean): void {
    this.db.prepare('UPDATE users SET platform_admin = ? WHERE id = ?').run(platformAdmin ? 1 : 0, userId);
  }

  /** Removes a person with their roles and sessions; true when there was one. */
  removeUser(email: string): boolean {
    return this.db.prepare('DELETE FROM users WHERE email = ?').run(normalizeEmail(email)).changes > 0;
  }

  /** Gives the user this role in the club (one role per club: a new one replaces the old). */
  setMembership(userId: string, membership: Membership): void {
    this.db
      .prepare(
        `INSERT INTO memberships (user_id, club_id, role, athlete_id) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id, club_id) DO UPDATE SET role = excluded.role, athlete_id = excluded.athlete_id`,
      )
      .run(userId, membership.club, membership.role, membership.athlete);
  }

  /** A new password ends every login session of the user (a stolen session dies with the old password). */
  setPassword(userId: string, passwordHash: string, nowMs = Date.now()): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE users SET password_hash = ?, password_changed_ms = ? WHERE id = ?').run(passwordHash, nowMs, userId);
      this.db.prepare('DELETE FROM login_sessions WHERE user_id = ?').run(userId);
    })();
  }

  /** Returns the session token (the cookie's value); only its hash is stored. */
  createSession(userId: string, ttlMs: number, nowMs = Date.now()): string {
    const token = newSecret();
    this.db
      .prepare('INSERT INTO login_sessions (token_hash, user_id, created_ms, expires_ms) VALUES (?, ?, ?, ?)')
      .run(hashSecret(token), userId, nowMs, nowMs + ttlMs);
    return token;
  }

  /** The user a live session belongs to, or null (unknown, expired, or revoked). */
  resolveSession(token: string, nowMs = Date.now()): User | null {
    return (
      this.userWhere('u.id = (SELECT user_id FROM login_sessions WHERE token_hash = ? AND expires_ms > ?)', hashSecret(token), nowMs)
        ?.user ?? null
    );
  }

  deleteSession(token: string): void {
    this.db.prepare('DELETE FROM login_sessions WHERE token_hash = ?').run(hashSecret(token));
  }

  deleteExpiredSessions(nowMs = Date.now()): number {
    return this.db.prepare('DELETE FROM login_sessions WHERE expires_ms <= ?').run(nowMs).changes;
  }

  /** Returns the one-time token of the invitation link; only its hash is stored. */
  createInvitation(invitation: Invitation & { invitedBy: string }, nowMs = Date.now()): string {
    const token = newSecret();
    this.db
      .prepare(
        'INSERT INTO invitations (token_hash, club_id, role, email, athlete_id, invited_by, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        hashSecret(token),
        invitation.club,
        invitation.role,
        normalizeEmail(invitation.email),
        invitation.athlete,
        invitation.invitedBy,
        nowMs,
        invitation.expiresMs,
      );
    return token;
  }

  /** An invitation not yet accepted and not expired, or null. */
  findInvitation(token: string, nowMs = Date.now()): Invitation | null {
    const row = this.db
      .prepare(
        'SELECT club_id, role, email, athlete_id, expires_ms FROM invitations WHERE token_hash = ? AND accepted_ms IS NULL AND expires_ms > ?',
      )
      .get(hashSecret(token), nowMs) as
      | { club_id: string; role: ClubRole; email: string; athlete_id: string | null; expires_ms: number }
      | undefined;
    return row ? { club: row.club_id, role: row.role, email: row.email, athlete: row.athlete_id, expiresMs: row.expires_ms } : null;
  }

  /**
   * Uses the invitation once. A new person becomes a user with this password and the role. A person who
   * has an account already gets the role only when they are the one accepting (logged in as that
   * account), and their password is never touched: an invitation must not hand someone else's account to
   * whoever holds the link. Null when the token is unknown, used or expired; 'log-in-first' when the
   * email has an account and the acceptor is not it.
   */
  acceptInvitation(
    token: string,
    acceptor: { name: string; passwordHash: string } | { existingUserId: string },
    nowMs = Date.now(),
  ): User | null | 'log-in-first' {
    return this.db.transaction(() => {
      const invitation = this.findInvitation(token, nowMs);
      if (!invitation) return null;
      const existing = this.findByEmail(invitation.email);
      if (existing && !('existingUserId' in acceptor && acceptor.existingUserId === existing.id)) return 'log-in-first';
      if (!existing && 'existingUserId' in acceptor) return 'log-in-first';
      this.db.prepare('UPDATE invitations SET accepted_ms = ? WHERE token_hash = ?').run(nowMs, hashSecret(token));
      const user =
        existing ??
        this.createUser(
          {
            email: invitation.email,
            name: (acceptor as { name: string }).name,
            passwordHash: (acceptor as { passwordHash: string }).passwordHash,
          },
          nowMs,
        );
      this.setMembership(user.id, { club: invitation.club, role: invitation.role, athlete: invitation.athlete });
      return this.getUser(user.id);
    })();
  }

  /** Demo accounts `up` created (a production server refuses to start while any exists). */
  demoAccounts(): string[] {
    return (this.db.prepare('SELECT email FROM users WHERE demo = 1 ORDER BY email').all() as { email: string }[]).map((row) => row.email);
  }

  /** Records that something happened, never the data itself (who, what, where, on whom). */
  audit(entry: { actor: string; action: string; club?: ClubId; subject?: string }, nowMs = Date.now()): void {
    this.db
      .prepare('INSERT INTO audit_log (at_ms, actor, action, club_id, subject) VALUES (?, ?, ?, ?, ?)')
      .run(nowMs, entry.actor, entry.action, entry.club ?? null, entry.subject ?? null);
  }

  /**
   * A user and their memberships in one statement (every API request resolves its login: on PostgreSQL
   * each statement is a round trip).
   */
  private userWhere(condition: string, ...params: unknown[]): { user: User; passwordHash: string | null } | null {
    const rows = this.db
      .prepare(
        `SELECT u.*, m.club_id AS club, m.role, m.athlete_id AS athlete FROM users u LEFT JOIN memberships m ON m.user_id = u.id
         WHERE ${condition} ORDER BY m.club_id`,
      )
      .all(...params) as (UserRow & { club: string | null; role: ClubRole | null; athlete: string | null })[];
    const row = rows[0];
    if (!row) return null;
    const memberships = rows.filter((one) => one.club !== null).map((one) => ({ club: one.club!, role: one.role!, athlete: one.athlete }));
    return {
      user: { id: row.id, email: row.email, name: row.name, platformAdmin: row.platform_admin === 1, demo: row.demo === 1, memberships },
      passwordHash: row.password_hash,
    };
  }
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
