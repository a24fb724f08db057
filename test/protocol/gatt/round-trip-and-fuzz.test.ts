import { describe, expect, it } from 'vitest';
import {
  type CscMeasurement,
  type CyclingPowerMeasurement,
  decodeCscMeasurement,
  decodeCyclingPowerMeasurement,
  encodeCscMeasurement,
  encodeCyclingPowerMeasurement,
} from '../../../protocol/gatt/cycling.ts';
import {
  decodeIndoorBikeData,
  decodeTreadmillData,
  encodeIndoorBikeData,
  encodeTreadmillData,
  type IndoorBikeData,
  type TreadmillData,
} from '../../../protocol/gatt/fitness-machine.ts';
import { isGattDecodeError } from '../../../protocol/gatt/gatt-errors.ts';
import {
  decodeBatteryLevel,
  decodeHeartRateMeasurement,
  encodeBatteryLevel,
  encodeHeartRateMeasurement,
  type HeartRateMeasurement,
} from '../../../protocol/gatt/heart-rate.ts';
import { DeviceSession } from '../../../protocol/gatt/profiles.ts';
import { decodeRscMeasurement, encodeRscMeasurement, type RscMeasurement } from '../../../protocol/gatt/running.ts';
import { GATT } from '../../../protocol/gatt/uuids.ts';
import { Sample } from '../../../protocol/mqtt/telemetry.ts';
import { Random } from '../../../simulators/random.ts';

const RUNS = 400;
const random = new Random(2026);
const maybe = <T>(value: () => T): T | undefined => (random.chance(0.5) ? value() : undefined);
const int = (min: number, max: number) => random.integer(min, max);
/** A value on the characteristic's resolution grid, so encode → decode is exact. */
const onGrid = (min: number, max: number, step: number) => int(Math.ceil(min / step), Math.floor(max / step)) * step;
const clean = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

