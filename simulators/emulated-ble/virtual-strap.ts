import { encodeBatteryLevel, encodeBodySensorLocation, encodeHeartRateMeasurement } from '../../protocol/gatt/heart-rate.ts';
import { GATT } from '../../protocol/gatt/uuids.ts';
import type { Sample } from '../../protocol/mqtt/telemetry.ts';
import { SimulatedClass, type SimulatedClassOptions } from '../simulated-class.ts';
import type { VirtualAthlete } from '../virtual-athlete.ts';
import type { EmulatedRoom } from './emulated-room.ts';
import { VirtualPeripheral, type PeripheralBehaviour } from './virtual-peripheral.ts';

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
      { uuid: GATT.batteryService, characteristics: [{ uuid: GATT.batteryLevel, properties: ['read'], read: () => encodeBatteryLevel(Math.floor(athlete.batteryPercent)) }] },
    ],
  });
}

/**
 * A simulated class in an emulated room: every member's strap is a virtual peripheral that notifies
 * what the virtual athlete's heart does, once a second. What the straps send is also returned, so a
 * test knows exactly what the gateway should have forwarded.
 */
export class VirtualClassInRoom {
  readonly simulatedClass: SimulatedClass;
  readonly straps: VirtualPeripheral[];
  private timer: NodeJS.Timeout | null = null;
  /** Every heart-rate sample the straps notified, as the gateway should decode it. */
  readonly notified: Sample[] = [];

  constructor(room: EmulatedRoom, options: SimulatedClassOptions) {
    this.simulatedClass = new SimulatedClass(options);
    this.straps = this.simulatedClass.athletes.map((athlete) => room.add(createVirtualStrap(athlete)));
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
      const strap = this.straps.find((s) => s.id === sample.device);
      const { heartRateBpm, sensorContact, rrIntervalsMs } = sample.values;
      strap?.notify(GATT.heartRateMeasurement, encodeHeartRateMeasurement({ heartRateBpm, sensorContact: sensorContact ?? 'not-supported', ...(rrIntervalsMs ? { rrIntervalsMs } : {}) }));
      this.notified.push(sample);
    }
  }
}
