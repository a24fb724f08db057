import type { SqliteDatabase } from './database.ts';
import type { StoredPoint } from './time-series-store.ts';

/** Queue entries one erasure transaction rewrites. */
const ERASE_CHUNK = 200;
/**
 * Points the queue also keeps in memory, so the writer takes them without reading and parsing them back
 * (a few batches; a backlog beyond it, say while the store is away, is read from disk).
 */
const IN_MEMORY_MAX_POINTS = 50_000;

export interface QueuedEntry {
  id: number;
  enqueuedMs: number;
  points: StoredPoint[];
}

/**
 * Ingest's durable hand-off between the broker and the time-series store. A message is acknowledged
 * to the broker once it sits here (committed to disk); a batcher drains entries into the store in
 * order and deletes them only after the store confirmed the write. A crash anywhere in between means
 * a rewrite of the same points, which the idempotent stores absorb. The newest entries are held in memory
 * too while they are few: the disk copy is for a restart.
 */
export class IngestQueue {
  private readonly insert;
  private readonly head;
  private readonly stats;
  private readonly removeUpTo;

  private readonly after;
  /** The oldest entries, in order, while the disk holds nothing older that is not here too. */
  private memory: QueuedEntry[] = [];
  private memoryPoints = 0;
  /** Entries on disk that memory does not hold (a restart's backlog, or more than memory takes). */
  private spilled: boolean;

  constructor(private readonly db: SqliteDatabase) {
    this.insert = db.prepare('INSERT INTO ingest_queue (enqueued_ms, point_count, points) VALUES (?, ?, ?)');
    this.head = db.prepare('SELECT id, enqueued_ms, points, point_count FROM ingest_queue ORDER BY id LIMIT ?');
    this.stats = db.prepare(
      'SELECT COUNT(*) AS entries, COALESCE(SUM(point_count), 0) AS points, MIN(enqueued_ms) AS oldest FROM ingest_queue',
    );
    this.removeUpTo = db.prepare('DELETE FROM ingest_queue WHERE id <= ?');
    this.after = db.prepare('SELECT id, points FROM ingest_queue WHERE id > ? ORDER BY id LIMIT ?');
    this.spilled = this.depth().entries > 0;
  }

  enqueue(points: readonly StoredPoint[], nowMs: number): void {
    const id = Number(this.insert.run(nowMs, points.length, JSON.stringify(points)).lastInsertRowid);
    if (this.spilled || this.memoryPoints + points.length > IN_MEMORY_MAX_POINTS) {
      this.spilled = true;
      return;
    }
    this.memory.push({ id, enqueuedMs: nowMs, points: [...points] });
    this.memoryPoints += points.length;
  }

  /**
   * The oldest entries, whole, until adding one more would pass maxPoints (at least one entry): from
   * memory while it holds the oldest, else from disk.
   */
  peek(maxPoints: number, maxEntries = 10_000): QueuedEntry[] {
    if (this.memory.length > 0) return takeWhole(this.memory, maxPoints, maxEntries);
    if (!this.spilled) return [];
    const entries = this.peekDisk(maxPoints, maxEntries);
    // The disk holds nothing memory lacks: newer entries may be kept in memory again.
    if (entries.length === 0) this.spilled = false;
    return entries;
  }

  private peekDisk(maxPoints: number, maxEntries: number): QueuedEntry[] {
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
    let gone = 0;
    while (gone < this.memory.length && this.memory[gone]!.id <= id) this.memoryPoints -= this.memory[gone++]!.points.length;
    if (gone > 0) this.memory = this.memory.slice(gone);
  }

  /**
   * Removes queued points matching a predicate (an erasure), entry by entry in short transactions;
   * an entry left without points goes. Returns how many points were removed.
   */
  async erase(matches: (point: StoredPoint) => boolean): Promise<number> {
    // This process's memory copy first (another process's is covered by its writer's own erased check).
    for (const entry of this.memory) {
      const kept = entry.points.filter((point) => !matches(point));
      this.memoryPoints -= entry.points.length - kept.length;
      entry.points = kept;
    }
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

/** The first entries of `entries`, whole, until one more would pass maxPoints (at least one). */
function takeWhole(entries: readonly QueuedEntry[], maxPoints: number, maxEntries: number): QueuedEntry[] {
  let total = 0;
  let count = 0;
  while (count < entries.length && count < maxEntries) {
    const size = entries[count]!.points.length;
    if (count > 0 && total + size > maxPoints) break;
    total += size;
    count++;
  }
  return entries.slice(0, count);
}
