import type { Logger } from 'pino';
import type { DeadLetters } from '../store/dead-letters.ts';
import type { IngestQueue, QueuedEntry } from '../store/ingest-queue.ts';
import { backoffDelayMs } from '../protocol/backoff.ts';
import { StoreWriteError } from '../store/store-errors.ts';
import type { TimeSeriesStore } from '../store/time-series-store.ts';
import type { IngestMetrics } from './ingest-metrics.ts';

export interface BatchWriterOptions {
  queue: IngestQueue;
  store: TimeSeriesStore;
  /** Where a batch goes that the store refuses for good (a field type conflict, say), so it cannot block the queue. */
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
    this.draining ??= this.writeQueued().finally(() => {
      this.draining = null;
      if (this.failures > 0) this.schedule(this.backoffMs());
      else if (this.pendingPoints > 0) this.schedule(this.options.flushIntervalMs);
    });
    return this.draining;
  }

  private async writeQueued(): Promise<void> {
    const { queue, store, metrics, logger, batchSize } = this.options;
    for (let entries = queue.peek(batchSize); entries.length > 0 && !this.stopped; entries = queue.peek(batchSize)) {
      const points = entries.flatMap((entry) => entry.points);
      const stopTimer = metrics.writeSeconds.startTimer();
      try {
        await store.writePoints(points);
      } catch (error) {
        if (error instanceof StoreWriteError && !error.retryable) {
          this.setAside(entries, error);
          continue;
        }
        this.failures++;
        this.lastError = error;
        metrics.writeRetries.inc();
        // One warning when the store goes away and one every tenth retry, not one per attempt.
        const level = this.failures === 1 || this.failures % 10 === 0 ? 'warn' : 'debug';
        logger[level]({ err: error, points: points.length, failures: this.failures }, 'store write failed; retrying with back-off');
        return;
      }
      stopTimer();
      this.forget(entries, points.length);
      if (this.failures > 0) logger.info({ failures: this.failures }, 'store writes succeed again');
      this.failures = 0;
      metrics.batches.inc();
      metrics.samplesStored.inc(points.length);
    }
  }

  /** Removes entries that are in the store (or set aside) from the queue and the pending count. */
  private forget(entries: QueuedEntry[], points: number): void {
    this.options.queue.acknowledgeThrough(entries.at(-1)!.id);
    this.pendingPoints = Math.max(0, this.pendingPoints - points);
    this.options.metrics.queuePoints.set(this.pendingPoints);
  }

  /** Keeps a refused batch whole in the dead letters (reason store_rejected) and moves on. */
  private setAside(entries: QueuedEntry[], error: StoreWriteError): void {
    const { deadLetters, metrics, logger } = this.options;
    const points = entries.flatMap((entry) => entry.points);
    deadLetters.record({ receivedMs: Date.now(), topic: '(ingest queue)', reason: 'store_rejected', detail: error.message, payload: Buffer.from(JSON.stringify(points)) });
    this.forget(entries, points.length);
    metrics.messagesRejected.inc({ reason: 'store_rejected' });
    logger.error({ err: error, points: points.length }, 'store refused a batch; kept in the dead letters');
  }

  private backoffMs(): number {
    // The server may say how long to wait (Retry-After); never retry sooner than that.
    const hinted = this.lastError instanceof StoreWriteError ? (this.lastError.retryAfterMs ?? 0) : 0;
    const backoff = { initialMs: this.options.retryInitialMs ?? 200, maxMs: this.options.retryMaxMs ?? 30_000, jitter: 0.25 };
    return Math.max(hinted, backoffDelayMs(this.failures, backoff));
  }
}
