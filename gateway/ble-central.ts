import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { type BackoffOptions, backoffDelayMs } from '../protocol/backoff.ts';
import { type DeviceDecoders, InstalledProfiles } from '../protocol/device-kit/installed-profiles.ts';
import { isGattDecodeError } from '../protocol/gatt/gatt-errors.ts';
import { GATT, normalizeUuid } from '../protocol/gatt/uuids.ts';
import type { SeenDevice } from '../protocol/mqtt/gateway-state.ts';
import type { Sample } from '../protocol/mqtt/telemetry.ts';
import type { Characteristic, NobleLike, Peripheral } from './noble-types.ts';
import { withTimeout } from './with-timeout.ts';

export interface BleCentralOptions {
  noble: NobleLike;
  adapter: string;
  /** Connections this adapter holds at most (5–7 on most controllers). */
  maxConnections: number;
  /** The profiles to scan for and decode (default: the built-in ones). */
  profiles?: InstalledProfiles;
  /** Whether to connect to a device seen advertising one of our profiles. */
  shouldConnect(device: { id: string; name?: string; rssiDbm: number }): boolean;
  timeouts?: { connectMs: number; discoveryMs: number; readMs: number };
  batteryReadIntervalMs?: number;
  /** How often the RSSI of held links is read (hand-over decisions need it: a held strap stops advertising). */
  rssiPollMs?: number;
  backoff?: BackoffOptions;
  /** Wait before scanning again after the controller stopped the scan by itself. */
  scanRestartDelayMs?: number;
  /** A device neither held nor heard for this long is forgotten (a crowd passing by must not grow memory). */
  forgetAfterMs?: number;
  /** Devices tracked at once (default MAX_TRACKED_DEVICES); beyond, the one heard least recently and not held makes room. */
  maxTrackedDevices?: number;
  logger: Logger;
  now?: () => number;
}

export interface BleCentralEvents {
  samples: [Sample[]];
  connected: [string];
  disconnected: [string];
}

interface DeviceState {
  id: string;
  peripheral: Peripheral;
  name?: string;
  rssiDbm: number;
  lastSeenMs: number;
  batteryPercent?: number;
  status: 'idle' | 'queued' | 'connecting' | 'connected';
  failures: number;
  notBeforeMs: number;
  session: DeviceDecoders;
  lastBroadcastMs: number;
  /** A plugin fault was logged for this connection already (one warning per connection, then only counted). */
  pluginFaultLogged: boolean;
  /** Undoes everything one connection attached: listeners, timers. */
  teardown?: () => void;
  /** Ends a set-up in progress at once when the link drops (noble's own promises would never settle). */
  abortSetup?: (error: Error) => void;
}

/** Queued, connecting or connected: the device has (or is about to have) one of this adapter's slots. */
const isHeld = (device: { status: string }) => device.status !== 'idle';

const DEFAULT_TIMEOUTS = { connectMs: 8000, discoveryMs: 8000, readMs: 5000 };
const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000, jitter: 0.3 };
const BROADCAST_MIN_INTERVAL_MS = 900;
const DEFAULT_FORGET_AFTER_MS = 10 * 60_000;
/** Devices one adapter tracks at most; beyond, the one heard least recently (and not held) makes room. */
export const MAX_TRACKED_DEVICES = 1024;

/**
 * One adapter's BLE central on noble: scans for the profiles' services, connects (one attempt at a
 * time, each bounded by a timeout and cancelled when it runs out), discovers only what it needs,
 * subscribes, reads the battery now and then, and reconnects with jittered back-off. Designed around
 * noble's failure modes: promises that never settle, reused peripheral objects, a scan that stops,
 * an adapter that powers off.
 */
export class BleCentral extends EventEmitter<BleCentralEvents> {
  private readonly devices = new Map<string, DeviceState>();
  private readonly connectQueue: string[] = [];
  private connectLoopRunning = false;
  private wantScanning = false;
  private stopped = false;
  private scanRestartTimer: NodeJS.Timeout | null = null;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly timeouts: typeof DEFAULT_TIMEOUTS;
  /** Counts a test or /metrics can read. */
  readonly stats = { decodeErrors: 0, pluginFaults: 0, connectTimeouts: 0, setupFailures: 0, scanRestarts: 0 };
  private readonly profiles: InstalledProfiles;
  private readonly characteristicsByService: ReturnType<InstalledProfiles['characteristicsByService']>;

  constructor(readonly options: BleCentralOptions) {
    super();
    this.log = options.logger.child({ module: 'ble', adapter: options.adapter });
    this.now = options.now ?? Date.now;
    this.timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
    this.profiles = options.profiles ?? InstalledProfiles.builtIn();
    this.characteristicsByService = this.profiles.characteristicsByService();
  }

