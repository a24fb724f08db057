import type { SqliteDatabase } from './database.ts';
import { decodeMessages, encodeMessages, type QueuedMessage } from './queued-messages.ts';
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
 * a rewrite of the same points, which the idempotent stores absorb. Entries are also kept in memory
 * while they fit (IN_MEMORY_MAX_POINTS): the writer takes those without reading and parsing them back,
 * and the disk copy is for a restart. Entries that did not fit are read from disk in their turn.
 */
export class IngestQueue {
  private readonly insert;
  private readonly headRows;
  private readonly pointsOf;
  private readonly rowCounts;
  private readonly peekSnapshot: (maxPoints: number, maxEntries: number) => QueuedEntry[];
  private readonly stats;
  private readonly removeUpTo;
  private readonly after;
  private readonly deleteOne;
  private readonly rewriteOne;
  private readonly maxId;
  private readonly anyThrough;
  /** Entries held in memory too, by id (a Map keeps insertion order, which is id order). */
  private readonly memory = new Map<number, QueuedEntry>();
  private memoryPoints = 0;
  /** How many entries sit on disk only (a previous run's backlog, or what did not fit in memory). */
  private diskOnly: number;
  /** Ids of disk-only entries handed out and not yet acknowledged. */
  private readonly readFromDisk = new Set<number>();

