import type { Logger } from 'pino';
import { backoffDelayMs } from '../protocol/backoff.ts';
import type { DeadLetters } from '../store/dead-letters.ts';
import type { IngestQueue, QueuedEntry } from '../store/ingest-queue.ts';
import { StoreWriteError } from '../store/store-errors.ts';
import type { StoredPoint, TimeSeriesStore } from '../store/time-series-store.ts';
import type { IngestMetrics } from './ingest-metrics.ts';

interface RefusedPoints {
  points: StoredPoint[];
  reasons: string[];
}

export interface BatchWriterOptions {
  queue: IngestQueue;
  store: TimeSeriesStore;
  /** Where points go that the store refuses for good (a field type conflict, say), so they cannot block the queue. */
  deadLetters: DeadLetters;
  metrics: IngestMetrics;
  logger: Logger;
  /** Points per store write; a backlog this large is written at once. */
  batchSize: number;
  /** Longest a queued point waits for its batch to fill. */
  flushIntervalMs: number;
  /** Back-off between failed writes: doubles from initial to max, with ±25 % jitter (protocol/backoff.ts). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Told whenever written points left the queue (ingest resumes a held acknowledgement). */
  onQueueShrunk?: () => void;
  /** The queued points still to be written (not those of an athlete erased since); the same array when all are. */
  keep?: (points: StoredPoint[]) => StoredPoint[];
}

/**
 * Drains the durable ingest queue into the time-series store, oldest first, in writes of at most
 * batchSize points, deleting entries only once the store confirmed them. A write starts when
 * batchSize points wait or flushIntervalMs after the first one arrived. A failing store is retried
 * with back-off while the queue keeps accepting (and acknowledging) new messages.
 */
export class BatchWriter {
  private pendingPoints: number;
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private failures = 0;
  private lastError: unknown = null;
  private stopped = false;

  constructor(private readonly options: BatchWriterOptions) {
    // Whatever a previous run acknowledged but did not write is drained first.
    this.pendingPoints = options.queue.depth().points;
    options.metrics.queuePoints.set(this.pendingPoints);
    if (this.pendingPoints > 0) this.schedule(0);
  }

  /** Whether the last write failed (the store is away or refusing): retries are under way. */
  get failing(): boolean {
    return this.failures > 0;
  }

  /** Points acknowledged to the broker and not yet in the store. */
  get queuedPoints(): number {
    return this.pendingPoints;
  }

  notifyQueued(points: number): void {
    this.pendingPoints += points;
    this.options.metrics.queuePoints.set(this.pendingPoints);
    if (this.failures > 0) return; // the retry timer is already set
    this.schedule(this.pendingPoints >= this.options.batchSize ? 0 : this.options.flushIntervalMs);
  }

