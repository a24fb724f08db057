import { MIN_HEART_RATE_BPM, type Sample } from '../mqtt/telemetry.ts';
import { decodeCscMeasurement, decodeCyclingPowerMeasurement } from './cycling.ts';
import { decodeIndoorBikeData, decodeTreadmillData, type IndoorBikeData, type TreadmillData } from './fitness-machine.ts';
import { GattDecodeError } from './gatt-errors.ts';
import { decodeBatteryLevel, decodeBodySensorLocation, decodeHeartRateMeasurement } from './heart-rate.ts';
import { defaultDeriverOptions, RevolutionDeriver } from './revolution-deriver.ts';
import { decodeRscMeasurement } from './running.ts';
import { GATT, normalizeUuid } from './uuids.ts';

/** `decode --profile` names for each characteristic. */
export const CHARACTERISTIC_ALIASES: Record<string, string> = {
  heart_rate: GATT.heartRateMeasurement,
  battery: GATT.batteryLevel,
  body_sensor_location: GATT.bodySensorLocation,
  cycling_power: GATT.cyclingPowerMeasurement,
  csc: GATT.cscMeasurement,
  cycling_speed_cadence: GATT.cscMeasurement,
  rsc: GATT.rscMeasurement,
  running_speed_cadence: GATT.rscMeasurement,
  indoor_bike: GATT.indoorBikeData,
  treadmill: GATT.treadmillData,
};

/** Every field of one characteristic value, as its specification defines them (`decode` shows them all). */
const FIELD_DECODERS: Record<string, (bytes: Uint8Array) => object> = {
  [GATT.heartRateMeasurement]: decodeHeartRateMeasurement,
  [GATT.bodySensorLocation]: (bytes) => ({ bodySensorLocation: decodeBodySensorLocation(bytes) }),
  [GATT.batteryLevel]: (bytes) => ({ batteryPercent: decodeBatteryLevel(bytes) }),
  [GATT.cscMeasurement]: decodeCscMeasurement,
  [GATT.cyclingPowerMeasurement]: decodeCyclingPowerMeasurement,
  [GATT.rscMeasurement]: decodeRscMeasurement,
  [GATT.indoorBikeData]: decodeIndoorBikeData,
  [GATT.treadmillData]: decodeTreadmillData,
};

/** Decodes one characteristic value into all its fields; throws GattDecodeError for bad bytes or an unknown characteristic. */
export function decodeCharacteristic(characteristicUuid: string, bytes: Uint8Array): object {
  const decoder = FIELD_DECODERS[normalizeUuid(characteristicUuid)];
  if (!decoder) throw new GattDecodeError('SC_ERR_GATT_UNKNOWN_PROFILE', `no decoder for characteristic ${characteristicUuid}`);
  return decoder(bytes);
}

const KMH_PER_MPS = 3.6;
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
/** FTMS records split over notifications wait this long for their last part before going out as they are. */
const PARTIAL_RECORD_TIMEOUT_MS = 2000;

function withoutUndefined<T extends object>(values: T): T {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined && value !== null)) as T;
}

/**
 * One connected device's notifications → protocol samples. Holds the state some profiles need:
 * cumulative-count derivation (CSC, Cycling Power) and FTMS records split over notifications.
 * reset() forgets it (call on reconnect: counters may have restarted).
 */
export class DeviceSession {
  private readonly cscDeriver = new RevolutionDeriver(defaultDeriverOptions);
  private readonly powerDeriver = new RevolutionDeriver({ ...defaultDeriverOptions, wheelTimeRolloverS: 32 });
  private partial: { uuid: string; data: IndoorBikeData | TreadmillData; sinceMs: number } | null = null;

  constructor(readonly device: string) {}

  reset(): void {
    this.cscDeriver.reset();
    this.powerDeriver.reset();
    this.partial = null;
  }

