import { createRequire } from 'node:module';
import type { Adapter } from './gateway-service.ts';
import type { NobleLike } from './noble-types.ts';

/**
 * One noble per local HCI adapter (hci0, hci1, …). Loaded here and only here: noble's HCI socket is a
 * native module that opens the adapter, and neither the API nor the tests without Bluetooth load it.
 */
export function openHciAdapters(hciNumbers: number[]): Adapter[] {
  const require = createRequire(import.meta.url);
  const withBindings = require('@abandonware/noble/with-bindings') as (bindings: unknown) => NobleLike;
  const HciBindings = require('@abandonware/noble/lib/hci-socket/bindings') as new (options: { deviceId: number }) => unknown;
  return hciNumbers.map((deviceId) => {
    try {
      return { name: `hci${deviceId}`, noble: withBindings(new HciBindings({ deviceId })) };
    } catch (error) {
      throw new BluetoothUnavailableError(
        `cannot open Bluetooth adapter hci${deviceId}: ${(error as Error).message}. Is there an adapter (hciconfig), and may node use raw sockets (README: "Install a gateway")?`,
        { cause: error },
      );
    }
  });
}

export class BluetoothUnavailableError extends Error {
  readonly code = 'SC_ERR_BLUETOOTH_UNAVAILABLE';
}
