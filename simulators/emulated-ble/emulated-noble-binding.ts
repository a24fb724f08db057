import { EventEmitter } from 'node:events';
import type { EmulatedRoom } from './emulated-room.ts';
import type { VirtualPeripheral } from './virtual-peripheral.ts';

export interface EmulatedAdapterOptions {
  /** Adapter name ("hci0"): the key of per-adapter RSSI. */
  adapter: string;
  /** Simultaneous connections the controller accepts (real adapters: 5–7). */
  maxConnections?: number;
  /** Advertising interval of the room's peripherals as this adapter hears them. */
  advertiseIntervalMs?: number;
  /** Time a connection takes to establish. */
  connectLatencyMs?: number;
}

const HCI_CONNECTION_TIMEOUT = 0x08;
const HCI_LIMITED_RESOURCES = 0x0d;

/**
 * A noble binding over an EmulatedRoom: the methods noble's lib/noble.js calls on its bindings, and the
 * events it listens for, always emitted asynchronously, with the Linux HCI binding's habits — one
 * connection attempt at a time (a device that never answers blocks the others until cancelConnect),
 * a limited number of connection slots, links that drop when a device leaves, a scan that may stop by
 * itself, an adapter that may power off. Inject with @abandonware/noble/with-bindings.
 */
export class EmulatedNobleBinding extends EventEmitter {
  private state: 'unknown' | 'poweredOn' | 'poweredOff' = 'unknown';
  private scanning = false;
  private scanFilter: string[] = [];
  private advertiseTimer: NodeJS.Timeout | null = null;
  private readonly connected = new Set<string>();
  private readonly connectQueue: string[] = [];
  private connecting: { id: string; timer: NodeJS.Timeout | null } | null = null;
  private readonly subscriptions = new Map<string, (characteristicUuid: string, bytes: Uint8Array) => void>();
  private readonly subscribedCharacteristics = new Map<string, Map<string, string>>();
  readonly adapter: string;
  private readonly maxConnections: number;
  private readonly advertiseIntervalMs: number;
  private readonly connectLatencyMs: number;
  /** Counters a test can read: how the gateway drove the radio. */
  readonly stats = { connectAttempts: 0, cancelConnects: 0, startScans: 0 };
  /** Notifications delivered to noble, per peripheral: exactly what the gateway received. */
  readonly delivered = new Map<string, number>();

  constructor(
    private readonly room: EmulatedRoom,
    options: EmulatedAdapterOptions,
  ) {
    super();
    this.adapter = options.adapter;
    this.maxConnections = options.maxConnections ?? 7;
    this.advertiseIntervalMs = options.advertiseIntervalMs ?? 250;
    this.connectLatencyMs = options.connectLatencyMs ?? 15;
    room.on('outOfRange', (id: string) => {
      if (this.connected.has(id)) this.dropLink(id, HCI_CONNECTION_TIMEOUT);
    });
  }

  get connectedIds(): string[] {
    return [...this.connected];
  }

  // ---- the binding interface noble calls ----

  init(): void {
    this.later(() => {
      this.emit('addressChange', `00:00:00:00:00:0${this.adapter.slice(-1)}`);
      this.setState('poweredOn');
    });
  }

  setScanParameters(): void {
    this.later(() => this.emit('scanParametersSet'));
  }

  startScanning(serviceUuids: string[] = [], allowDuplicates = false): void {
    this.stats.startScans++;
    this.scanFilter = serviceUuids;
    this.later(() => {
      if (this.state !== 'poweredOn') return;
      this.scanning = true;
      this.emit('scanStart', !allowDuplicates);
      this.advertiseTimer ??= setInterval(() => this.advertise(), this.advertiseIntervalMs);
      this.advertise();
    });
  }

  stopScanning(): void {
    this.later(() => {
      this.stopAdvertising();
      this.emit('scanStop');
    });
  }

  reset(): void {}

  connect(id: string): void {
    this.stats.connectAttempts++;
    this.connectQueue.push(id);
    this.later(() => this.nextConnect());
  }

  cancelConnect(id: string): void {
    this.stats.cancelConnects++;
    const queued = this.connectQueue.indexOf(id);
    if (queued >= 0) this.connectQueue.splice(queued, 1);
    if (this.connecting?.id === id) {
      if (this.connecting.timer) clearTimeout(this.connecting.timer);
      this.connecting = null;
      this.later(() => this.nextConnect());
    }
  }

  disconnect(id: string): void {
    this.later(() => {
      if (this.connected.has(id)) this.dropLink(id, 0x16 /* terminated by local host */);
      else this.emit('disconnect', id, 0x16);
    });
  }

  updateRssi(id: string): void {
    const peripheral = this.room.peripherals.get(id);
    this.later(() => this.emit('rssiUpdate', id, peripheral?.rssiFor(this.adapter) ?? -127));
  }

  discoverServices(id: string, uuids: string[] = []): void {
    this.whenLinked(id, (peripheral) => {
      if (peripheral.behaviour === 'drops-during-discovery') {
        // The link goes away and noble's discoverServices callback is never called.
        this.dropLink(id, HCI_CONNECTION_TIMEOUT);
        return;
      }
      const found = peripheral.services.map((s) => s.uuid).filter((uuid) => uuids.length === 0 || uuids.includes(uuid));
      this.emit('servicesDiscover', id, found);
    });
  }

  discoverIncludedServices(id: string, serviceUuid: string): void {
    this.whenLinked(id, () => this.emit('includedServicesDiscover', id, serviceUuid, []));
  }

