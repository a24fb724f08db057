import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchWriter } from '../../ingest/batch-writer.ts';
import { createIngestMetrics } from '../../ingest/ingest-metrics.ts';
import { openDatabase } from '../../store/database.ts';
import { DeadLetters } from '../../store/dead-letters.ts';
import { IngestQueue } from '../../store/ingest-queue.ts';
import { StoreWriteError } from '../../store/store-errors.ts';
import type { StoredPoint, TimeSeriesStore } from '../../store/time-series-store.ts';
import { testLogger } from '../helpers/silent-logger.ts';

const point = (timeMs: number): StoredPoint => ({
  club: 'c',
  device: 'd',
  athlete: null,
  kind: 'battery',
  timeMs,
  fields: { batteryPercent: 1 },
});

/** A store that records each write's time and fails while told to. */
function scriptedStore(failures: (StoreWriteError | null)[]) {
  const writes: { atMs: number; points: number }[] = [];
  const store = {
    name: 'scripted',
    async writePoints(points: readonly StoredPoint[]) {
      writes.push({ atMs: Date.now(), points: points.length });
      const failure = failures.shift();
      if (failure) throw failure;
    },
  } as unknown as TimeSeriesStore;
  return { store, writes };
}

describe('batch writer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setUp(failures: (StoreWriteError | null)[], options: { batchSize?: number; flushIntervalMs?: number } = {}) {
    const db = openDatabase(':memory:');
    const queue = new IngestQueue(db);
    const deadLetters = new DeadLetters(db);
    const { store, writes } = scriptedStore(failures);
    const metrics = createIngestMetrics(new Registry(), { oldestQueuedMs: () => queue.depth().oldestEnqueuedMs });
    const writer = new BatchWriter({
      queue,
      store,
      deadLetters,
      metrics,
      logger: testLogger,
      batchSize: options.batchSize ?? 100,
      flushIntervalMs: options.flushIntervalMs ?? 500,
    });
    const enqueue = (count: number) => {
      queue.enqueue(
        Array.from({ length: count }, (_, i) => point(Date.now() + i)),
        Date.now(),
      );
      writer.notifyQueued(count);
    };
    return { queue, writes, writer, enqueue, metrics, deadLetters };
  }

  it('waits for the flush interval with a partial batch and writes a full one at once', async () => {
    const { writes, enqueue } = setUp([]);
    enqueue(10);
    await vi.advanceTimersByTimeAsync(499);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual([{ atMs: 500, points: 10 }]);
    enqueue(100);
    await vi.advanceTimersByTimeAsync(0);
    expect(writes.at(-1)).toEqual({ atMs: 500, points: 100 });
  });

  it('splits a backlog into writes of at most the batch size, oldest first', async () => {
    const { writes, enqueue, queue } = setUp([], { batchSize: 50 });
    for (let i = 0; i < 6; i++) enqueue(20);
    await vi.advanceTimersByTimeAsync(0);
    expect(writes.map((w) => w.points)).toEqual([40, 40, 40]);
    expect(queue.depth().points).toBe(0);
  });

  it('keeps points queued while the store fails and backs off exponentially', async () => {
    const down = () => new StoreWriteError('down', true);
    const { writes, enqueue, queue, metrics } = setUp([down(), down(), down(), null]);
    enqueue(10);
    await vi.advanceTimersByTimeAsync(500 + 200 * 1.25 + 400 * 1.25 + 800 * 1.25 + 1);
    expect(writes).toHaveLength(4);
    const gaps = writes.slice(1).map((w, i) => w.atMs - writes[i]!.atMs);
    // 200, 400, 800 ms, each within ±25 % jitter.
    [200, 400, 800].forEach((base, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(base * 0.75);
      expect(gaps[i]).toBeLessThanOrEqual(base * 1.25 + 1);
    });
    expect(queue.depth().points).toBe(0);
    expect((await metrics.writeRetries.get()).values[0]!.value).toBe(3);
    expect((await metrics.samplesStored.get()).values[0]!.value).toBe(10);
  });

  it('honours the pause a server asks for (Retry-After) when it is longer than the back-off', async () => {
    const { writes, enqueue } = setUp([new StoreWriteError('busy', true, 7000), null]);
    enqueue(5);
    await vi.advanceTimersByTimeAsync(500);
    expect(writes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(6999);
    expect(writes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toHaveLength(2);
  });

  it('drains what a previous run acknowledged but did not write, at start', async () => {
    const db = openDatabase(':memory:');
    const queue = new IngestQueue(db);
    queue.enqueue([point(1), point(2)], 0);
    const { store, writes } = scriptedStore([]);
    new BatchWriter({
      queue,
      store,
      deadLetters: new DeadLetters(db),
      metrics: createIngestMetrics(new Registry(), { oldestQueuedMs: () => null }),
      logger: testLogger,
      batchSize: 100,
      flushIntervalMs: 500,
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(writes).toEqual([{ atMs: 0, points: 2 }]);
  });

  it('stores the rest of a batch the store refuses for good, and keeps only the refused points in the dead letters', async () => {
    const db = openDatabase(':memory:');
    const queue = new IngestQueue(db);
    const deadLetters = new DeadLetters(db);
    const stored: StoredPoint[] = [];
    let writes = 0;
    // Refuses any write holding a point whose battery is 255 (as InfluxDB refuses a field type conflict).
    const store = {
      name: 'picky',
      async writePoints(points: readonly StoredPoint[]) {
        writes++;
        if (points.some((p) => p.fields.batteryPercent === 255))
          throw new StoreWriteError('InfluxDB /write answered 400: field type conflict', false);
        stored.push(...points);
      },
    } as unknown as TimeSeriesStore;
    const metrics = createIngestMetrics(new Registry(), { oldestQueuedMs: () => null });
    const batch = Array.from({ length: 1000 }, (_, i) => ({ ...point(i), club: `club-${i % 3}` }));
    batch[417] = { ...batch[417]!, fields: { batteryPercent: 255 } };
    batch[901] = { ...batch[901]!, fields: { batteryPercent: 255 } };
    queue.enqueue(batch.slice(0, 500), 0);
    queue.enqueue(batch.slice(500), 0);
    const writer = new BatchWriter({ queue, store, deadLetters, metrics, logger: testLogger, batchSize: 5000, flushIntervalMs: 0 });
    await vi.advanceTimersByTimeAsync(0);
    await writer.stop();
    expect(stored.map((p) => p.timeMs).sort((a, b) => a - b)).toEqual(batch.map((p) => p.timeMs).filter((t) => t !== 417 && t !== 901));
    expect(queue.depth().points).toBe(0);
    // One letter per club, so each club's admins see their own refused points.
    const letters = deadLetters.list({ limit: 10 }).sort((a, b) => a.id - b.id);
    expect(letters.map(({ reason, club, detail }) => ({ reason, club, detail }))).toEqual([
      {
        reason: 'store_rejected',
        club: 'club-0',
        detail: '1 point(s) refused by the store: InfluxDB /write answered 400: field type conflict',
      },
      {
        reason: 'store_rejected',
        club: 'club-1',
        detail: '1 point(s) refused by the store: InfluxDB /write answered 400: field type conflict',
      },
    ]);
    expect(letters.map((letter) => JSON.parse(letter.payload.toString()).map((p: StoredPoint) => p.timeMs))).toEqual([[417], [901]]);
    expect((await metrics.samplesStored.get()).values[0]!.value).toBe(998);
    // Halving finds two points among a thousand in a few dozen writes, not a thousand.
    expect(writes).toBeLessThan(50);
  });

  it('retries when reading the queue fails, instead of leaving the failure unhandled', async () => {
    const { writes, enqueue, queue } = setUp([]);
    const peek = queue.peek.bind(queue);
    let failReads = 2;
    queue.peek = (...args) => {
      if (failReads-- > 0) throw new Error('disk I/O error');
      return peek(...args);
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      enqueue(10);
      await vi.advanceTimersByTimeAsync(500 + 250 + 500 + 1);
      expect(writes).toEqual([expect.objectContaining({ points: 10 })]);
      expect(queue.depth().points).toBe(0);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
