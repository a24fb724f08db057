import { encodeBatteryLevel, encodeBodySensorLocation, encodeHeartRateMeasurement } from '../../protocol/gatt/heart-rate.ts';
import { GATT } from '../../protocol/gatt/uuids.ts';
import { SimulatedClass, type SimulatedClassOptions } from '../simulated-class.ts';
import type { VirtualAthlete } from '../virtual-athlete.ts';
import type { EmulatedRoom } from './emulated-room.ts';
import { type PeripheralBehaviour, VirtualPeripheral } from './virtual-peripheral.ts';

/** A chest strap worn by a virtual athlete: Heart Rate and Battery services, as a real one exposes them. */
export function createVirtualStrap(athlete: VirtualAthlete, behaviour: PeripheralBehaviour = 'normal'): VirtualPeripheral {
  const { member } = athlete;
  return new VirtualPeripheral({
    id: member.deviceId,
    address: member.deviceId,
    localName: `HRM ${member.name}`,
    advertisedServices: [GATT.heartRateService],
    behaviour,
    services: [
      {
        uuid: GATT.heartRateService,
        characteristics: [
          { uuid: GATT.heartRateMeasurement, properties: ['notify'] },
          { uuid: GATT.bodySensorLocation, properties: ['read'], read: () => encodeBodySensorLocation('chest') },
        ],
      },
      {
        uuid: GATT.batteryService,
        characteristics: [
          { uuid: GATT.batteryLevel, properties: ['read'], read: () => encodeBatteryLevel(Math.floor(athlete.batteryPercent)) },
        ],
      },
    ],
  });
}

/**
 * A simulated class in an emulated room: every member's strap is a virtual peripheral that notifies
 * what the virtual athlete's heart does, once a second. (What reached the gateway is counted by the
 * emulated binding, which only delivers to subscribed links.)
 */
export class VirtualClassInRoom {
  readonly simulatedClass: SimulatedClass;
  readonly straps: VirtualPeripheral[];
  private readonly strapById: Map<string, VirtualPeripheral>;
  private timer: NodeJS.Timeout | null = null;

  constructor(room: EmulatedRoom, options: SimulatedClassOptions) {
    this.simulatedClass = new SimulatedClass(options);
    this.straps = this.simulatedClass.athletes.map((athlete) => room.add(createVirtualStrap(athlete)));
    this.strapById = new Map(this.straps.map((strap) => [strap.id, strap]));
  }

  start(tickMs = 1000): void {
    this.timer ??= setInterval(() => this.tick(Date.now()), tickMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  tick(timeMs: number): void {
    for (const sample of this.simulatedClass.tick(timeMs)) {
      if (sample.kind !== 'heart_rate') continue; // battery is read by the gateway, not notified
      const { heartRateBpm, sensorContact, rrIntervalsMs } = sample.values;
      this.strapById.get(sample.device)?.notify(
        GATT.heartRateMeasurement,
        encodeHeartRateMeasurement({
          heartRateBpm,
          sensorContact: sensorContact ?? 'not-supported',
          ...(rrIntervalsMs ? { rrIntervalsMs } : {}),
        }),
      );
    }
  }
}
