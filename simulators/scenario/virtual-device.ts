import type { ProfileSimulator, SimulatedMoment } from '../../protocol/device-kit/device-profile.ts';
import type { InstalledProfile } from '../../protocol/device-kit/installed-profiles.ts';
import { encodeBatteryLevel } from '../../protocol/gatt/heart-rate.ts';
import { GATT } from '../../protocol/gatt/uuids.ts';
import { VirtualPeripheral, type VirtualService } from '../emulated-ble/virtual-peripheral.ts';

/** A wearable of any installed profile in the emulated room: its service as the profile declares it, and a battery. */
export interface VirtualDevice {
  id: string;
  profile: string;
  peripheral: VirtualPeripheral;
  simulator: ProfileSimulator;
  batteryPercent: number;
}

/**
 * Builds a device of `profile` whose notifications come from the profile's own simulator (the plugin's
 * encoder, for a plugin): what the gateway receives are the bytes a real one would send.
 */
export function createVirtualDevice(options: {
  id: string;
  localName: string;
  profile: InstalledProfile;
  batteryPercent: number;
  momentOf: (device: VirtualDevice) => SimulatedMoment;
}): VirtualDevice {
  const { manifest, code } = options.profile;
  if (!code.createSimulator) throw new Error(`profile "${manifest.name}" has no simulator: it cannot be played without hardware`);
  const simulator = code.createSimulator();
  // A plugin's read runs inside the emulated radio's callbacks: a throw there would end the process.
  const readSafely = (uuid: string): Uint8Array => {
    try {
      const bytes = simulator.read?.(uuid, options.momentOf(device));
      return bytes instanceof Uint8Array ? bytes : new Uint8Array();
    } catch {
      return new Uint8Array();
    }
  };
  const services: VirtualService[] = [
    {
      uuid: manifest.serviceUuid,
      characteristics: manifest.characteristics.map((characteristic) => ({
        uuid: characteristic.uuid,
        properties: [...(characteristic.notify ? (['notify'] as const) : []), ...(characteristic.read ? (['read'] as const) : [])],
        read: () => readSafely(characteristic.uuid),
      })),
    },
  ];
  // Every wearable has a battery the gateway reads (the low-battery fault shows on its tile).
  if (manifest.serviceUuid !== GATT.batteryService)
    services.push({
      uuid: GATT.batteryService,
      characteristics: [
        { uuid: GATT.batteryLevel, properties: ['read'], read: () => encodeBatteryLevel(Math.floor(device.batteryPercent)) },
      ],
    });
  const device: VirtualDevice = {
    id: options.id,
    profile: manifest.name,
    simulator,
    batteryPercent: options.batteryPercent,
    peripheral: new VirtualPeripheral({
      id: options.id,
      address: options.id,
      localName: options.localName,
      advertisedServices: [manifest.serviceUuid],
      services,
    }),
  };
  return device;
}