  /** Writes everything queued so far; rejects if the store refuses (the points stay queued on disk). */
  async flush(): Promise<void> {
    this.clearTimer();
    await this.drain();
    if (this.failures > 0) throw new Error('store unavailable: queued points stay on disk', { cause: this.lastError });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    await this.draining;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.draining) return;
    if (this.timer && delayMs > 0) return; // an earlier deadline already stands
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.drain();
    }, delayMs);
  }

  private drain(): Promise<void> {
    this.draining ??= this.writeQueued()
      // The queue itself failing (disk full, I/O error) is retried like a store failure, never left unhandled.
      .catch((error: unknown) => this.onFailure(error, 'could not read the ingest queue; retrying with back-off', 'error'))
      .finally(() => {
        this.draining = null;
        if (this.failures > 0) this.schedule(this.backoffMs());
        else if (this.pendingPoints > 0) this.schedule(this.options.flushIntervalMs);
      });
    return this.draining;
  }

  private async writeQueued(): Promise<void> {
    const { queue, metrics, logger, batchSize } = this.options;
    for (let entries = queue.peek(batchSize); entries.length > 0 && !this.stopped; entries = queue.peek(batchSize)) {
      const queued = entries.flatMap((entry) => entry.points);
      // Points of an erased athlete that were queued before the erasure reached the queue are not written.
      const points = this.options.keep?.(queued) ?? queued;
      const stopTimer = metrics.writeSeconds.startTimer();
      let refused: RefusedPoints;
      try {
        refused = await this.writeIsolatingRefused(points);
      } catch (error) {
        metrics.writeRetries.inc();
        this.onFailure(error, 'store write failed; retrying with back-off', 'warn', points.length);
        return;
      }
      stopTimer();
      if (refused.points.length > 0) this.setAside(refused);
      this.forget(entries, queued.length);
      if (this.failures > 0) logger.info({ failures: this.failures }, 'store writes succeed again');
      this.failures = 0;
      metrics.batches.inc();
      metrics.samplesStored.inc(points.length - refused.points.length);
    }
    // Drained: the count starts again from what the queue holds (an erasure elsewhere may have taken points from it).
    if (!this.stopped) {
      this.pendingPoints = queue.depth().points;
      metrics.queuePoints.set(this.pendingPoints);
    }
  }

  /**
   * Writes the points; when the store refuses them for good, halves the batch until the refused points
   * are alone, so one bad point does not take thousands of good ones (other messages, other clubs) with
   * it. Rewriting a half that was partly stored is harmless: writes are idempotent. A retryable failure
   * on the way throws, and the whole batch is retried later.
   */
  private async writeIsolatingRefused(points: readonly StoredPoint[]): Promise<RefusedPoints> {
    try {
      await this.options.store.writePoints(points);
      return { points: [], reasons: [] };
    } catch (error) {
      if (!(error instanceof StoreWriteError) || error.retryable) throw error;
      if (points.length === 1) return { points: [...points], reasons: [error.message] };
      const middle = Math.ceil(points.length / 2);
      const first = await this.writeIsolatingRefused(points.slice(0, middle));
      const second = await this.writeIsolatingRefused(points.slice(middle));
      return { points: [...first.points, ...second.points], reasons: [...first.reasons, ...second.reasons] };
    }
  }

  private onFailure(error: unknown, message: string, firstLevel: 'warn' | 'error', points?: number): void {
    this.failures++;
    this.lastError = error;
    // One line when the store goes away and one every tenth retry, not one per attempt.
    const level = this.failures === 1 || this.failures % 10 === 0 ? firstLevel : 'debug';
    this.options.logger[level]({ err: error, points, failures: this.failures }, message);
  }

  /** Removes entries that are in the store (or set aside) from the queue and the pending count. */
  private forget(entries: QueuedEntry[], points: number): void {
    this.options.queue.acknowledgeThrough(entries.at(-1)!.id);
    this.pendingPoints = Math.max(0, this.pendingPoints - points);
    this.options.metrics.queuePoints.set(this.pendingPoints);
    this.options.onQueueShrunk?.();
  }

  /** Keeps the points the store refused in the dead letters (reason store_rejected), one letter per club, with the store's reasons. */
  private setAside(refused: RefusedPoints): void {
    const { deadLetters, metrics, logger } = this.options;
    const reasons = [...new Set(refused.reasons)];
    const byClub = new Map<string, StoredPoint[]>();
    for (const point of refused.points) {
      const points = byClub.get(point.club) ?? [];
      points.push(point);
      byClub.set(point.club, points);
    }
    for (const [club, points] of byClub) {
      const detail = `${points.length} point(s) refused by the store: ${reasons.join('; ')}`;
      deadLetters.record({
        receivedMs: Date.now(),
        topic: '(ingest queue)',
        club,
        reason: 'store_rejected',
        detail,
        payload: Buffer.from(JSON.stringify(points)),
      });
    }
    metrics.messagesRejected.inc({ reason: 'store_rejected' });
    logger.error(
      { points: refused.points.length, reason: reasons[0] },
      'store refused points; kept in the dead letters, the rest of the batch stored',
    );
  }

  private backoffMs(): number {
    // The server may say how long to wait (Retry-After); never retry sooner than that.
    const hinted = this.lastError instanceof StoreWriteError ? (this.lastError.retryAfterMs ?? 0) : 0;
    const backoff = { initialMs: this.options.retryInitialMs ?? 200, maxMs: this.options.retryMaxMs ?? 30_000, jitter: 0.25 };
    return Math.max(hinted, backoffDelayMs(this.failures, backoff));
  }
}
