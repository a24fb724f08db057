import { describe, expect, it } from 'vitest';
import { encodeCscMeasurement, encodeCyclingPowerMeasurement } from '../../../protocol/gatt/cycling.ts';
import { encodeIndoorBikeData } from '../../../protocol/gatt/fitness-machine.ts';
import { DeviceSession } from '../../../protocol/gatt/profiles.ts';
import { GATT } from '../../../protocol/gatt/uuids.ts';

const T0 = 1_800_000_000_000;
const crank = (revs: number, timeS: number) => encodeCscMeasurement({ cumulativeCrankRevs: revs, lastCrankEventTimeS: timeS });
const wheel = (revs: number, timeS: number) => encodeCscMeasurement({ cumulativeWheelRevs: revs, lastWheelEventTimeS: timeS });
const values = (session: DeviceSession, bytes: Uint8Array, atMs: number, uuid: string = GATT.cscMeasurement) =>
  session.decode(uuid, bytes, atMs).map((sample) => sample.values);

describe('cadence and speed from cumulative counts', () => {
  it('publishes nothing for the first measurement: it only seeds the counters', () => {
    expect(values(new DeviceSession('c'), crank(100, 10), T0)).toEqual([]);
  });

  it('derives cadence from crank revolutions over event time', () => {
    const session = new DeviceSession('c');
    values(session, crank(100, 10), T0);
    expect(values(session, crank(102, 11), T0 + 1000)).toEqual([{ cadenceRpm: 120 }]);
  });

  it('rolls the UINT16 crank count and event time over', () => {
    const session = new DeviceSession('c');
    values(session, crank(65535, 63.5), T0);
    // 65535 → 1 is 2 revolutions; 63.5 s → 0.5 s is 1 s (rollover at 64 s).
    expect(values(session, crank(1, 0.5), T0 + 1000)).toEqual([{ cadenceRpm: 120 }]);
  });

  it('rolls the UINT32 wheel count over and accumulates distance', () => {
    const session = new DeviceSession('w');
    values(session, wheel(0xffffffff, 10), T0);
    const [sample] = values(session, wheel(3, 11), T0 + 1000);
    // 4 revolutions of 2.105 m in 1 s.
    expect(sample).toEqual({ speedMps: 8.42, distanceM: 8.42 });
  });

  it('keeps the last cadence while the event time repeats, then decays to 0 after a few seconds', () => {
    const session = new DeviceSession('c');
    values(session, crank(100, 10), T0);
    values(session, crank(101, 10.5), T0 + 1000);
    expect(values(session, crank(101, 10.5), T0 + 2000)).toEqual([{ cadenceRpm: 120 }]);
    expect(values(session, crank(101, 10.5), T0 + 5000)).toEqual([{ cadenceRpm: 0 }]);
    expect(values(session, crank(101, 10.5), T0 + 6000)).toEqual([{ cadenceRpm: 0 }]);
  });

  it('rejects an implausible jump instead of publishing a spike, and goes on from the new count', () => {
    const session = new DeviceSession('c');
    values(session, crank(100, 10), T0);
    expect(values(session, crank(5000, 11), T0 + 1000)).toEqual([]);
    expect(values(session, crank(5001, 11.5), T0 + 2000)).toEqual([{ cadenceRpm: 120 }]);
  });

  it('forgets the counters on reconnect, so a sensor that restarted from 0 is not a jump', () => {
    const session = new DeviceSession('c');
    values(session, crank(100, 10), T0);
    session.reset();
    expect(values(session, crank(0, 0), T0 + 1000)).toEqual([]);
    expect(values(session, crank(1, 0.5), T0 + 2000)).toEqual([{ cadenceRpm: 120 }]);
  });

  it('derives cadence from a power meter’s crank data too', () => {
    const session = new DeviceSession('p');
    values(
      session,
      encodeCyclingPowerMeasurement({ powerW: 250, cumulativeCrankRevs: 10, lastCrankEventTimeS: 1 }),
      T0,
      GATT.cyclingPowerMeasurement,
    );
    expect(
      values(
        session,
        encodeCyclingPowerMeasurement({ powerW: 260, cumulativeCrankRevs: 11, lastCrankEventTimeS: 1.75 }),
        T0 + 1000,
        GATT.cyclingPowerMeasurement,
      ),
    ).toEqual([{ powerW: 260, cadenceRpm: 80 }]);
  });

  it('derives speed and distance from a power meter’s wheel data, whose event time (1/2048 s) rolls over at 32 s', () => {
    const session = new DeviceSession('p');
    const power = (revs: number, timeS: number) =>
      encodeCyclingPowerMeasurement({ powerW: 200, cumulativeWheelRevs: revs, lastWheelEventTimeS: timeS });
    expect(values(session, power(100, 31.5), T0, GATT.cyclingPowerMeasurement)).toEqual([{ powerW: 200 }]);
    // 31.5 s → 0.5 s is one second later, not 31 s earlier: 4 revolutions of a 2.105 m wheel in 1 s.
    expect(values(session, power(104, 0.5), T0 + 1000, GATT.cyclingPowerMeasurement)).toEqual([
      { powerW: 200, speedMps: 8.42, distanceM: 8.42 },
    ]);
    expect(values(session, power(106, 1.5), T0 + 2000, GATT.cyclingPowerMeasurement)).toEqual([
      { powerW: 200, speedMps: 4.21, distanceM: 12.63 },
    ]);
  });
});

describe('FTMS records split over notifications', () => {
  it('merges a "More Data" part with the rest of its record instead of publishing speed 0', () => {
    const session = new DeviceSession('bike');
    expect(values(session, encodeIndoorBikeData({ moreData: true, cadenceRpm: 90, powerW: 200 }), T0, GATT.indoorBikeData)).toEqual([]);
    expect(
      values(session, encodeIndoorBikeData({ moreData: false, speedKmh: 36, heartRateBpm: 140 }), T0 + 100, GATT.indoorBikeData),
    ).toEqual([{ speedMps: 10, cadenceRpm: 90, powerW: 200, heartRateBpm: 140 }]);
  });

  it('publishes a part whose record never completes after two seconds, without a speed', () => {
    const session = new DeviceSession('bike');
    values(session, encodeIndoorBikeData({ moreData: true, cadenceRpm: 80 }), T0, GATT.indoorBikeData);
    expect(values(session, encodeIndoorBikeData({ moreData: true, cadenceRpm: 82 }), T0 + 2500, GATT.indoorBikeData)).toEqual([
      { cadenceRpm: 80 },
    ]);
  });
});