  /**
   * `worker`: whose entries this queue writes and drains (ingest workers on a shared subscription share
   * the file, each with its own entries; '' for a lone ingest). Erasure, lastId and drainedThrough look at
   * every worker's entries.
   */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly worker = '',
  ) {
    this.insert = db.prepare('INSERT INTO ingest_queue (enqueued_ms, point_count, points, worker) VALUES (?, ?, ?, ?)');
    this.headRows = db.prepare('SELECT id, enqueued_ms, point_count FROM ingest_queue WHERE worker = ? ORDER BY id LIMIT ?');
    this.pointsOf = db.prepare('SELECT points FROM ingest_queue WHERE id = ?').pluck();
    this.rowCounts = db.prepare('SELECT id, point_count FROM ingest_queue WHERE id BETWEEN ? AND ?');
    this.stats = db.prepare(
      'SELECT COUNT(*) AS entries, COALESCE(SUM(point_count), 0) AS points, MIN(enqueued_ms) AS oldest FROM ingest_queue WHERE worker = ?',
    );
    this.removeUpTo = db.prepare('DELETE FROM ingest_queue WHERE worker = ? AND id <= ?');
    this.after = db.prepare('SELECT id, points FROM ingest_queue WHERE id > ? ORDER BY id LIMIT ?');
    this.deleteOne = db.prepare('DELETE FROM ingest_queue WHERE id = ?');
    this.rewriteOne = db.prepare('UPDATE ingest_queue SET points = ?, point_count = ? WHERE id = ?');
    this.maxId = db.prepare('SELECT COALESCE(MAX(id), 0) FROM ingest_queue').pluck();
    this.anyThrough = db.prepare('SELECT 1 FROM ingest_queue WHERE id <= ? LIMIT 1');
    this.diskOnly = this.depth().entries;
    // One read transaction: the rows looked at and the points then read from them are one snapshot,
    // whatever another process (the API, erasing) writes meanwhile.
    this.peekSnapshot = db.transaction((maxPoints: number, maxEntries: number) =>
      this.diskOnly === 0 ? this.peekMemory(maxPoints, maxEntries) : this.peekDisk(maxPoints, maxEntries),
    );
  }

  /**
   * Writes an entry's row: durable once the surrounding transaction commits. With `messages` (what the
   * points came from) the disk keeps those, which costs less than serialising the points. Returns the
   * entry's id for remember(), to be called once the transaction committed: memory must not hold an
   * entry whose row a failed commit took back.
   */
  insertEntry(points: readonly StoredPoint[], nowMs: number, messages?: readonly QueuedMessage[]): number {
    const stored = messages ? encodeMessages(messages) : JSON.stringify(points);
    return Number(this.insert.run(nowMs, points.length, stored, this.worker).lastInsertRowid);
  }

  /** After an entry's row committed: its points are held in memory too, while memory is under its bound (so at most one entry past it). */
  remember(id: number, nowMs: number, points: StoredPoint[]): void {
    if (this.memoryPoints >= IN_MEMORY_MAX_POINTS) {
      this.diskOnly++;
      return;
    }
    this.memory.set(id, { id, enqueuedMs: nowMs, points });
    this.memoryPoints += points.length;
  }

  /** insertEntry and remember, for a caller outside any larger transaction. */
  enqueue(points: StoredPoint[], nowMs: number, messages?: readonly QueuedMessage[]): void {
    this.remember(this.insertEntry(points, nowMs, messages), nowMs, points);
  }

  /** Whether `points` more still fit in memory (ingest paces itself by it while the store keeps up). */
  hasMemoryRoom(points = 0): boolean {
    return this.memoryPoints + points < IN_MEMORY_MAX_POINTS;
  }

  /**
   * The oldest entries, whole, until adding one more would pass maxPoints (at least one entry): from
   * memory where it holds them, else from disk.
   */
  peek(maxPoints: number, maxEntries = 10_000): QueuedEntry[] {
    return this.peekSnapshot(maxPoints, maxEntries);
  }

  private peekDisk(maxPoints: number, maxEntries: number): QueuedEntry[] {
    const rows = this.headRows.all(this.worker, maxEntries) as { id: number; enqueued_ms: number; point_count: number }[];
    // The whole queue fits in one look and memory holds all of it: nothing is on disk only (any more).
    if (rows.length < maxEntries && rows.every((row) => this.memory.has(row.id))) {
      this.diskOnly = 0;
      this.readFromDisk.clear();
    }
    const entries: QueuedEntry[] = [];
    let total = 0;
    for (const row of rows) {
      if (entries.length > 0 && total + row.point_count > maxPoints) break;
      total += row.point_count;
      const held = this.memory.get(row.id);
      if (held) {
        entries.push(this.matchRow(held, row.point_count));
        continue;
      }
      this.readFromDisk.add(row.id);
      entries.push({ id: row.id, enqueuedMs: row.enqueued_ms, points: decodeStored(this.pointsOf.get(row.id) as string | Buffer) });
    }
    return entries;
  }

  /** An entry held in memory as its row has it now: read again when the row lost points (an erasure elsewhere). */
  private matchRow(entry: QueuedEntry, rowCount: number): QueuedEntry {
    if (rowCount === entry.points.length) return entry;
    this.memoryPoints -= entry.points.length;
    entry.points = decodeStored(this.pointsOf.get(entry.id) as string | Buffer);
    this.memoryPoints += entry.points.length;
    return entry;
  }

  /**
   * The oldest entries held in memory, checked against their rows: another process (the API erasing an
   * athlete) may have rewritten a row without some points, or deleted it, and the row is what counts.
   */
  private peekMemory(maxPoints: number, maxEntries: number): QueuedEntry[] {
    for (;;) {
      const taken = takeWhole(this.memory.values(), maxPoints, maxEntries);
      if (taken.length === 0) return [];
      const counts = new Map(
        (this.rowCounts.all(taken[0]!.id, taken.at(-1)!.id) as { id: number; point_count: number }[]).map((row) => [
          row.id,
          row.point_count,
        ]),
      );
      const entries: QueuedEntry[] = [];
      for (const entry of taken) {
        const count = counts.get(entry.id);
        if (count === undefined) {
          this.memory.delete(entry.id);
          this.memoryPoints -= entry.points.length;
          continue;
        }
        entries.push(this.matchRow(entry, count));
      }
      // Every entry taken was gone: look again past them.
      if (entries.length > 0) return entries;
    }
  }

  /** Removes every entry up to and including id (entries drain strictly in order). */
  acknowledgeThrough(id: number): void {
    this.removeUpTo.run(this.worker, id);
    for (const [heldId, entry] of this.memory) {
      if (heldId > id) break;
      this.memory.delete(heldId);
      this.memoryPoints -= entry.points.length;
    }
    for (const readId of this.readFromDisk) {
      if (readId > id) continue;
      this.readFromDisk.delete(readId);
      this.diskOnly = Math.max(0, this.diskOnly - 1);
    }
  }

  /**
   * Removes queued points matching a predicate (an erasure), entry by entry in short transactions;
   * an entry left without points goes. Returns how many points were removed.
   */
  async erase(matches: (point: StoredPoint) => boolean): Promise<number> {
    let removed = 0;
    let after = 0;
    for (;;) {
      const rows = this.after.all(after, ERASE_CHUNK) as { id: number; points: string | Buffer }[];
      if (rows.length === 0) {
        // This process's memory copy last, once its rows say the same (another process's copy is checked
        // against the rows before it is written).
        for (const entry of this.memory.values()) {
          const kept = entry.points.filter((point) => !matches(point));
          this.memoryPoints -= entry.points.length - kept.length;
          entry.points = kept;
        }
        return removed;
      }
      this.db.transaction(() => {
        for (const row of rows) {
          const points = decodeStored(row.points);
          const kept = points.filter((point) => !matches(point));
          if (kept.length === points.length) continue;
          removed += points.length - kept.length;
          if (kept.length === 0) this.deleteOne.run(row.id);
          else this.rewriteOne.run(JSON.stringify(kept), kept.length, row.id);
        }
      })();
      after = rows.at(-1)!.id;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The newest entry's id (0 when empty): entries up to it were queued before now. */
  lastId(): number {
    return this.maxId.get() as number;
  }

  /** Whether every entry up to `id` has been written and acknowledged (or the queue never held them). */
  drainedThrough(id: number): boolean {
    return this.anyThrough.get(id) === undefined;
  }

  depth(): { entries: number; points: number; oldestEnqueuedMs: number | null } {
    const row = this.stats.get(this.worker) as { entries: number; points: number; oldest: number | null };
    return { entries: row.entries, points: row.points, oldestEnqueuedMs: row.oldest };
  }
}

/** The first entries, whole, until one more would pass maxPoints (at least one). */
function takeWhole(entries: Iterable<QueuedEntry>, maxPoints: number, maxEntries: number): QueuedEntry[] {
  const taken: QueuedEntry[] = [];
  let total = 0;
  for (const entry of entries) {
    if (taken.length >= maxEntries || (taken.length > 0 && total + entry.points.length > maxPoints)) break;
    total += entry.points.length;
    taken.push(entry);
  }
  return taken;
}

/** An entry's points column: the points as JSON text, or (a BLOB) the messages they came from. */
function decodeStored(stored: string | Buffer): StoredPoint[] {
  return typeof stored === 'string' ? (JSON.parse(stored) as StoredPoint[]) : decodeMessages(stored);
}
