import type { SqliteDatabase } from './database.ts';
import type { StoredPoint } from './time-series-store.ts';

/** Queue entries one erasure transaction rewrites. */
const ERASE_CHUNK = 200;

export interface QueuedEntry {
  id: number;
  enqueuedMs: number;
  points: StoredPoint[];
}

/**
 * Ingest's durable hand-off between the broker and the time-series store. A message is acknowledged
 * to the broker once it sits here (committed to disk); a batcher drains entries into the store in
 * order and deletes them only after the store confirmed the write. A crash anywhere in between means
 * a rewrite of the same points, which the idempotent stores absorb.
 */
export class IngestQueue {
  private readonly insert;
  private readonly head;
  private readonly stats;
  private readonly removeUpTo;

  private readonly after;

  constructor(private readonly db: SqliteDatabase) {
    this.insert = db.prepare('INSERT INTO ingest_queue (enqueued_ms, point_count, points) VALUES (?, ?, ?)');
    this.head = db.prepare('SELECT id, enqueued_ms, points, point_count FROM ingest_queue ORDER BY id LIMIT ?');
    this.stats = db.prepare(
      'SELECT COUNT(*) AS entries, COALESCE(SUM(point_count), 0) AS points, MIN(enqueued_ms) AS oldest FROM ingest_queue',
    );
    this.removeUpTo = db.prepare('DELETE FROM ingest_queue WHERE id <= ?');
    this.after = db.prepare('SELECT id, points FROM ingest_queue WHERE id > ? ORDER BY id LIMIT ?');
  }

  enqueue(points: readonly StoredPoint[], nowMs: number): void {
    this.insert.run(nowMs, points.length, JSON.stringify(points));
  }

  /** The oldest entries, whole, until adding one more would pass maxPoints (at least one entry). */
  peek(maxPoints: number, maxEntries = 10_000): QueuedEntry[] {
    const rows = this.head.all(maxEntries) as { id: number; enqueued_ms: number; points: string; point_count: number }[];
    const entries: QueuedEntry[] = [];
    let total = 0;
    for (const row of rows) {
      if (entries.length > 0 && total + row.point_count > maxPoints) break;
      total += row.point_count;
      entries.push({ id: row.id, enqueuedMs: row.enqueued_ms, points: JSON.parse(row.points) as StoredPoint[] });
    }
    return entries;
  }

  /** Removes every entry up to and including id (entries drain strictly in order). */
  acknowledgeThrough(id: number): void {
    this.removeUpTo.run(id);
  }

  /**
   * Removes queued points matching a predicate (an erasure), entry by entry in short transactions;
   * an entry left without points goes. Returns how many points were removed.
   */
  async erase(matches: (point: StoredPoint) => boolean): Promise<number> {
    let removed = 0;
    let after = 0;
    for (;;) {
      const rows = this.after.all(after, ERASE_CHUNK) as { id: number; points: string }[];
      if (rows.length === 0) return removed;
      this.db.transaction(() => {
        for (const row of rows) {
          const points = JSON.parse(row.points) as StoredPoint[];
          const kept = points.filter((point) => !matches(point));
          if (kept.length === points.length) continue;
          removed += points.length - kept.length;
          if (kept.length === 0) this.db.prepare('DELETE FROM ingest_queue WHERE id = ?').run(row.id);
          else
            this.db
              .prepare('UPDATE ingest_queue SET points = ?, point_count = ? WHERE id = ?')
              .run(JSON.stringify(kept), kept.length, row.id);
        }
      })();
      after = rows.at(-1)!.id;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The newest entry's id (0 when empty): entries up to it were queued before now. */
  lastId(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM ingest_queue').get() as { id: number }).id;
  }

  /** Whether every entry up to `id` has been written and acknowledged (or the queue never held them). */
  drainedThrough(id: number): boolean {
    return this.db.prepare('SELECT 1 FROM ingest_queue WHERE id <= ? LIMIT 1').get(id) === undefined;
  }

  depth(): { entries: number; points: number; oldestEnqueuedMs: number | null } {
    const row = this.stats.get() as { entries: number; points: number; oldest: number | null };
    return { entries: row.entries, points: row.points, oldestEnqueuedMs: row.oldest };
  }
}