  start(): void {
    const { noble } = this.options;
    noble.on('stateChange', this.onStateChange);
    noble.on('scanStop', this.onScanStop);
    noble.on('discover', this.onDiscover);
    // noble initialises its binding on the first stateChange listener; if it is already on, start now.
    if (noble.state === 'poweredOn') this.onStateChange('poweredOn');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wantScanning = false;
    if (this.scanRestartTimer) clearTimeout(this.scanRestartTimer);
    const { noble } = this.options;
    noble.off('stateChange', this.onStateChange);
    noble.off('scanStop', this.onScanStop);
    noble.off('discover', this.onDiscover);
    noble.stopScanning();
    await Promise.all(
      [...this.devices.values()]
        .filter((device) => device.status === 'connected')
        .map((device) => withTimeout(device.peripheral.disconnectAsync(), 2000, 'disconnect').catch(() => {})),
    );
  }

  /** Devices this adapter remembers (held, or heard within forgetAfterMs). */
  get trackedDevices(): number {
    return this.devices.size;
  }

  /** For the retained devices message (silent devices forgotten first). */
  seenDevices(): SeenDevice[] {
    this.forgetSilentDevices();
    return [...this.devices.values()].map((device) => ({
      id: device.id,
      ...(device.name ? { name: device.name.slice(0, 64) } : {}),
      rssiDbm: Math.max(-127, Math.min(20, Math.round(device.rssiDbm))),
      ...(device.batteryPercent !== undefined ? { batteryPercent: device.batteryPercent } : {}),
      connected: device.status === 'connected',
      lastSeenMs: device.lastSeenMs,
    }));
  }

  /** Devices this adapter holds or is about to (so another adapter of the same gateway leaves them alone). */
  isHolding(id: string): boolean {
    const device = this.devices.get(id);
    return device !== undefined && isHeld(device);
  }

  /** Held links weaker than the threshold. */
  fadingLinks(thresholdDbm: number): string[] {
    return [...this.devices.values()]
      .filter((device) => device.status === 'connected' && device.rssiDbm < thresholdDbm)
      .map((device) => device.id);
  }

  /** Drops a connection on purpose (hand-over to a gateway that hears the device better). */
  async release(id: string, holdOffMs: number): Promise<void> {
    const device = this.devices.get(id);
    if (device?.status !== 'connected') return;
    device.notBeforeMs = this.now() + holdOffMs;
    await withTimeout(device.peripheral.disconnectAsync(), 2000, 'disconnect').catch(() => {});
  }

  private readonly onStateChange = (state: string): void => {
    this.log.info({ state }, 'adapter state');
    if (state === 'poweredOn') {
      this.startScanning();
      this.pumpConnectQueue();
    } else {
      // poweredOff, resetting, unauthorized: links are gone; wait for poweredOn to start over.
      this.wantScanning = false;
      for (const device of this.devices.values()) if (isHeld(device)) this.markDisconnected(device);
    }
  };

  private readonly onScanStop = (): void => {
    if (!this.wantScanning || this.stopped) return;
    this.stats.scanRestarts++;
    this.log.warn('scan stopped unexpectedly; restarting it');
    // Several stops in a row restart the scan once: a timer already set is replaced, not doubled.
    if (this.scanRestartTimer) clearTimeout(this.scanRestartTimer);
    this.scanRestartTimer = setTimeout(() => {
      this.scanRestartTimer = null;
      this.startScanning();
    }, this.options.scanRestartDelayMs ?? 1000);
  };

  private readonly onDiscover = (peripheral: Peripheral): void => {
    const id = peripheral.id;
    let device = this.devices.get(id);
    if (!device) {
      this.makeRoomForOneMore();
      device = {
        id,
        peripheral,
        rssiDbm: peripheral.rssi,
        lastSeenMs: this.now(),
        status: 'idle',
        failures: 0,
        notBeforeMs: 0,
        session: this.profiles.decodersFor(id),
        lastBroadcastMs: 0,
        pluginFaultLogged: false,
      };
      this.devices.set(id, device);
    }
    device.peripheral = peripheral;
    device.rssiDbm = peripheral.rssi;
    device.lastSeenMs = this.now();
    device.name = peripheral.advertisement?.localName ?? device.name;
    this.readBroadcast(device, peripheral);
    if (!peripheral.connectable || device.status !== 'idle' || device.notBeforeMs > this.now()) return;
    if (!this.options.shouldConnect({ id, ...(device.name ? { name: device.name } : {}), rssiDbm: device.rssiDbm })) return;
    if (this.activeConnections() >= this.options.maxConnections) return;
    device.status = 'queued';
    this.connectQueue.push(id);
    this.pumpConnectQueue();
  };

