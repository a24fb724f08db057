import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../store/database.ts';
import { IngestQueue } from '../../store/ingest-queue.ts';
import type { StoredPoint } from '../../store/time-series-store.ts';

const point = (timeMs: number): StoredPoint => ({
  club: 'demo',
  device: 'd',
  athlete: null,
  kind: 'battery',
  timeMs,
  fields: { batteryPercent: 1 },
});

describe('ingest queue', () => {
  it('hands out whole entries oldest first, up to a point budget, and forgets them once acknowledged', () => {
    const queue = new IngestQueue(openDatabase(':memory:'));
    queue.enqueue([point(1), point(2)], 10);
    queue.enqueue([point(3), point(4), point(5)], 11);
    queue.enqueue([point(6)], 12);
    const first = queue.peek(4);
    expect(first.map((entry) => entry.points.map((p) => p.timeMs))).toEqual([[1, 2]]);
    expect(queue.peek(1)).toHaveLength(1); // an entry larger than the budget still goes out alone
    queue.acknowledgeThrough(first[0]!.id);
    expect(queue.depth()).toEqual({ entries: 2, points: 4, oldestEnqueuedMs: 11 });
    expect(queue.peek(100).flatMap((entry) => entry.points.map((p) => p.timeMs))).toEqual([3, 4, 5, 6]);
  });

  it('survives closing and reopening the file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sc-queue-')), 'q.db');
    const db = openDatabase(file);
    new IngestQueue(db).enqueue([point(1)], 10);
    db.close();
    expect(new IngestQueue(openDatabase(file)).depth().points).toBe(1);
  });

  /** Drains a queue the way the batch writer does, returning every point's time in the order handed out. */
  function drain(queue: IngestQueue, batch = 5000): number[] {
    const times: number[] = [];
    for (let entries = queue.peek(batch); entries.length > 0; entries = queue.peek(batch)) {
      for (const entry of entries) for (const queued of entry.points) times.push(queued.timeMs);
      queue.acknowledgeThrough(entries.at(-1)!.id);
    }
    return times;
  }
  const block = (from: number, size: number) => Array.from({ length: size }, (_, i) => point(from + i));

  it('hands out a backlog larger than it keeps in memory in order, each point once, and keeps queueing meanwhile', () => {
    const queue = new IngestQueue(openDatabase(':memory:'));
    // 80,000 points: more than the in-memory copy holds, so the later ones come back from disk.
    for (let entry = 0; entry < 80; entry++) queue.enqueue(block(entry * 1000, 1000), entry);
    const firstHalf: number[] = [];
    for (let entries = queue.peek(5000); firstHalf.length < 40_000; entries = queue.peek(5000)) {
      for (const entry of entries) for (const queued of entry.points) firstHalf.push(queued.timeMs);
      queue.acknowledgeThrough(entries.at(-1)!.id);
    }
    // New entries while the disk backlog drains go behind it.
    queue.enqueue(block(80_000, 1000), 81);
    const rest = drain(queue);
    expect([...firstHalf, ...rest]).toEqual(Array.from({ length: 81_000 }, (_, i) => i));
    expect(queue.depth().entries).toBe(0);
    // Once drained, what comes next is handed out too.
    queue.enqueue(block(90_000, 3), 90);
    expect(drain(queue)).toEqual([90_000, 90_001, 90_002]);
  });

  it('keeps on disk every entry it also holds in memory: a restart hands them out again', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sc-queue-')), 'q.db');
    const db = openDatabase(file);
    const queue = new IngestQueue(db);
    queue.enqueue(block(0, 10), 1);
    queue.enqueue(block(10, 10), 2);
    queue.acknowledgeThrough(queue.peek(10)[0]!.id);
    db.close();
    expect(drain(new IngestQueue(openDatabase(file)))).toEqual(block(10, 10).map((p) => p.timeMs));
  });

  it('keeps messages as they came and, read back after a restart, gives the points they carried, athletes included', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sc-queue-')), 'q.db');
    const db = openDatabase(file);
    const payload = (seq: number, bpm: number) =>
      Buffer.from(
        JSON.stringify({
          v: 1,
          gateway: 'gw',
          seq,
          sentAtMs: 1,
          samples: [
            {
              device: 'strap-1',
              timeMs: 1_700_000_000_000 + seq,
              kind: 'heart_rate',
              values: { heartRateBpm: bpm, sensorContact: 'detected', rrIntervalsMs: [600.25] },
            },
            { device: 'strap-2', timeMs: 1_700_000_000_000 + seq, kind: 'battery', values: { batteryPercent: 80 } },
          ],
        }),
      );
    const messages = [
      { topic: 'sc/v1/club-a/gw/telemetry', payload: payload(1, 120), athletes: ['ann', null] },
      { topic: 'sc/v1/club-a/gw/telemetry', payload: payload(2, 121), athletes: [] },
    ];
    const points: StoredPoint[] = [
      {
        club: 'club-a',
        device: 'strap-1',
        athlete: 'ann',
        kind: 'heart_rate',
        timeMs: 1_700_000_000_001,
        fields: { heartRateBpm: 120, contact: 1, rrIntervalsMs: '600.3' },
      },
      { club: 'club-a', device: 'strap-2', athlete: null, kind: 'battery', timeMs: 1_700_000_000_001, fields: { batteryPercent: 80 } },
      {
        club: 'club-a',
        device: 'strap-1',
        athlete: null,
        kind: 'heart_rate',
        timeMs: 1_700_000_000_002,
        fields: { heartRateBpm: 121, contact: 1, rrIntervalsMs: '600.3' },
      },
      { club: 'club-a', device: 'strap-2', athlete: null, kind: 'battery', timeMs: 1_700_000_000_002, fields: { batteryPercent: 80 } },
    ];
    new IngestQueue(db).enqueue(points, 5, messages);
    db.close();
    const reopened = new IngestQueue(openDatabase(file));
    const [entry] = reopened.peek(100);
    expect(entry!.points).toEqual(points);
    expect(entry!.enqueuedMs).toBe(5);
    // Another process (the API, erasing ann) rewrites the entry without her points.
    const eraser = new IngestQueue(openDatabase(file));
    return eraser
      .erase((queued) => queued.athlete === 'ann')
      .then((removed) => {
        expect(removed).toBe(1);
        expect(drain(new IngestQueue(openDatabase(file)))).toEqual([1_700_000_000_001, 1_700_000_000_002, 1_700_000_000_002]);
      });
  });

  it('hands out what another process left of an entry it holds in memory, and skips one it deleted', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sc-queue-')), 'q.db');
    const ingest = new IngestQueue(openDatabase(file));
    ingest.enqueue(block(0, 4), 1);
    ingest.enqueue([point(100)], 2);
    ingest.enqueue(block(200, 2), 3);
    // The API erasing an athlete works on its own instance, over the same file.
    const api = new IngestQueue(openDatabase(file));
    await api.erase((queued) => queued.timeMs === 1 || queued.timeMs === 100);
    expect(drain(ingest)).toEqual([0, 2, 3, 200, 201]);
  });

  it('gives each worker of a share group its own entries in one file, while erasure and draining see them all', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sc-queue-')), 'q.db');
    const first = new IngestQueue(openDatabase(file), 'worker-1');
    const second = new IngestQueue(openDatabase(file), 'worker-2');
    first.enqueue(block(0, 2), 1);
    second.enqueue(block(10, 2), 2);
    first.enqueue(block(20, 2), 3);
    const api = new IngestQueue(openDatabase(file));
    const last = api.lastId();
    expect(await api.erase((queued) => queued.timeMs === 21)).toBe(1);
    expect(first.depth().points).toBe(3);
    expect(drain(first)).toEqual([0, 1, 20]);
    // The second worker's entry is still queued: the API's wait for ingest to drain sees it.
    expect(api.drainedThrough(last)).toBe(false);
    expect(drain(second)).toEqual([10, 11]);
    expect(api.drainedThrough(last)).toBe(true);
  });

  it('erases matching points from what it holds in memory as well as on disk', async () => {
    const queue = new IngestQueue(openDatabase(':memory:'));
    queue.enqueue(block(0, 10), 1);
    expect(await queue.erase((queued) => queued.timeMs % 2 === 0)).toBe(5);
    expect(drain(queue)).toEqual([1, 3, 5, 7, 9]);
  });
});