const generators = {
  heartRate: (): HeartRateMeasurement =>
    clean({
      heartRateBpm: int(0, 400),
      sensorContact: (['detected', 'not-detected', 'not-supported'] as const)[int(0, 2)]!,
      energyExpendedKj: maybe(() => int(0, 65535)),
      rrIntervalsMs: maybe(() => Array.from({ length: int(1, 8) }, () => Math.round((int(1, 65535) / 1024) * 10_000) / 10)),
    }),
  csc: (): CscMeasurement => {
    const wheel = random.chance(0.5);
    return clean({
      cumulativeWheelRevs: wheel ? int(0, 0xffffffff) : undefined,
      lastWheelEventTimeS: wheel ? int(0, 65535) / 1024 : undefined,
      ...(random.chance(0.5) || !wheel ? { cumulativeCrankRevs: int(0, 65535), lastCrankEventTimeS: int(0, 65535) / 1024 } : {}),
    });
  },
  power: (): CyclingPowerMeasurement => {
    const balance = random.chance(0.5);
    const torque = random.chance(0.5);
    const wheel = random.chance(0.5);
    const crank = random.chance(0.5);
    const force = random.chance(0.3);
    const extremeTorque = random.chance(0.3);
    const angles = random.chance(0.3);
    return clean({
      powerW: int(-32768, 32767),
      pedalPowerBalancePercent: balance ? int(0, 255) / 2 : undefined,
      pedalPowerBalanceReference: balance ? (random.chance(0.5) ? 'left' : 'unknown') : undefined,
      accumulatedTorqueNm: torque ? int(0, 65535) / 32 : undefined,
      accumulatedTorqueSource: torque ? (random.chance(0.5) ? 'crank' : 'wheel') : undefined,
      cumulativeWheelRevs: wheel ? int(0, 0xffffffff) : undefined,
      lastWheelEventTimeS: wheel ? int(0, 65535) / 2048 : undefined,
      cumulativeCrankRevs: crank ? int(0, 65535) : undefined,
      lastCrankEventTimeS: crank ? int(0, 65535) / 1024 : undefined,
      maxForceN: force ? int(-32768, 32767) : undefined,
      minForceN: force ? int(-32768, 32767) : undefined,
      maxTorqueNm: extremeTorque ? int(-32768, 32767) / 32 : undefined,
      minTorqueNm: extremeTorque ? int(-32768, 32767) / 32 : undefined,
      maxAngleDeg: angles ? int(0, 4095) : undefined,
      minAngleDeg: angles ? int(0, 4095) : undefined,
      topDeadSpotAngleDeg: maybe(() => int(0, 65535)),
      bottomDeadSpotAngleDeg: maybe(() => int(0, 65535)),
      accumulatedEnergyKj: maybe(() => int(0, 65535)),
      offsetCompensation: random.chance(0.2) ? true : undefined,
    });
  },
  rsc: (): RscMeasurement =>
    clean({
      speedMps: int(0, 65535) / 256,
      cadenceSpm: int(0, 255),
      running: random.chance(0.5),
      strideLengthM: maybe(() => int(0, 65535) / 100),
      totalDistanceM: maybe(() => int(0, 0xffffffff) / 10),
    }),
  bike: (): IndoorBikeData => {
    const moreData = random.chance(0.3);
    return clean({
      moreData,
      speedKmh: moreData ? undefined : int(0, 65535) / 100,
      averageSpeedKmh: maybe(() => int(0, 65535) / 100),
      cadenceRpm: maybe(() => int(0, 65535) / 2),
      averageCadenceRpm: maybe(() => int(0, 65535) / 2),
      totalDistanceM: maybe(() => int(0, 0xffffff)),
      resistanceLevel: maybe(() => int(-32768, 32767)),
      powerW: maybe(() => int(-32768, 32767)),
      averagePowerW: maybe(() => int(-32768, 32767)),
      totalEnergyKcal: maybe(() => int(0, 65534)),
      energyPerHourKcal: maybe(() => int(0, 65534)),
      energyPerMinuteKcal: maybe(() => int(0, 254)),
      heartRateBpm: maybe(() => int(0, 255)),
      metabolicEquivalent: maybe(() => int(0, 255) / 10),
      elapsedTimeS: maybe(() => int(0, 65535)),
      remainingTimeS: maybe(() => int(0, 65535)),
    });
  },
  treadmill: (): TreadmillData => {
    const moreData = random.chance(0.3);
    const incline = random.chance(0.5);
    const elevation = random.chance(0.5);
    const belt = random.chance(0.3);
    return clean({
      moreData,
      speedKmh: moreData ? undefined : int(0, 65535) / 100,
      averageSpeedKmh: maybe(() => int(0, 65535) / 100),
      totalDistanceM: maybe(() => int(0, 0xffffff)),
      inclinePercent: incline ? (random.chance(0.2) ? null : onGrid(-3276.8, 3276.6, 0.1)) : undefined,
      rampAngleDeg: incline ? (random.chance(0.2) ? null : onGrid(-3276.8, 3276.6, 0.1)) : undefined,
      positiveElevationGainM: elevation ? int(0, 65535) / 10 : undefined,
      negativeElevationGainM: elevation ? int(0, 65535) / 10 : undefined,
      paceKmPerMin: maybe(() => int(0, 255) / 10),
      averagePaceKmPerMin: maybe(() => int(0, 255) / 10),
      totalEnergyKcal: maybe(() => int(0, 65534)),
      heartRateBpm: maybe(() => int(0, 255)),
      metabolicEquivalent: maybe(() => int(0, 255) / 10),
      elapsedTimeS: maybe(() => int(0, 65535)),
      remainingTimeS: maybe(() => int(0, 65535)),
      forceOnBeltN: belt ? int(-32768, 32767) : undefined,
      powerW: belt ? int(-32768, 32767) : undefined,
    });
  },
};

