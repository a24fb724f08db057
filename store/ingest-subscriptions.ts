import type { SqliteDatabase } from './database.ts';

/**
 * Which filters ingest's persistent session holds, as the last SUBACK confirmed them. A CONNACK only says
 * "a session is present": on Mosquitto that is also true of a session whose SUBSCRIBE never completed
 * (the link dropped before the SUBACK) or was refused, and of one made by a build that subscribed to
 * other filters. Ingest re-subscribes unless this record says the session has exactly its filters.
 */
export class IngestSubscriptions {
  private readonly read;
  private readonly write;
  private readonly remove;

  constructor(db: SqliteDatabase) {
    this.read = db.prepare('SELECT filters FROM ingest_subscriptions WHERE client_id = ?');
    this.write = db.prepare(
      'INSERT INTO ingest_subscriptions (client_id, filters, confirmed_ms) VALUES (?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET filters = excluded.filters, confirmed_ms = excluded.confirmed_ms',
    );
    this.remove = db.prepare('DELETE FROM ingest_subscriptions WHERE client_id = ?');
  }

  hasConfirmed(clientId: string, filters: readonly string[]): boolean {
    const row = this.read.get(clientId) as { filters: string } | undefined;
    return row?.filters === JSON.stringify([...filters].sort());
  }

  confirm(clientId: string, filters: readonly string[], nowMs = Date.now()): void {
    this.write.run(clientId, JSON.stringify([...filters].sort()), nowMs);
  }

  /** The broker has no session for us (or we are about to subscribe again): nothing is known to be held. */
  forget(clientId: string): void {
    this.remove.run(clientId);
  }
}
