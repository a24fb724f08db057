import { EventEmitter } from 'node:events';

/** One characteristic of a virtual peripheral: how it reads, and whether it notifies. */
export interface VirtualCharacteristic {
  uuid: string;
  properties: ('read' | 'notify')[];
  read?: () => Uint8Array;
}

export interface VirtualService {
  uuid: string;
  characteristics: VirtualCharacteristic[];
}

/** How a peripheral misbehaves, to test the gateway against noble's known failure modes. */
export type PeripheralBehaviour =
  | 'normal'
  /** Accepts the connection request and never completes it (the Linux binding then blocks others). */
  | 'never-connects'
  /** Connects, then drops the link while services are being discovered. */
  | 'drops-during-discovery';

export interface VirtualPeripheralOptions {
  id: string;
  address: string;
  localName: string;
  services: VirtualService[];
  /** Services announced in advertising data (what the gateway scans for). */
  advertisedServices: string[];
  rssiDbm?: number;
  behaviour?: PeripheralBehaviour;
  /** How many centrals may be linked at once (most heart-rate straps: one). */
  maxCentrals?: number;
  /** Service data in advertisements: some wearables broadcast their Heart Rate Measurement there. */
  serviceData?: () => { uuid: string; data: Buffer }[];
  /** false for a broadcaster that takes no connections. */
  connectable?: boolean;
}

/**
 * A BLE device in the emulated room. It emits 'notification' (characteristic uuid, bytes) whenever its
 * sensor produces a value; the radio forwards that to a central only while it is subscribed.
 */
export class VirtualPeripheral extends EventEmitter {
  readonly id: string;
  readonly address: string;
  readonly localName: string;
  readonly services: VirtualService[];
  readonly advertisedServices: string[];
  behaviour: PeripheralBehaviour;
  /** Signal strength per adapter id ("hci0"); a missing entry uses the default. */
  readonly rssiByAdapter = new Map<string, number>();
  rssiDbm: number;
  inRange = true;
  /** Centrals (adapter names) linked to it now; a strap takes one and stops advertising meanwhile. */
  readonly centrals = new Set<string>();
  readonly maxCentrals: number;
  readonly connectable: boolean;
  private readonly serviceData?: () => { uuid: string; data: Buffer }[];

  constructor(options: VirtualPeripheralOptions) {
    super();
    this.id = options.id;
    this.address = options.address;
    this.localName = options.localName;
    this.services = options.services;
    this.advertisedServices = options.advertisedServices;
    this.rssiDbm = options.rssiDbm ?? -60;
    this.behaviour = options.behaviour ?? 'normal';
    this.maxCentrals = options.maxCentrals ?? 1;
    this.serviceData = options.serviceData;
    this.connectable = options.connectable ?? true;
  }

  get acceptsConnections(): boolean {
    return this.centrals.size < this.maxCentrals;
  }

  rssiFor(adapter: string): number {
    return this.rssiByAdapter.get(adapter) ?? this.rssiDbm;
  }

  advertisement(): { localName: string; serviceUuids: string[]; serviceData: { uuid: string; data: Buffer }[] } {
    return { localName: this.localName, serviceUuids: [...this.advertisedServices], serviceData: this.serviceData?.() ?? [] };
  }

  /** Whether an advertisement of this peripheral passes a scan filter on service UUIDs (as the HCI binding filters). */
  matchesScanFilter(serviceUuids: string[]): boolean {
    if (serviceUuids.length === 0) return true;
    const announced = [...this.advertisedServices, ...(this.serviceData?.() ?? []).map((entry) => entry.uuid)];
    return announced.some((uuid) => serviceUuids.includes(uuid));
  }

  characteristic(serviceUuid: string, characteristicUuid: string): VirtualCharacteristic | undefined {
    return this.services.find((s) => s.uuid === serviceUuid)?.characteristics.find((c) => c.uuid === characteristicUuid);
  }

  /** The sensor produced a value: subscribed centrals receive it as a notification. */
  notify(characteristicUuid: string, bytes: Uint8Array): void {
    this.emit('notification', characteristicUuid, bytes);
  }
}
