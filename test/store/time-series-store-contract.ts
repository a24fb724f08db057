import { describe, expect, it } from 'vitest';
import { installExtensionKinds, uninstallExtensionKinds } from '../../protocol/device-kit/extension-kinds.ts';
import { KindSpec } from '../../protocol/device-kit/kind-spec.ts';
import type { StoredPoint, TimeSeriesStore } from '../../store/time-series-store.ts';

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
const hr = (timeMs: number, bpm: number, athlete: string | null = 'ann', device = 'hrm-1'): StoredPoint => ({
  club: 'demo',
  device,
  athlete,
  kind: 'heart_rate',
  timeMs,
  fields: { heartRateBpm: bpm, rrIntervalsMs: '800,810.5' },
});
/** Ann wore hrm-1 all along. */
const hrQuery = {
  club: 'demo',
  wear: [{ device: 'hrm-1', fromMs: 0, toMs: Date.UTC(2100, 0, 1) }],
  kind: 'heart_rate' as const,
  field: 'heartRateBpm',
};

/**
 * What every time-series store must do, run against each implementation: same writes, same queries,
 * same answers. newStore gives an empty store each time.
 */
export function describeTimeSeriesStoreContract(name: string, newStore: () => Promise<TimeSeriesStore>): void {
  describe(`${name} store contract`, () => {
    it('overwrites a point written twice (same device, kind and time) instead of duplicating it', async () => {
      const store = await newStore();
      await store.writePoints([hr(T0, 100), hr(T0 + 1000, 101)]);
      await store.writePoints([hr(T0, 120), hr(T0 + 1000, 101)]);
      expect(await store.countPoints({ club: 'demo' })).toBe(2);
      const series = await store.queryRange({ ...hrQuery, fromMs: T0, toMs: T0 + 1000, bucketMs: 1000 });
      expect(series.mean).toEqual([120]);
    });

    it('aggregates into epoch-aligned buckets with mean, min, max and count, and null for empty buckets', async () => {
      const store = await newStore();
      // 09:00:00–09:00:04 → bucket 1; nothing in 09:00:05–09:00:09; 09:00:10–11 → bucket 3.
      await store.writePoints([hr(T0, 100), hr(T0 + 1000, 110), hr(T0 + 4000, 120), hr(T0 + 10_000, 90), hr(T0 + 11_000, 94)]);
      const series = await store.queryRange({ ...hrQuery, fromMs: T0 + 2000, toMs: T0 + 15_000, bucketMs: 5000 });
      // fromMs inside the first bucket: the bucket keeps its aligned start but counts points from fromMs on.
      expect(series.t).toEqual([T0, T0 + 5000, T0 + 10_000]);
      expect(series.mean).toEqual([120, null, 92]);
      expect(series.min).toEqual([120, null, 90]);
      expect(series.max).toEqual([120, null, 94]);
      expect(series.count).toEqual([1, 0, 2]);
    });

    it('averages one-minute buckets over a 45-minute class the same way', async () => {
      const store = await newStore();
      const points = Array.from({ length: 45 * 60 }, (_, s) => hr(T0 + s * 1000, 100 + (s % 60)));
      await store.writePoints(points);
      const series = await store.queryRange({ ...hrQuery, fromMs: T0, toMs: T0 + 45 * 60_000, bucketMs: 60_000 });
      expect(series.t).toHaveLength(45);
      expect(new Set(series.mean)).toEqual(new Set([129.5]));
      expect(new Set(series.count)).toEqual(new Set([60]));
    });

    it('keeps athletes, clubs and kinds apart in queries and counts', async () => {
      const store = await newStore();
      await store.writePoints([
        hr(T0, 100, 'ann', 'hrm-1'),
        hr(T0, 150, 'bob', 'hrm-2'),
        { ...hr(T0, 170, 'ann', 'hrm-1'), club: 'other' },
      ]);
      await store.writePoints([
        { club: 'demo', device: 'hrm-1', athlete: 'ann', kind: 'battery', timeMs: T0, fields: { batteryPercent: 50 } },
      ]);
      const series = await store.queryRange({ ...hrQuery, fromMs: T0, toMs: T0 + 60_000, bucketMs: 60_000 });
      expect(series.mean).toEqual([100]);
      expect(await store.countPoints({ club: 'demo', athlete: 'ann' })).toBe(2);
      expect(await store.countPoints({ club: 'demo', kind: 'heart_rate' })).toBe(2);
      expect(await store.countPoints({ club: 'other' })).toBe(1);
      expect(await store.countPoints({ club: 'demo', device: 'hrm-1', fromMs: T0, toMs: T0 + 1 })).toBe(2);
      expect(await store.countPoints({ club: 'demo', device: 'hrm-1', fromMs: T0 + 1, toMs: T0 + 60_000 })).toBe(0);
    });

    it('reads back one device’s heart rates with their RR intervals, a lost contact as no heart rate', async () => {
      const store = await newStore();
      await store.writePoints([
        { ...hr(T0 + 2000, 120, null, 'hrm-1'), fields: { heartRateBpm: 120, rrIntervalsMs: '498.5,501' } },
        hr(T0, 100, 'ann', 'hrm-1'),
        { ...hr(T0 + 1000, 0, 'ann', 'hrm-1'), fields: { contact: 0 } },
        hr(T0 + 1500, 150, 'bob', 'hrm-2'),
        hr(T0 + 9000, 130, null, 'hrm-1'),
      ]);
      expect(await store.heartRateReadings({ club: 'demo', device: 'hrm-1', fromMs: T0, toMs: T0 + 5000 }, 1000)).toEqual([
        { timeMs: T0, heartRateBpm: 100, rrIntervalsMs: [800, 810.5] },
        { timeMs: T0 + 1000, heartRateBpm: null },
        { timeMs: T0 + 2000, heartRateBpm: 120, rrIntervalsMs: [498.5, 501] },
      ]);
      expect(await store.heartRateReadings({ club: 'demo', device: 'hrm-1', fromMs: T0, toMs: T0 + 60_000 }, 2)).toHaveLength(2);
    });

    it('reads back one device’s samples of every kind in a range', async () => {
      const store = await newStore();
      await store.writePoints([
        hr(T0, 100, 'ann', 'bike-1'),
        { club: 'demo', device: 'bike-1', athlete: 'ann', kind: 'cycling_power', timeMs: T0, fields: { powerW: 250, cadenceRpm: 90 } },
        { club: 'demo', device: 'bike-1', athlete: 'ann', kind: 'cycling_power', timeMs: T0 + 1000, fields: { powerW: 260 } },
        hr(T0, 120, 'bob', 'hrm-2'),
      ]);
      expect(await store.readSamples({ club: 'demo', device: 'bike-1', fromMs: T0, toMs: T0 + 5000 }, 100)).toEqual([
        { timeMs: T0, kind: 'cycling_power', fields: { powerW: 250, cadenceRpm: 90 } },
        { timeMs: T0, kind: 'heart_rate', fields: { heartRateBpm: 100, rrIntervalsMs: '800,810.5' } },
        { timeMs: T0 + 1000, kind: 'cycling_power', fields: { powerW: 260 } },
      ]);
    });

    it('deletes a device’s points in a time range, and a club’s points older than a time', async () => {
      const store = await newStore();
      await store.writePoints([
        hr(T0, 100, null, 'belt-1'),
        hr(T0 + 60_000, 101, null, 'belt-1'),
        hr(T0 + 120_000, 102, null, 'belt-1'),
        { club: 'demo', device: 'belt-1', athlete: null, kind: 'battery', timeMs: T0 + 60_000, fields: { batteryPercent: 80 } },
        { ...hr(T0, 110, null, 'belt-1'), club: 'other' },
      ]);
      await store.deleteRange({ club: 'demo', device: 'belt-1', fromMs: T0 + 30_000, toMs: T0 + 90_000 });
      expect(
        (await store.readSamples({ club: 'demo', device: 'belt-1', fromMs: 0, toMs: T0 + 600_000 }, 100)).map((sample) => sample.timeMs),
      ).toEqual([T0, T0 + 120_000]);
      await store.deleteOlderThan('demo', T0 + 60_000);
      expect(await store.countPoints({ club: 'demo' })).toBe(1);
      expect(await store.countPoints({ club: 'other' })).toBe(1);
    });

    it('stores a device plugin’s kind, aggregates its fields, reads it back, and erases it even once the plugin is gone', async () => {
      installExtensionKinds('contract-plugin', [
        KindSpec.parse({
          name: 'acme.muscle_oxygen',
          label: 'Muscle oxygen',
          fields: [{ name: 'smo2Percent', label: 'SmO2', unit: '%', min: 0, max: 100 }],
        }),
      ]);
      try {
        const store = await newStore();
        const smo2 = (timeMs: number, value: number): StoredPoint => ({
          club: 'demo',
          device: 'oxa-1',
          athlete: 'ann',
          kind: 'acme.muscle_oxygen',
          timeMs,
          fields: { smo2Percent: value },
        });
        await store.writePoints([smo2(T0, 70), smo2(T0 + 1000, 60.5), smo2(T0 + 2000, 50), hr(T0, 100, 'ann', 'oxa-1')]);
        const series = await store.queryRange({
          club: 'demo',
          wear: [{ device: 'oxa-1', fromMs: 0, toMs: Date.UTC(2100, 0, 1) }],
          kind: 'acme.muscle_oxygen',
          field: 'smo2Percent',
          fromMs: T0,
          toMs: T0 + 10_000,
          bucketMs: 10_000,
        });
        expect(series).toMatchObject({ mean: [60.166666666666664], min: [50], max: [70], count: [3] });
        const read = await store.readSamples({ club: 'demo', device: 'oxa-1', fromMs: T0, toMs: T0 + 5000 }, 100);
        expect(read.filter((sample) => sample.kind === 'acme.muscle_oxygen').map((sample) => sample.fields)).toEqual([
          { smo2Percent: 70 },
          { smo2Percent: 60.5 },
          { smo2Percent: 50 },
        ]);
        // A club uninstalls the plugin: an archive still reads its samples, a count still sees them, an erasure removes them.
        uninstallExtensionKinds('contract-plugin');
        const afterUninstall = await store.readSamples({ club: 'demo', device: 'oxa-1', fromMs: T0, toMs: T0 + 5000 }, 100);
        expect(afterUninstall.filter((sample) => sample.kind === 'acme.muscle_oxygen')).toHaveLength(3);
        expect(await store.countPoints({ club: 'demo', device: 'oxa-1' })).toBe(4);
        await store.deleteRange({ club: 'demo', device: 'oxa-1', fromMs: 0, toMs: T0 + 60_000 });
        expect(await store.countPoints({ club: 'demo', device: 'oxa-1', kind: 'acme.muscle_oxygen' })).toBe(0);
        expect(await store.countPoints({ club: 'demo', device: 'oxa-1' })).toBe(0);
      } finally {
        uninstallExtensionKinds('contract-plugin');
      }
    });

    it('deletes one device’s points and nothing else', async () => {
      const store = await newStore();
      await store.writePoints([hr(T0, 100, 'ann', 'upload.u_1'), hr(T0 + 1000, 101, 'ann', 'upload.u_1'), hr(T0, 110, 'ann', 'hrm-1')]);
      await store.deleteDevice('demo', 'upload.u_1');
      expect(await store.countPoints({ club: 'demo', device: 'upload.u_1' })).toBe(0);
      expect(await store.countPoints({ club: 'demo', device: 'hrm-1' })).toBe(1);
    });

    it('tells when a device’s first point in a range was taken, across kinds (a session’s late joiner)', async () => {
      const store = await newStore();
      await store.writePoints([
        { club: 'demo', device: 'hrm-1', athlete: null, kind: 'battery', timeMs: T0 + 4000, fields: { batteryPercent: 50 } },
        hr(T0 + 7000, 120, null, 'hrm-1'),
        hr(T0 + 2000, 110, null, 'hrm-2'),
        { ...hr(T0 + 1000, 100, null, 'hrm-1'), club: 'other' },
      ]);
      expect(await store.firstPointMs({ club: 'demo', device: 'hrm-1', fromMs: T0, toMs: T0 + 60_000 })).toBe(T0 + 4000);
      expect(await store.firstPointMs({ club: 'demo', device: 'hrm-1', fromMs: T0 + 5000, toMs: T0 + 60_000 })).toBe(T0 + 7000);
      expect(await store.firstPointMs({ club: 'demo', device: 'hrm-1', fromMs: T0 + 8000, toMs: T0 + 60_000 })).toBeNull();
      expect(await store.firstPointMs({ club: 'demo', device: 'hrm-3', fromMs: T0, toMs: T0 + 60_000 })).toBeNull();
    });

    it('counts a heart-rate point without skin contact (no heartRateBpm) and leaves it out of the average', async () => {
      const store = await newStore();
      await store.writePoints([hr(T0, 100), { ...hr(T0 + 1000, 0), fields: { contact: 0 } }, hr(T0 + 2000, 110)]);
      expect(await store.countPoints({ club: 'demo' })).toBe(3);
      const series = await store.queryRange({ ...hrQuery, fromMs: T0, toMs: T0 + 3000, bucketMs: 3000 });
      expect(series.mean).toEqual([105]);
    });

    it('stores samples of a device nobody is paired with under the device, and erases one athlete only', async () => {
      const store = await newStore();
      await store.writePoints([hr(T0, 100, null, 'stranger'), hr(T0, 110, 'ann', 'hrm-1'), hr(T0, 120, 'bob', 'hrm-2')]);
      expect(await store.countPoints({ club: 'demo', device: 'stranger' })).toBe(1);
      await store.deleteAthlete('demo', 'ann');
      expect(await store.countPoints({ club: 'demo', athlete: 'ann' })).toBe(0);
      expect(await store.countPoints({ club: 'demo' })).toBe(2);
      const series = await store.queryRange({ ...hrQuery, fromMs: T0, toMs: T0 + 1000, bucketMs: 1000 });
      expect(series.mean).toEqual([null]);
    });

    it('finds an athlete’s samples by the devices they wore and when, whatever ingest knew when it stored them', async () => {
      const store = await newStore();
      await store.writePoints([
        // Before anyone paired the belt: stored under the device only.
        hr(T0, 100, null, 'belt-7'),
        hr(T0 + 1000, 110, null, 'belt-7'),
        // Then Ann's own strap; then the belt again, worn by Bob.
        hr(T0 + 2000, 120, 'ann', 'hrm-1'),
        hr(T0 + 3000, 200, 'bob', 'belt-7'),
      ]);
      // Ann's wear: the belt until T0 + 2000 (paired late, from T0), then her strap.
      const wear = [
        { device: 'belt-7', fromMs: T0, toMs: T0 + 2000 },
        { device: 'hrm-1', fromMs: T0 + 2000, toMs: T0 + 60_000 },
      ];
      const series = await store.queryRange({ ...hrQuery, wear, fromMs: T0, toMs: T0 + 10_000, bucketMs: 10_000 });
      expect(series.mean).toEqual([110]);
      expect(series.count).toEqual([3]);
      expect(series.min).toEqual([100]);
      expect(series.max).toEqual([120]);
      const none = await store.queryRange({ ...hrQuery, wear: [], fromMs: T0, toMs: T0 + 10_000, bucketMs: 10_000 });
      expect(none.count).toEqual([0]);
    });
  });
}
