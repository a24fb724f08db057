import type { DeadLetterReason } from '../protocol/api.ts';
import { parseTopic } from '../protocol/mqtt/topics.ts';
import { escapeNul, type SqlDatabase } from './sql/sql-database.ts';

export interface DeadLetter {
  id: number;
  receivedMs: number;
  topic: string;
  /** The club the topic (or the refused points) belong to; null for a topic outside the v1 tree. */
  club: string | null;
  reason: DeadLetterReason;
  detail: string;
  /** The payload as kept: whole for points the store refused, the first bytes of a rejected message. */
  payload: Buffer;
  /** The payload's size as received. */
  payloadBytes: number;
}

export interface DeadLetterLimits {
  /** Bytes kept of a rejected message (a 100 MB publish must not become a 100 MB row). */
  keepPayloadBytes: number;
  maxAgeMs: number;
  maxCount: number;
}

export const DEFAULT_DEAD_LETTER_LIMITS: DeadLetterLimits = {
  keepPayloadBytes: 16 * 1024,
  maxAgeMs: 30 * 24 * 3_600_000,
  maxCount: 100_000,
};

/** Pruning runs every this many records rather than on each. */
const PRUNE_EVERY = 100;

/**
 * Rejected messages kept with the reason, so an operator can see what went wrong: a bounded preview of
 * each, for a bounded time and number. Points the store refused are our own acknowledged samples and are
 * kept whole (a batch is bounded by INGEST_BATCH_SIZE).
 */
export class DeadLetters {
  private readonly insert;
  private readonly recent;
  private readonly counts;
  private readonly pruneOld;
  private readonly pruneBeyond;
  private recordsSincePrune = 0;

  constructor(
    private readonly db: SqlDatabase,
    private readonly limits: DeadLetterLimits = DEFAULT_DEAD_LETTER_LIMITS,
  ) {
    this.insert = db.prepare(
      'INSERT INTO dead_letters (received_ms, topic, club_id, reason, detail, payload, payload_bytes) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.recent = db.prepare(
      `SELECT id, received_ms AS "receivedMs", topic, club_id AS club, reason, detail, payload, payload_bytes AS "payloadBytes" FROM dead_letters
       WHERE (CAST(@reason AS TEXT) IS NULL OR reason = @reason) AND (CAST(@club AS TEXT) IS NULL OR club_id = @club) ORDER BY id DESC LIMIT @limit`,
    );
    this.counts = db.prepare(
      'SELECT reason, COUNT(*) AS n FROM dead_letters WHERE (CAST(@club AS TEXT) IS NULL OR club_id = @club) GROUP BY reason',
    );
    this.pruneOld = db.prepare('DELETE FROM dead_letters WHERE received_ms < ?');
    this.pruneBeyond = db.prepare('DELETE FROM dead_letters WHERE id <= (SELECT id FROM dead_letters ORDER BY id DESC LIMIT 1 OFFSET ?)');
    // Whatever aged out while nothing was running goes at once; ingest prunes hourly afterwards.
    this.prune();
  }

  record(letter: Omit<DeadLetter, 'id' | 'club' | 'payloadBytes'> & { club?: string | null }): void {
    const club = letter.club !== undefined ? letter.club : (parseTopic(letter.topic)?.club ?? null);
    const kept = letter.reason === 'store_rejected' ? letter.payload : letter.payload.subarray(0, this.limits.keepPayloadBytes);
    // Detail is capped: a zod report on a 1,000-sample message can be long.
    this.insert.run(
      letter.receivedMs,
      // A rejection's text may quote the bad bytes, NUL among them (a payload of zeros).
      escapeNul(letter.topic.slice(0, 512)),
      club,
      letter.reason,
      escapeNul(letter.detail.slice(0, 4000)),
      kept,
      letter.payload.byteLength,
    );
    if (++this.recordsSincePrune >= PRUNE_EVERY) this.prune(letter.receivedMs);
  }

  /** Drops letters past the retention age, then the oldest beyond the count. */
  prune(nowMs = Date.now()): void {
    this.recordsSincePrune = 0;
    this.pruneOld.run(nowMs - this.limits.maxAgeMs);
    this.pruneBeyond.run(this.limits.maxCount);
  }

  /** Deletes a club's letters matching a predicate (an erasure), a chunk at a time; returns how many. */
  async erase(club: string, matches: (letter: DeadLetter) => boolean): Promise<number> {
    let removed = 0;
    let after = 0;
    for (;;) {
      const letters = this.db
        .prepare(
          `SELECT id, received_ms AS "receivedMs", topic, club_id AS club, reason, detail, payload, payload_bytes AS "payloadBytes" FROM dead_letters
           WHERE club_id = ? AND id > ? ORDER BY id LIMIT 1000`,
        )
        .all(club, after)
        .map(withPayloadBuffer);
      if (letters.length === 0) return removed;
      const doomed = letters.filter(matches).map((letter) => letter.id);
      for (const id of doomed) this.db.prepare('DELETE FROM dead_letters WHERE id = ?').run(id);
      removed += doomed.length;
      after = letters.at(-1)!.id;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  list(options: { limit: number; reason?: DeadLetterReason; club?: string }): DeadLetter[] {
    return this.recent.all({ reason: options.reason ?? null, club: options.club ?? null, limit: options.limit }).map(withPayloadBuffer);
  }

  countByReason(club?: string): Partial<Record<DeadLetterReason, number>> {
    const rows = this.counts.all({ club: club ?? null }) as { reason: DeadLetterReason; n: number }[];
    return Object.fromEntries(rows.map((row) => [row.reason, row.n]));
  }
}

/** From PostgreSQL (through its worker thread) BYTEA arrives as a Uint8Array: a Buffer, as SQLite gives. */
function withPayloadBuffer(row: unknown): DeadLetter {
  const letter = row as DeadLetter;
  const payload = letter.payload as Uint8Array;
  return Buffer.isBuffer(payload) ? letter : { ...letter, payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength) };
}
