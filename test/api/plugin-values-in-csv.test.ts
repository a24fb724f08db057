import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athleteSeconds, secondsCsv } from '../../api/exports/athlete-seconds.ts';
import type { Stores } from '../../cli/open-stores.ts';
import type { ActivitySecond } from '../../protocol/fit-activity.ts';
import { openTestStores } from '../helpers/test-stores.ts';

const T0 = Date.UTC(2026, 10, 3, 18, 0, 0);

describe('plugin values in the CSV exports', () => {
  let stores: Stores;

  beforeAll(async () => {
    stores = await openTestStores();
    stores.registry.upsertClub('demo', 'Demo');
    stores.registry.upsertAthlete('demo', { id: 'ann', name: 'Ann', restHrBpm: 50, maxHrBpm: 190 });
    stores.registry.createDevice('demo', { id: 'hrm-ann', profile: 'heart_rate', owner: 'ann' }, T0 - 60_000);
    stores.registry.createDevice('demo', { id: 'oxa-ann', profile: 'oxasense-smo2', owner: 'ann' }, T0 - 60_000);
    await stores.timeSeries.writePoints([
      { club: 'demo', device: 'hrm-ann', athlete: 'ann', kind: 'heart_rate', timeMs: T0, fields: { heartRateBpm: 120 } },
      { club: 'demo', device: 'hrm-ann', athlete: 'ann', kind: 'heart_rate', timeMs: T0 + 1000, fields: { heartRateBpm: 122 } },
      // A plugin field that happens to share a built-in column's name stays in its own column.
      {
        club: 'demo',
        device: 'oxa-ann',
        athlete: 'ann',
        kind: 'oxasense.muscle_oxygen',
        timeMs: T0 + 1200,
        fields: { smo2Percent: 61.5, powerW: 7 },
      },
    ]);
  });
  afterAll(() => stores?.close());

  it('adds one column per plugin kind and field, after the built-in ones, empty where the device said nothing', async () => {
    const seconds = await athleteSeconds(stores, 'demo', 'ann', T0, T0 + 5000);
    expect(secondsCsv(seconds).split('\n')).toEqual([
      'time,heart_rate_bpm,rr_ms,power_w,cadence_rpm,speed_mps,distance_m,oxasense.muscle_oxygen.powerW,oxasense.muscle_oxygen.smo2Percent',
      '2026-11-03T18:00:00.000Z,120,,,,,,,',
      '2026-11-03T18:00:01.000Z,122,,,,,,7,61.5',
    ]);
  });

  it('keeps the built-in header alone for a stretch without plugin samples', async () => {
    const seconds = await athleteSeconds(stores, 'demo', 'ann', T0, T0 + 1000);
    expect(secondsCsv(seconds).split('\n')[0]).toBe('time,heart_rate_bpm,rr_ms,power_w,cadence_rpm,speed_mps,distance_m');
  });
});

describe('plugin values in the FIT export', () => {
  it('writes them as developer fields of the records, named and with their units, and a FIT reader gets them back', async () => {
    const { Decoder, Stream } = await import('@garmin/fitsdk');
    const { encodeFitActivity } = await import('../../protocol/fit-activity.ts');
    const seconds: ActivitySecond[] = [
      { timeMs: T0, heartRateBpm: 120 },
      {
        timeMs: T0 + 1000,
        heartRateBpm: 122,
        extensions: { 'oxasense.muscle_oxygen.smo2Percent': 61.5, 'oxasense.muscle_oxygen.thbGramsPerDecilitre': 12.25 },
      },
      // A second with one of the two values: a record of another shape.
      { timeMs: T0 + 2000, heartRateBpm: 123, extensions: { 'oxasense.muscle_oxygen.smo2Percent': 60.3 } },
    ];
    const bytes = encodeFitActivity(seconds, {
      startMs: T0,
      endMs: T0 + 3000,
      avgHeartRateBpm: 121,
      maxHeartRateBpm: 122,
      kcal: null,
      utcOffsetMinutes: 60,
      extensionUnits: { 'oxasense.muscle_oxygen.smo2Percent': '%', 'oxasense.muscle_oxygen.thbGramsPerDecilitre': 'g/dL' },
    });
    const decoder = new Decoder(Stream.fromByteArray([...bytes]));
    expect(decoder.checkIntegrity()).toBe(true);
    const { messages, errors } = decoder.read();
    expect(errors).toEqual([]);
    expect(messages.fieldDescriptionMesgs?.map((one) => [one.fieldName, one.units])).toEqual([
      ['oxasense.muscle_oxygen.smo2Percent', '%'],
      ['oxasense.muscle_oxygen.thbGramsPerDecilitre', 'g/dL'],
    ]);
    expect(messages.recordMesgs?.map((record) => [record.heartRate, (record as { developerFields?: unknown }).developerFields])).toEqual([
      [120, undefined],
      [122, { 0: 61.5, 1: 12.25 }],
      // float32: 60.3 comes back as 60.29999923706055.
      [123, { 0: expect.closeTo(60.3, 5) }],
    ]);
  });
});
