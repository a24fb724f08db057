import type { ClubId, GatewayId } from '../protocol/ids.ts';
import { gatewayUsername, isServiceUsername, type MqttIdentity, type MqttService, serviceUsername } from '../protocol/mqtt/access.ts';
import { hashSecret, mosquittoHash, newSecret, secretMatches } from './secrets.ts';
import type { SqlDatabase } from './sql/sql-database.ts';

export interface MqttCredentials {
  username: string;
  password: string;
}

export interface GatewayAccount {
  gateway: GatewayId;
  username: string;
  createdMs: number;
  revokedMs: number | null;
}

interface AccountRow {
  username: string;
  kind: 'gateway' | 'service';
  club_id: string | null;
  gateway_id: string | null;
  service: MqttService | null;
  secret_hash: string;
  mosquitto_hash: string;
  revoked_ms: number | null;
}

/**
 * Who may connect to the broker: one account per gateway (issued by a club admin or the CLI) and per
 * service (ingest, api). The password is shown once when issued; only its hash is kept.
 */
export class MqttAccounts {
  constructor(private readonly db: SqlDatabase) {}

  /** New credentials for a gateway; issuing again replaces the password (and lifts a revocation). */
  issueGateway(club: ClubId, gateway: GatewayId, nowMs = Date.now()): MqttCredentials {
    return this.issue({ username: gatewayUsername(club, gateway), kind: 'gateway', club, gateway, service: null }, nowMs);
  }

  /**
   * Credentials for a service process. Each process (or group of replicas) gets its own user name, sc-{service}
   * by default, so issuing one for a new process does not change the password of those running.
   */
  issueService(service: MqttService, username = serviceUsername(service), nowMs = Date.now()): MqttCredentials {
    if (!isServiceUsername(service, username)) throw new Error(`a ${service} service's user name starts with ${serviceUsername(service)}`);
    return this.issue({ username, kind: 'service', club: null, gateway: null, service }, nowMs);
  }

  /** True when the gateway had live credentials. */
  revokeGateway(club: ClubId, gateway: GatewayId, nowMs = Date.now()): boolean {
    const result = this.db
      .prepare('UPDATE mqtt_accounts SET revoked_ms = ? WHERE username = ? AND revoked_ms IS NULL')
      .run(nowMs, gatewayUsername(club, gateway));
    return result.changes > 0;
  }

  listGateways(club: ClubId): GatewayAccount[] {
    return this.db
      .prepare(
        `SELECT gateway_id AS gateway, username, created_ms AS "createdMs", revoked_ms AS "revokedMs" FROM mqtt_accounts
         WHERE kind = 'gateway' AND club_id = ? ORDER BY gateway_id`,
      )
      .all(club) as GatewayAccount[];
  }

  /** Accounts not revoked, with their Mosquitto password hash, for writing Mosquitto's password file and ACL. */
  live(): { identity: MqttIdentity; mosquittoHash: string }[] {
    const rows = this.db.prepare('SELECT * FROM mqtt_accounts WHERE revoked_ms IS NULL ORDER BY username').all() as AccountRow[];
    return rows.map((row) => ({ identity: identityOf(row), mosquittoHash: row.mosquitto_hash }));
  }

  /** The identity behind a user name and password, or null (unknown, wrong password, revoked). */
  authenticate(username: string, password: string): MqttIdentity | null {
    // No account holds NUL (PostgreSQL's text cannot): such a name is simply unknown, on both engines.
    if (username.includes('\u0000')) return null;
    const row = this.db.prepare('SELECT * FROM mqtt_accounts WHERE username = ?').get(username) as AccountRow | undefined;
    if (!row || row.revoked_ms !== null || !secretMatches(password, row.secret_hash)) return null;
    return identityOf(row);
  }

  /**
   * Accounts revoked or given a new password at or after a time, with when: the broker disconnects
   * connections made before that (a stolen password stops working even if the gateway is re-issued at once).
   */
  changedSince(sinceMs: number): { username: string; changedMs: number }[] {
    return this.db
      .prepare(
        'SELECT username, CASE WHEN revoked_ms > created_ms THEN revoked_ms ELSE created_ms END AS "changedMs" FROM mqtt_accounts WHERE revoked_ms >= ? OR created_ms >= ? ORDER BY username',
      )
      .all(sinceMs, sinceMs) as { username: string; changedMs: number }[];
  }

  private issue(
    account: { username: string; kind: 'gateway' | 'service'; club: string | null; gateway: string | null; service: MqttService | null },
    nowMs: number,
  ): MqttCredentials {
    const password = newSecret();
    this.db
      .prepare(
        `INSERT INTO mqtt_accounts (username, kind, club_id, gateway_id, service, secret_hash, mosquitto_hash, created_ms, revoked_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)
         ON CONFLICT (username) DO UPDATE SET secret_hash = excluded.secret_hash, mosquitto_hash = excluded.mosquitto_hash,
           created_ms = excluded.created_ms, revoked_ms = NULL`,
      )
      .run(
        account.username,
        account.kind,
        account.club,
        account.gateway,
        account.service,
        hashSecret(password),
        mosquittoHash(password),
        nowMs,
      );
    return { username: account.username, password };
  }
}

function identityOf(row: AccountRow): MqttIdentity {
  return row.kind === 'gateway'
    ? { kind: 'gateway', username: row.username, club: row.club_id!, gateway: row.gateway_id! }
    : { kind: 'service', username: row.username, service: row.service! };
}
