import type { DeadLetterReason } from '../protocol/api.ts';
import type { SqliteDatabase } from './database.ts';

export interface DeadLetter {
  id: number;
  receivedMs: number;
  topic: string;
  reason: DeadLetterReason;
  detail: string;
  payload: Buffer;
}

/** Rejected messages kept whole with the reason, so an operator can see and replay what went wrong. */
export class DeadLetters {
  private readonly insert;
  private readonly recent;
  private readonly counts;

  constructor(db: SqliteDatabase) {
    this.insert = db.prepare('INSERT INTO dead_letters (received_ms, topic, reason, detail, payload) VALUES (?, ?, ?, ?, ?)');
    this.recent = db.prepare(
      `SELECT id, received_ms AS receivedMs, topic, reason, detail, payload FROM dead_letters
       WHERE (@reason IS NULL OR reason = @reason) ORDER BY id DESC LIMIT @limit`,
    );
    this.counts = db.prepare('SELECT reason, COUNT(*) AS n FROM dead_letters GROUP BY reason');
  }

  record(letter: Omit<DeadLetter, 'id'>): void {
    // Detail is capped: a zod report on a 1,000-sample message can be long, and the payload is kept anyway.
    this.insert.run(letter.receivedMs, letter.topic, letter.reason, letter.detail.slice(0, 4000), letter.payload);
  }

  list(options: { limit: number; reason?: DeadLetterReason }): DeadLetter[] {
    return this.recent.all({ reason: options.reason ?? null, limit: options.limit }) as DeadLetter[];
  }

  countByReason(): Partial<Record<DeadLetterReason, number>> {
    const rows = this.counts.all() as { reason: DeadLetterReason; n: number }[];
    return Object.fromEntries(rows.map((row) => [row.reason, row.n]));
  }
}
