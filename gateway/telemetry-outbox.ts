import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { TelemetryMessage } from '../protocol/mqtt/telemetry.ts';

export interface OutboxEntry {
  seq: number;
  payload: string;
}

/**
 * The gateway's store-and-forward: every telemetry message is committed here before it is sent and
 * deleted when the broker acknowledges it, so a broker outage, a Wi-Fi drop or a gateway restart
 * delays messages but loses none. Bounded: when full, the oldest go (counted, logged by the caller).
 * Sequence numbers are handed out here too, so they survive restarts.
 */
export class TelemetryOutbox {
  private readonly db: Database.Database;
  private readonly insert;
  private readonly oldest;
  private readonly remove;
  private readonly count;
  private readonly dropOldest;

  constructor(
    file: string,
    readonly maxMessages: number,
  ) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, payload TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT OR IGNORE INTO meta (key, value) VALUES ('next_seq', 0);
    `);
    this.insert = this.db.prepare('INSERT INTO outbox (seq, payload) VALUES (?, ?)');
    this.oldest = this.db.prepare('SELECT seq, payload FROM outbox ORDER BY seq LIMIT ?');
    this.remove = this.db.prepare('DELETE FROM outbox WHERE seq = ?');
    this.count = this.db.prepare('SELECT COUNT(*) AS n FROM outbox');
    this.dropOldest = this.db.prepare('DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT ?)');
  }

  /** Numbers and stores a message in one transaction; returns how many old messages made room for it. */
  append(build: (seq: number) => TelemetryMessage): { seq: number; dropped: number } {
    return this.db.transaction(() => {
      const seq = (this.db.prepare("SELECT value FROM meta WHERE key = 'next_seq'").get() as { value: number }).value;
      this.db.prepare("UPDATE meta SET value = ? WHERE key = 'next_seq'").run(seq + 1);
      const over = this.size() + 1 - this.maxMessages;
      const dropped = over > 0 ? this.dropOldest.run(over).changes : 0;
      this.insert.run(seq, JSON.stringify(build(seq)));
      return { seq, dropped };
    })();
  }

  peek(limit: number): OutboxEntry[] {
    return this.oldest.all(limit) as OutboxEntry[];
  }

  acknowledge(seq: number): void {
    this.remove.run(seq);
  }

  size(): number {
    return (this.count.get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}
