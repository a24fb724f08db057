import { encodeCscMeasurement, encodeCyclingPowerMeasurement } from '../gatt/cycling.ts';
import { encodeIndoorBikeData } from '../gatt/fitness-machine.ts';
import { encodeHeartRateMeasurement } from '../gatt/heart-rate.ts';
import { DeviceSession } from '../gatt/profiles.ts';
import { encodeRscMeasurement } from '../gatt/running.ts';
import { GATT } from '../gatt/uuids.ts';
import type { DeviceProfile, ProfileDecoder, ProfileSimulator, SimulatedMoment } from './device-profile.ts';

// The Bluetooth SIG profiles Sport Connect speaks, written against the same interface as a plugin. Their
// kinds are the v1 contract's own (hand-written schemas in protocol/mqtt/telemetry.ts), so they add none.

/** The specification decoders, one state per device and profile (counters, FTMS records in parts). */
function specificationDecoder(): ProfileDecoder {
  const session = new DeviceSession('');
  // Its samples go out as they are: the caller stamps device and time on what it publishes.
  return { decode: (uuid, bytes, timeMs) => session.decode(uuid, bytes, timeMs), reset: () => session.reset() };
}

/** Crank (or wheel) revolutions counted as a sensor does: a cumulative count and the time of the last event. */
class RevolutionCounter {
  private revolutions = 0;
  private lastEventS = 0;
  private fraction = 0;

  /** Advances by one second at `perMinute`; returns the counters as the wire carries them. */
  advance(elapsedS: number, perMinute: number): { revolutions: number; eventTimeS: number } {
    this.fraction += perMinute / 60;
    const whole = Math.floor(this.fraction);
    if (whole > 0) {
      this.fraction -= whole;
      this.revolutions += whole;
      this.lastEventS = elapsedS;
    }
    // Event times are 1/1024 s in a uint16: they wrap every 64 s, as real sensors' do.
    return { revolutions: this.revolutions, eventTimeS: (this.lastEventS % 64) * (1023 / 1024) };
  }
}

const cadenceOf = (moment: SimulatedMoment, restRpm: number, spanRpm: number) =>
  restRpm + spanRpm * moment.intensity + (moment.random() - 0.5) * 4;
/** A pedalling device's simulator: crank revolutions at a cadence following the workload, encoded by `encode`. */
function crankSimulator(
  characteristic: string,
  encode: (crank: { cumulativeCrankRevs: number; lastCrankEventTimeS: number }, moment: SimulatedMoment) => Uint8Array,
): () => ProfileSimulator {
  return () => {
    const counter = new RevolutionCounter();
    return {
      notify: (moment) => {
        const { revolutions, eventTimeS } = counter.advance(moment.elapsedS, cadenceOf(moment, 70, 25));
        return [{ characteristic, bytes: encode({ cumulativeCrankRevs: revolutions % 65536, lastCrankEventTimeS: eventTimeS }, moment) }];
      },
    };
  };
}

const powerOf = (moment: SimulatedMoment) => Math.round(60 + 240 * moment.intensity + (moment.random() - 0.5) * 20);

export const BUILT_IN_PROFILES: readonly DeviceProfile[] = [
  {
    name: 'heart_rate',
    label: 'Heart-rate strap',
    serviceUuid: GATT.heartRateService,
    characteristics: [{ uuid: GATT.heartRateMeasurement, name: 'Heart Rate Measurement', notify: true }],
    uses: ['heart_rate'],
    createDecoder: specificationDecoder,
    createSimulator: (): ProfileSimulator => ({
      notify: (moment) => [
        {
          characteristic: GATT.heartRateMeasurement,
          bytes: encodeHeartRateMeasurement(
            moment.contact
              ? {
                  heartRateBpm: Math.round(moment.heartRateBpm),
                  sensorContact: 'detected',
                  ...(moment.rrIntervalsMs?.length ? { rrIntervalsMs: moment.rrIntervalsMs } : {}),
                }
              : { heartRateBpm: 0, sensorContact: 'not-detected' },
          ),
        },
      ],
    }),
  },
  {
    name: 'battery',
    label: 'Battery level',
    serviceUuid: GATT.batteryService,
    characteristics: [{ uuid: GATT.batteryLevel, name: 'Battery Level', read: true }],
    uses: ['battery'],
    primary: false,
    // No simulator: a battery is no wearable of its own; every virtual device has one (virtual-device.ts).
    createDecoder: specificationDecoder,
  },
  {
    name: 'cycling_power',
    label: 'Cycling power meter',
    serviceUuid: GATT.cyclingPowerService,
    characteristics: [{ uuid: GATT.cyclingPowerMeasurement, name: 'Cycling Power Measurement', notify: true }],
    uses: ['cycling_power'],
    createDecoder: specificationDecoder,
    createSimulator: crankSimulator(GATT.cyclingPowerMeasurement, (crank, moment) =>
      encodeCyclingPowerMeasurement({ powerW: powerOf(moment), ...crank }),
    ),
  },
  {
    name: 'cycling_speed_cadence',
    label: 'Cadence sensor',
    serviceUuid: GATT.cyclingSpeedCadenceService,
    characteristics: [{ uuid: GATT.cscMeasurement, name: 'CSC Measurement', notify: true }],
    uses: ['cadence_speed'],
    createDecoder: specificationDecoder,
    createSimulator: crankSimulator(GATT.cscMeasurement, (crank) => encodeCscMeasurement(crank)),
  },
  {
    name: 'running_speed_cadence',
    label: 'Running pod',
    serviceUuid: GATT.runningSpeedCadenceService,
    characteristics: [{ uuid: GATT.rscMeasurement, name: 'RSC Measurement', notify: true }],
    uses: ['running'],
    createDecoder: specificationDecoder,
    createSimulator: () => ({
      notify: (moment) => {
        const speedMps = Math.round((1.5 + 3.5 * moment.intensity) * 256) / 256;
        const bytes = encodeRscMeasurement({ speedMps, cadenceSpm: Math.round(cadenceOf(moment, 150, 30)), running: speedMps > 2 });
        return [{ characteristic: GATT.rscMeasurement, bytes }];
      },
    }),
  },
  {
    name: 'fitness_machine',
    label: 'Fitness machine (bike, treadmill)',
    serviceUuid: GATT.fitnessMachineService,
    characteristics: [
      { uuid: GATT.indoorBikeData, name: 'Indoor Bike Data', notify: true },
      { uuid: GATT.treadmillData, name: 'Treadmill Data', notify: true },
    ],
    uses: ['indoor_bike', 'treadmill'],
    createDecoder: specificationDecoder,
    createSimulator: () => ({
      // An indoor bike: speed, cadence and power in one record.
      notify: (moment) => {
        const bytes = encodeIndoorBikeData({
          moreData: false,
          speedKmh: Math.round((18 + 17 * moment.intensity) * 100) / 100,
          cadenceRpm: Math.round(cadenceOf(moment, 70, 25) * 2) / 2,
          powerW: powerOf(moment),
        });
        return [{ characteristic: GATT.indoorBikeData, bytes }];
      },
    }),
  },
];
