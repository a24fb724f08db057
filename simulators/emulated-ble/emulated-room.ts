import { EventEmitter } from 'node:events';
import type { VirtualPeripheral } from './virtual-peripheral.ts';

/**
 * The air of one training room: the virtual peripherals every emulated adapter in it can hear. Two
 * gateways sharing a room are two adapters on one EmulatedRoom, with their own RSSI per peripheral.
 */
export class EmulatedRoom extends EventEmitter {
  readonly peripherals = new Map<string, VirtualPeripheral>();

  add(peripheral: VirtualPeripheral): VirtualPeripheral {
    this.peripherals.set(peripheral.id, peripheral);
    return peripheral;
  }

  /** The wearer walks out of range: links drop, advertisements stop. */
  walkOut(id: string): void {
    const peripheral = this.peripherals.get(id);
    if (!peripheral) return;
    peripheral.inRange = false;
    this.emit('outOfRange', id);
  }

  walkIn(id: string): void {
    const peripheral = this.peripherals.get(id);
    if (peripheral) peripheral.inRange = true;
  }
}
