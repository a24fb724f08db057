import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../store/database.ts';
import { SqliteTimeSeriesStore } from '../../store/sqlite-time-series-store.ts';
import type { StoredPoint } from '../../store/time-series-store.ts';

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
const hr = (timeMs: number, bpm: number, athlete: string | null = 'ann', device = 'hrm-1'): StoredPoint => ({
  club: 'demo',
  device,
  athlete,
  kind: 'heart_rate',
  timeMs,
  fields: { heartRateBpm: bpm, rrIntervalsMs: '800,810.5' },
});

describe('SQLite time-series store', () => {
  it('overwrites a point written twice (same device, kind and time) instead of duplicating it', async () => {
    const store = new SqliteTimeSeriesStore(openDatabase(':memory:'));
    await store.writePoints([hr(T0, 100), hr(T0 + 1000, 101)]);
    await store.writePoints([hr(T0, 120), hr(T0 + 1000, 101)]);
    expect(await store.countPoints({ club: 'demo' })).toBe(2);
    const series = await store.queryRange({ club: 'demo', athlete: 'ann', kind: 'heart_rate', field: 'heartRateBpm', fromMs: T0, toMs: T0 + 1000, bucketMs: 1000 });
    expect(series.mean).toEqual([120]);
  });

  it('aggregates into epoch-aligned buckets with mean, min, max and count, and null for empty buckets', async () => {
    const store = new SqliteTimeSeriesStore(openDatabase(':memory:'));
    // 09:00:00–09:00:04 → bucket 1; nothing in 09:00:05–09:00:09; 09:00:10–11 → bucket 3.
    await store.writePoints([hr(T0, 100), hr(T0 + 1000, 110), hr(T0 + 4000, 120), hr(T0 + 10_000, 90), hr(T0 + 11_000, 94)]);
    const series = await store.queryRange({ club: 'demo', athlete: 'ann', kind: 'heart_rate', field: 'heartRateBpm', fromMs: T0 + 2000, toMs: T0 + 15_000, bucketMs: 5000 });
    // fromMs inside the first bucket: the bucket starts at its aligned start but only counts points from fromMs.
    expect(series.t).toEqual([T0, T0 + 5000, T0 + 10_000]);
    expect(series.mean).toEqual([120, null, 92]);
    expect(series.min).toEqual([120, null, 90]);
    expect(series.max).toEqual([120, null, 94]);
    expect(series.count).toEqual([1, 0, 2]);
  });

  it('keeps athletes, clubs and kinds apart in queries', async () => {
    const store = new SqliteTimeSeriesStore(openDatabase(':memory:'));
    await store.writePoints([hr(T0, 100, 'ann', 'hrm-1'), hr(T0, 150, 'bob', 'hrm-2'), { ...hr(T0, 170, 'ann', 'hrm-1'), club: 'other' }]);
    await store.writePoints([{ club: 'demo', device: 'hrm-1', athlete: 'ann', kind: 'battery', timeMs: T0, fields: { batteryPercent: 50 } }]);
    const series = await store.queryRange({ club: 'demo', athlete: 'ann', kind: 'heart_rate', field: 'heartRateBpm', fromMs: T0, toMs: T0 + 60_000, bucketMs: 60_000 });
    expect(series.mean).toEqual([100]);
    expect(await store.countPoints({ club: 'demo', athlete: 'ann' })).toBe(2);
    expect(await store.countPoints({ club: 'demo', kind: 'heart_rate' })).toBe(2);
  });

  it('stores samples of a device nobody is paired with under the device, and erases one athlete only', async () => {
    const store = new SqliteTimeSeriesStore(openDatabase(':memory:'));
    await store.writePoints([hr(T0, 100, null, 'stranger'), hr(T0, 110, 'ann', 'hrm-1'), hr(T0, 120, 'bob', 'hrm-2')]);
    expect(await store.countPoints({ club: 'demo', device: 'stranger' })).toBe(1);
    await store.deleteAthlete('demo', 'ann');
    expect(await store.countPoints({ club: 'demo', athlete: 'ann' })).toBe(0);
    expect(await store.countPoints({ club: 'demo' })).toBe(2);
  });
});