const closeTo = (actual: unknown, expected: unknown): boolean => {
  if (typeof expected === 'number') return Math.abs((actual as number) - expected) < 1e-9;
  if (Array.isArray(expected))
    return Array.isArray(actual) && expected.every((value, i) => closeTo(actual[i], value)) && actual.length === expected.length;
  return actual === expected;
};

describe('every encoder round-trips through its decoder', () => {
  it.each([
    ['Heart Rate Measurement', generators.heartRate, encodeHeartRateMeasurement, decodeHeartRateMeasurement],
    ['CSC Measurement', generators.csc, encodeCscMeasurement, decodeCscMeasurement],
    ['Cycling Power Measurement', generators.power, encodeCyclingPowerMeasurement, decodeCyclingPowerMeasurement],
    ['RSC Measurement', generators.rsc, encodeRscMeasurement, decodeRscMeasurement],
    ['Indoor Bike Data', generators.bike, encodeIndoorBikeData, decodeIndoorBikeData],
    ['Treadmill Data', generators.treadmill, encodeTreadmillData, decodeTreadmillData],
  ] as [string, () => object, (value: never) => Uint8Array, (bytes: Uint8Array) => object][])('%s', (_name, generate, encode, decode) => {
    for (let run = 0; run < RUNS; run++) {
      const state = generate();
      const decoded = decode(encode(state as never)) as Record<string, unknown>;
      for (const [key, value] of Object.entries(state)) {
        if (!closeTo(decoded[key], value)) expect({ key, decoded: decoded[key], state }).toEqual({ key, decoded: value, state });
      }
    }
  });

  it('Battery Level', () => {
    for (let percent = 0; percent <= 100; percent++) expect(decodeBatteryLevel(encodeBatteryLevel(percent))).toBe(percent);
  });
});

describe('fuzzing the decoders', () => {
  const characteristics = [
    GATT.heartRateMeasurement,
    GATT.batteryLevel,
    GATT.cscMeasurement,
    GATT.cyclingPowerMeasurement,
    GATT.rscMeasurement,
    GATT.indoorBikeData,
    GATT.treadmillData,
  ];
  const encodedExamples = [
    encodeHeartRateMeasurement(generators.heartRate()),
    encodeCyclingPowerMeasurement(generators.power()),
    encodeIndoorBikeData(generators.bike()),
    encodeTreadmillData(generators.treadmill()),
    encodeRscMeasurement(generators.rsc()),
    encodeCscMeasurement(generators.csc()),
  ];

  /** Either samples that pass the wire contract with no NaN, or a typed GattDecodeError; nothing else. */
  function assertContained(uuid: string, bytes: Uint8Array, session: DeviceSession, timeMs: number): void {
    try {
      for (const sample of session.decode(uuid, bytes, timeMs)) {
        expect(JSON.stringify(sample)).not.toMatch(/NaN|Infinity|null/);
        const parsed = Sample.safeParse(sample);
        // Out-of-contract values (a 3000 bpm strap) are for ingest to reject; the decoder must still be sound.
        if (!parsed.success) for (const issue of parsed.error.issues) expect(issue.code).toMatch(/too_big|too_small|custom/);
      }
    } catch (error) {
      if (!isGattDecodeError(error)) throw error;
    }
  }

  it('random buffers give a valid sample or a typed error, never an escaping exception', () => {
    const session = new DeviceSession('fuzz');
    for (let run = 0; run < 5000; run++) {
      const bytes = Uint8Array.from({ length: int(0, 40) }, () => int(0, 255));
      assertContained(characteristics[run % characteristics.length]!, bytes, session, 1_700_000_000_000 + run * 100);
    }
  });

  it('every truncation of a valid payload gives a typed error or a valid sample', () => {
    const session = new DeviceSession('fuzz');
    encodedExamples.forEach((bytes, index) => {
      for (let length = 0; length < bytes.length; length++) {
        for (const uuid of characteristics)
          assertContained(uuid, bytes.subarray(0, length), session, 1_700_000_000_000 + index * 1000 + length);
      }
    });
  });
});