  /**
   * A wearable that broadcasts its Heart Rate Measurement as service data (AD type 0x16, UUID 0x180D)
   * is read without connecting. Advertisements repeat the same value several times a second, so at
   * most one sample per second is taken.
   */
  private readBroadcast(device: DeviceState, peripheral: Peripheral): void {
    const broadcast = peripheral.advertisement?.serviceData?.find((entry) => normalizeUuid(entry.uuid) === GATT.heartRateService);
    if (!broadcast || device.status === 'connected' || this.now() - device.lastBroadcastMs < BROADCAST_MIN_INTERVAL_MS) return;
    device.lastBroadcastMs = this.now();
    this.onValue(device, GATT.heartRateMeasurement, broadcast.data);
  }

  private startScanning(): void {
    if (this.stopped) return;
    this.wantScanning = true;
    this.options.noble.startScanning(this.profiles.primaryServiceUuids(), true, (error) => {
      if (error) this.log.warn({ err: error }, 'could not start scanning');
    });
  }

  /** Forgets idle devices unheard for forgetAfterMs. */
  private forgetSilentDevices(): void {
    const forgetBeforeMs = this.now() - (this.options.forgetAfterMs ?? DEFAULT_FORGET_AFTER_MS);
    for (const [id, device] of this.devices) if (!isHeld(device) && device.lastSeenMs < forgetBeforeMs) this.devices.delete(id);
  }

  /**
   * Keeps the map under its bound when a new device is heard: silent ones go first, then the idle one
   * heard least recently. A newcomer is always admitted, so a crowd cannot keep a member's strap out.
   */
  private makeRoomForOneMore(): void {
    const max = this.options.maxTrackedDevices ?? MAX_TRACKED_DEVICES;
    if (this.devices.size < max) return;
    this.forgetSilentDevices();
    while (this.devices.size >= max) {
      let oldest: DeviceState | null = null;
      for (const device of this.devices.values())
        if (!isHeld(device) && (!oldest || device.lastSeenMs < oldest.lastSeenMs)) oldest = device;
      if (!oldest) return; // every tracked device is held: connection slots bound them already
      this.devices.delete(oldest.id);
    }
  }

  /** Connection slots in use or promised. */
  private activeConnections(): number {
    let count = 0;
    for (const device of this.devices.values()) if (isHeld(device)) count++;
    return count;
  }

  /** One connection attempt at a time: the Linux binding cannot do more, and a stuck one must not block the rest. */
  private pumpConnectQueue(): void {
    if (this.connectLoopRunning) return;
    this.connectLoopRunning = true;
    void (async () => {
      try {
        while (this.connectQueue.length > 0 && !this.stopped && this.options.noble.state === 'poweredOn') {
          const device = this.devices.get(this.connectQueue.shift()!);
          if (device && device.status === 'queued') await this.connect(device);
        }
      } finally {
        this.connectLoopRunning = false;
      }
    })();
  }