  discoverCharacteristics(id: string, serviceUuid: string, uuids: string[] = []): void {
    this.whenLinked(id, (peripheral) => {
      const service = peripheral.services.find((s) => s.uuid === serviceUuid);
      const found = (service?.characteristics ?? [])
        .filter((c) => uuids.length === 0 || uuids.includes(c.uuid))
        .map((c) => ({ uuid: c.uuid, properties: c.properties }));
      this.emit('characteristicsDiscover', id, serviceUuid, found);
    });
  }

  read(id: string, serviceUuid: string, characteristicUuid: string): void {
    this.whenLinked(id, (peripheral) => {
      const bytes = peripheral.characteristic(serviceUuid, characteristicUuid)?.read?.() ?? new Uint8Array();
      this.emit('read', id, serviceUuid, characteristicUuid, Buffer.from(bytes), false);
    });
  }

  write(id: string, serviceUuid: string, characteristicUuid: string): void {
    this.whenLinked(id, () => this.emit('write', id, serviceUuid, characteristicUuid));
  }

  notify(id: string, serviceUuid: string, characteristicUuid: string, enable: boolean): void {
    this.whenLinked(id, (peripheral) => {
      const chars = this.subscribedCharacteristics.get(id) ?? new Map<string, string>();
      this.subscribedCharacteristics.set(id, chars);
      if (enable) chars.set(characteristicUuid, serviceUuid);
      else chars.delete(characteristicUuid);
      if (!this.subscriptions.has(id)) {
        const forward = (uuid: string, bytes: Uint8Array) => {
          const service = this.subscribedCharacteristics.get(id)?.get(uuid);
          if (!service || !this.connected.has(id)) return;
          this.delivered.set(id, (this.delivered.get(id) ?? 0) + 1);
          this.emit('read', id, service, uuid, Buffer.from(bytes), true);
        };
        this.subscriptions.set(id, forward);
        peripheral.on('notification', forward);
      }
      this.emit('notify', id, serviceUuid, characteristicUuid, enable);
    });
  }

  discoverDescriptors(id: string, serviceUuid: string, characteristicUuid: string): void {
    this.whenLinked(id, () => this.emit('descriptorsDiscover', id, serviceUuid, characteristicUuid, []));
  }

  // ---- what a test does to the radio ----

  /** The adapter powers off (USB unplugged, rfkill): links drop, the scan ends without scanStop. */
  powerOff(): void {
    this.later(() => {
      this.stopAdvertising();
      for (const id of [...this.connected]) this.dropLink(id, HCI_CONNECTION_TIMEOUT);
      this.setState('poweredOff');
    });
  }

  powerOn(): void {
    this.later(() => this.setState('poweredOn'));
  }

  /** The controller stops scanning on its own, as BlueZ and some firmwares do. */
  interruptScan(): void {
    this.later(() => {
      this.stopAdvertising();
      this.emit('scanStop');
    });
  }

  // ---- internals ----

  private setState(state: 'poweredOn' | 'poweredOff'): void {
    this.state = state;
    this.emit('stateChange', state);
  }

  private advertise(): void {
    if (!this.scanning || this.state !== 'poweredOn') return;
    for (const peripheral of this.room.peripherals.values()) {
      // A strap linked to as many centrals as it takes stops advertising; one out of range is not heard.
      if (!peripheral.inRange || !peripheral.acceptsConnections || !peripheral.matchesScanFilter(this.scanFilter)) continue;
      this.emit(
        'discover',
        peripheral.id,
        peripheral.address,
        'random',
        peripheral.connectable,
        peripheral.advertisement(),
        peripheral.rssiFor(this.adapter),
        true,
      );
    }
  }

  private stopAdvertising(): void {
    this.scanning = false;
    if (this.advertiseTimer) clearInterval(this.advertiseTimer);
    this.advertiseTimer = null;
  }

  private nextConnect(): void {
    if (this.connecting || this.connectQueue.length === 0) return;
    const id = this.connectQueue.shift()!;
    const peripheral = this.room.peripherals.get(id);
    this.connecting = { id, timer: null };
    if (
      !peripheral?.inRange ||
      !peripheral.connectable ||
      !peripheral.acceptsConnections ||
      peripheral.behaviour === 'never-connects' ||
      this.state !== 'poweredOn'
    ) {
      return; // pending until cancelConnect: the Linux binding blocks here too
    }
    this.connecting.timer = setTimeout(() => {
      this.connecting = null;
      if (this.connected.size >= this.maxConnections) {
        this.emit('connect', id, new Error(`connection rejected: limited resources (0x${HCI_LIMITED_RESOURCES.toString(16)})`));
      } else if (!peripheral.acceptsConnections) {
        // Another central got there first while we were connecting: this request now waits forever.
        this.connecting = { id, timer: null };
        return;
      } else {
        this.connected.add(id);
        peripheral.centrals.add(this.adapter);
        this.emit('connect', id, null);
      }
      this.nextConnect();
    }, this.connectLatencyMs);
  }

  private whenLinked(id: string, action: (peripheral: VirtualPeripheral) => void): void {
    this.later(() => {
      const peripheral = this.room.peripherals.get(id);
      // Without a link the request goes nowhere: noble's callback never fires (its known hang).
      if (peripheral && this.connected.has(id)) action(peripheral);
    });
  }

  private dropLink(id: string, reason: number): void {
    this.connected.delete(id);
    this.room.peripherals.get(id)?.centrals.delete(this.adapter);
    this.subscribedCharacteristics.delete(id);
    const forward = this.subscriptions.get(id);
    if (forward) this.room.peripherals.get(id)?.off('notification', forward);
    this.subscriptions.delete(id);
    this.emit('disconnect', id, reason);
  }

  private later(action: () => void): void {
    setImmediate(action);
  }
}