  /** Throws GattDecodeError for bytes that break the characteristic's format. */
  decode(characteristicUuid: string, bytes: Uint8Array, timeMs: number): Sample[] {
    const uuid = normalizeUuid(characteristicUuid);
    const device = this.device;
    switch (uuid) {
      case GATT.heartRateMeasurement: {
        const m = decodeHeartRateMeasurement(bytes);
        return [
          {
            device,
            timeMs,
            kind: 'heart_rate',
            values: withoutUndefined({
              heartRateBpm: m.heartRateBpm,
              sensorContact: m.sensorContact,
              energyExpendedKj: m.energyExpendedKj,
              rrIntervalsMs: m.rrIntervalsMs,
            }),
          },
        ];
      }
      case GATT.batteryLevel:
        return [{ device, timeMs, kind: 'battery', values: { batteryPercent: decodeBatteryLevel(bytes) } }];
      case GATT.cyclingPowerMeasurement: {
        const m = decodeCyclingPowerMeasurement(bytes);
        const cadenceRpm =
          m.cumulativeCrankRevs !== undefined
            ? this.powerDeriver.cadence({ cumulativeCrankRevs: m.cumulativeCrankRevs, lastCrankEventTimeS: m.lastCrankEventTimeS! }, timeMs)
            : undefined;
        // CPS 3.2.1.5: wheel data (event time in 1/2048 s) gives speed and distance, as CSC's does.
        const wheel =
          m.cumulativeWheelRevs !== undefined
            ? this.powerDeriver.speed({ cumulativeWheelRevs: m.cumulativeWheelRevs, lastWheelEventTimeS: m.lastWheelEventTimeS! }, timeMs)
            : undefined;
        const {
          powerW,
          pedalPowerBalancePercent,
          accumulatedTorqueNm,
          accumulatedEnergyKj,
          maxForceN,
          minForceN,
          maxTorqueNm,
          minTorqueNm,
          maxAngleDeg,
          minAngleDeg,
          topDeadSpotAngleDeg,
          bottomDeadSpotAngleDeg,
        } = m;
        const values = withoutUndefined({
          powerW,
          cadenceRpm,
          speedMps: wheel?.speedMps,
          distanceM: wheel?.speedMps !== undefined ? wheel.distanceM : undefined,
          pedalPowerBalancePercent,
          accumulatedTorqueNm,
          accumulatedEnergyKj,
          ...{ maxForceN, minForceN, maxTorqueNm, minTorqueNm, maxAngleDeg, minAngleDeg, topDeadSpotAngleDeg, bottomDeadSpotAngleDeg },
        });
        return [{ device, timeMs, kind: 'cycling_power', values }];
      }
      case GATT.cscMeasurement: {
        const m = decodeCscMeasurement(bytes);
        const cadenceRpm =
          m.cumulativeCrankRevs !== undefined
            ? this.cscDeriver.cadence({ cumulativeCrankRevs: m.cumulativeCrankRevs, lastCrankEventTimeS: m.lastCrankEventTimeS! }, timeMs)
            : undefined;
        const wheel =
          m.cumulativeWheelRevs !== undefined
            ? this.cscDeriver.speed({ cumulativeWheelRevs: m.cumulativeWheelRevs, lastWheelEventTimeS: m.lastWheelEventTimeS! }, timeMs)
            : undefined;
        const values = withoutUndefined({
          cadenceRpm,
          speedMps: wheel?.speedMps,
          distanceM: wheel?.speedMps !== undefined ? wheel.distanceM : undefined,
        });
        // The first measurement only seeds the counters: nothing to publish yet.
        return Object.keys(values).length ? [{ device, timeMs, kind: 'cadence_speed', values }] : [];
      }
      case GATT.rscMeasurement: {
        const m = decodeRscMeasurement(bytes);
        return [
          {
            device,
            timeMs,
            kind: 'running',
            values: withoutUndefined({
              speedMps: round(m.speedMps, 3),
              cadenceSpm: m.cadenceSpm,
              running: m.running,
              strideLengthM: m.strideLengthM,
              totalDistanceM: m.totalDistanceM,
            }),
          },
        ];
      }
      case GATT.indoorBikeData:
      case GATT.treadmillData:
        return this.mergeMachineRecord(
          uuid,
          uuid === GATT.indoorBikeData ? decodeIndoorBikeData(bytes) : decodeTreadmillData(bytes),
          timeMs,
        );
      default:
        throw new GattDecodeError('SC_ERR_GATT_UNKNOWN_PROFILE', `no decoder for characteristic ${uuid}`);
    }
  }

  /** FTMS: a record with More Data set continues in the next notification; publish only the whole record. */
  private mergeMachineRecord(uuid: string, data: IndoorBikeData | TreadmillData, timeMs: number): Sample[] {
    const out: Sample[] = [];
    if (this.partial && (this.partial.uuid !== uuid || timeMs - this.partial.sinceMs > PARTIAL_RECORD_TIMEOUT_MS)) {
      out.push(this.machineSample(this.partial.uuid, this.partial.data, this.partial.sinceMs));
      this.partial = null;
    }
    const merged = { ...(this.partial?.data ?? {}), ...withoutUndefined(data) } as IndoorBikeData | TreadmillData;
    if (data.moreData) {
      this.partial = { uuid, data: merged, sinceMs: this.partial?.sinceMs ?? timeMs };
      return out;
    }
    this.partial = null;
    out.push(this.machineSample(uuid, merged, timeMs));
    return out;
  }

  private machineSample(uuid: string, data: IndoorBikeData | TreadmillData, timeMs: number): Sample {
    const common = {
      speedMps: data.speedKmh !== undefined ? round(data.speedKmh / KMH_PER_MPS, 3) : undefined,
      distanceM: data.totalDistanceM,
      // FTMS 4.9.1.12: a machine reads heart rate from hand grips or a paired strap; 0 means no hand on
      // the grips, not a heart at rest.
      heartRateBpm: data.heartRateBpm !== undefined && data.heartRateBpm >= MIN_HEART_RATE_BPM ? data.heartRateBpm : undefined,
      energyKcal: data.totalEnergyKcal,
      energyPerHourKcal: data.energyPerHourKcal,
      energyPerMinuteKcal: data.energyPerMinuteKcal,
      elapsedS: data.elapsedTimeS,
      powerW: data.powerW,
    };
    if (uuid === GATT.indoorBikeData) {
      const bike = data as IndoorBikeData;
      return {
        device: this.device,
        timeMs,
        kind: 'indoor_bike',
        values: withoutUndefined({ ...common, cadenceRpm: bike.cadenceRpm, resistanceLevel: bike.resistanceLevel }),
      };
    }
    const treadmill = data as TreadmillData;
    return {
      device: this.device,
      timeMs,
      kind: 'treadmill',
      values: withoutUndefined({
        ...common,
        inclinePercent: treadmill.inclinePercent ?? undefined,
        rampAngleDeg: treadmill.rampAngleDeg ?? undefined,
      }),
    };
  }
}