  private async connect(device: DeviceState): Promise<void> {
    const { peripheral } = device;
    device.status = 'connecting';
    try {
      await withTimeout(peripheral.connectAsync(), this.timeouts.connectMs, `connect to ${device.id}`);
    } catch (error) {
      this.stats.connectTimeouts++;
      // A connect that never completes would block every later one: cancel it explicitly.
      peripheral.cancelConnect();
      this.fail(device, error, 'connect');
      return;
    }
    // From here on, a dropped link lands in onLinkLost, whatever step we are at.
    const onLinkLost = () => this.onLinkLost(device);
    peripheral.once('disconnect', onLinkLost);
    const timers: NodeJS.Timeout[] = [];
    const dataListeners: [Characteristic, (data: Buffer) => void][] = [];
    device.teardown = () => {
      peripheral.off('disconnect', onLinkLost);
      for (const timer of timers) clearInterval(timer);
      for (const [characteristic, listener] of dataListeners) characteristic.off('data', listener);
      device.teardown = undefined;
    };
    device.session.reset();
    device.pluginFaultLogged = false;
    const linkLost = new Promise<never>((_, reject) => (device.abortSetup = reject));
    linkLost.catch(() => {});
    const step = <T>(promise: Promise<T>, timeoutMs: number, what: string) =>
      Promise.race([withTimeout(promise, timeoutMs, what), linkLost]);
    try {
      const services = await step(
        peripheral.discoverServicesAsync([...this.characteristicsByService.keys()]),
        this.timeouts.discoveryMs,
        `service discovery on ${device.id}`,
      );
      for (const service of services) {
        const wanted = this.characteristicsByService.get(normalizeUuid(service.uuid)) ?? [];
        const characteristics = await step(
          service.discoverCharacteristicsAsync(wanted.map((c) => c.uuid)),
          this.timeouts.discoveryMs,
          `characteristic discovery on ${device.id}`,
        );
        for (const characteristic of characteristics) {
          const spec = wanted.find((c) => c.uuid === normalizeUuid(characteristic.uuid));
          if (!spec) continue;
          if (spec.notify) {
            const listener = (data: Buffer) => this.onValue(device, characteristic.uuid, data);
            characteristic.on('data', listener);
            dataListeners.push([characteristic, listener]);
            await step(characteristic.subscribeAsync(), this.timeouts.readMs, `subscribe on ${device.id}`);
          }
          if (spec.read) {
            const readNow = () =>
              withTimeout(characteristic.readAsync(), this.timeouts.readMs, `read on ${device.id}`)
                .then((data) => this.onValue(device, characteristic.uuid, data))
                .catch((error: unknown) => this.log.debug({ err: error, device: device.id }, 'periodic read failed'));
            await step(readNow(), this.timeouts.readMs, `first read on ${device.id}`);
            timers.push(setInterval(readNow, this.options.batteryReadIntervalMs ?? 60_000));
          }
        }
      }
    } catch (error) {
      device.abortSetup = undefined;
      this.stats.setupFailures++;
      // Still linked? Drop it so the next attempt starts clean (onLinkLost does the rest).
      if (device.status === 'connecting') {
        device.teardown?.();
        this.fail(device, error, 'discovery');
        await withTimeout(peripheral.disconnectAsync(), 2000, 'disconnect').catch(() => {});
      }
      return;
    }
    device.abortSetup = undefined;
    if (device.status !== 'connecting') return; // the link dropped while we set it up
    timers.push(
      setInterval(() => {
        withTimeout(peripheral.updateRssiAsync(), this.timeouts.readMs, `RSSI of ${device.id}`)
          .then((rssi) => (device.rssiDbm = rssi))
          .catch(() => {});
      }, this.options.rssiPollMs ?? 5000),
    );
    device.status = 'connected';
    device.failures = 0;
    this.log.info({ device: device.id, rssi: device.rssiDbm }, 'device connected');
    this.emit('connected', device.id);
  }

  private onValue(device: DeviceState, characteristicUuid: string, data: Buffer): void {
    try {
      const samples = device.session.decode(characteristicUuid, data, this.now());
      for (const sample of samples) if (sample.kind === 'battery') device.batteryPercent = sample.values.batteryPercent;
      if (samples.length) this.emit('samples', samples);
    } catch (error) {
      if (!isGattDecodeError(error)) throw error;
      this.stats.decodeErrors++;
      if (error.code === 'SC_ERR_PLUGIN_FAULT') {
        this.stats.pluginFaults++;
        // A start-up's plugin at fault: worth a warning (once per connection), never the gateway's life.
        if (!device.pluginFaultLogged) this.log.warn({ device: device.id, bytes: data.toString('hex') }, error.message);
        device.pluginFaultLogged = true;
        return;
      }
      this.log.debug({ device: device.id, code: error.code, bytes: data.toString('hex') }, 'undecodable notification dropped');
    }
  }

  private onLinkLost(device: DeviceState): void {
    device.abortSetup?.(new Error(`link to ${device.id} lost during set-up`));
    device.abortSetup = undefined;
    const wasConnected = device.status === 'connected';
    this.markDisconnected(device);
    if (wasConnected) {
      this.log.info({ device: device.id }, 'device disconnected; will reconnect when it advertises again');
      // The first reconnect is quick: a strap that was fine a moment ago usually comes back at once.
      device.failures = 0;
      device.notBeforeMs = this.now() + backoffDelayMs(1, { ...(this.options.backoff ?? DEFAULT_BACKOFF), initialMs: 200 });
    } else {
      this.fail(device, new Error('link lost during set-up'), 'discovery');
    }
  }

  private markDisconnected(device: DeviceState): void {
    const wasConnected = device.status === 'connected';
    device.teardown?.();
    device.status = 'idle';
    if (wasConnected) this.emit('disconnected', device.id);
  }

  private fail(device: DeviceState, error: unknown, step: string): void {
    device.status = 'idle';
    device.failures++;
    const delayMs = backoffDelayMs(device.failures, this.options.backoff ?? DEFAULT_BACKOFF);
    device.notBeforeMs = this.now() + delayMs;
    this.log.warn({ device: device.id, step, failures: device.failures, retryInMs: delayMs, err: error }, 'device set-up failed');
  }
}
