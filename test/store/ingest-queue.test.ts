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
});
