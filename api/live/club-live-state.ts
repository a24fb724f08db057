import type { Athlete, LiveAthlete, LiveChart, LiveMetric } from '../../protocol/api.ts';
import { extensionKind } from '../../protocol/device-kit/extension-kinds.ts';
import { isExtensionSample, type Sample } from '../../protocol/mqtt/telemetry.ts';
import type { NearbyDevice } from '../../protocol/roster.ts';
import { percentOfMax, type ZoneModel, zoneForPercent, zonePercent } from '../../sport-science/heart-rate-zones.ts';

interface DeviceReading {
  heartRateBpm: number | null;
  contactLost: boolean;
  /** The first sample of this stretch of activity (since the state last forgot the device). */
  firstSampleMs: number;
  lastSampleMs: number;
  /** The last sample of any kind (a plugin device sends no heart rate). */
  lastHeardMs: number;
  batteryPercent: number | null;
  /** Plugin kinds' latest values, by kind. */
  extensions: Map<string, { values: Record<string, number>; timeMs: number }>;
  /** The last kind it sent besides battery: what kind of device it is. */
  lastKind: string | null;
}

/** What the club's gateways say they hear: signal strength and battery of each device, from their devices lists. */
interface HeardDevice {
  rssiDbm: number | null;
  batteryPercent: number | null;
  lastSeenMs: number;
}

/** What tiles need of the club beyond the straps: its zone model, and the running session's totals per athlete. */
export interface TileContext {
  zoneModel: ZoneModel;
  effortOf(athlete: Athlete): { kcal: number | null; points: number | null };
}
const NO_SESSION: TileContext = { zoneModel: 'percent-max', effortOf: () => ({ kcal: null, points: null }) };

/** How an athlete appears on the shared screen, as they chose; null: a coloured tile without a name. */
export function screenNameOf(athlete: Pick<Athlete, 'name' | 'displayName' | 'alias' | 'screenPrivacy'>): string | null {
  switch (athlete.screenPrivacy) {
    case 'alias':
      return athlete.alias ?? initialsOf(athlete.name);
    case 'initials':
      return initialsOf(athlete.name);
    case 'colour':
      return null;
    default:
      return athlete.displayName ?? athlete.name;
  }
}

const initialsOf = (name: string) =>
  name
    .split(/[\s-]+/)
    .filter(Boolean)
    .map((word) => `${[...word][0]!.toUpperCase()}.`)
    .join(' ');

/** Straps nobody is paired with shown at once: enough for a class pairing at the door, not a flood. */
export const MAX_UNPAIRED_TILES = 40;
/** Straps one club's live state remembers at once; beyond, the one heard least recently is forgotten. */
export const MAX_DEVICES_PER_CLUB = 2000;

/**
 * What one club's straps said last, turned into tiles and into the rolling chart. Pure state: the hub
 * feeds samples and ticks, tests drive it directly.
 */
export class ClubLiveState {
  private readonly readings = new Map<string, DeviceReading>();
  private readonly heard = new Map<string, HeardDevice>();
  private readonly chart: LiveChart = { t: [], series: {} };
  private roster: { athletes: readonly Athlete[]; paired: ReadonlySet<string> } | null = null;

  constructor(private readonly options: { staleAfterMs: number; windowMs: number; tickMs: number }) {}

  applySample(sample: Sample): void {
    if (!this.readings.has(sample.device) && this.readings.size >= MAX_DEVICES_PER_CLUB) this.forgetLeastRecentDevice();
    const reading = this.readings.get(sample.device) ?? {
      heartRateBpm: null,
      contactLost: false,
      firstSampleMs: sample.timeMs,
      lastSampleMs: 0,
      lastHeardMs: 0,
      batteryPercent: null,
      extensions: new Map(),
      lastKind: null,
    };
    if (sample.timeMs < reading.lastSampleMs) return; // a late replay must not overwrite newer state
    reading.lastHeardMs = Math.max(reading.lastHeardMs, sample.timeMs);
    if (sample.kind !== 'battery') reading.lastKind = sample.kind;
    if (isExtensionSample(sample)) {
      const latest = reading.extensions.get(sample.kind);
      if (!latest || latest.timeMs <= sample.timeMs) reading.extensions.set(sample.kind, { values: sample.values, timeMs: sample.timeMs });
    } else if (sample.kind === 'heart_rate') {
      reading.contactLost = sample.values.sensorContact === 'not-detected';
      reading.heartRateBpm = reading.contactLost ? null : sample.values.heartRateBpm;
      reading.lastSampleMs = sample.timeMs;
    } else if (sample.kind === 'battery') {
      reading.batteryPercent = sample.values.batteryPercent;
    }
    this.readings.set(sample.device, reading);
  }

  /**
   * Forgets straps silent for a whole chart window, and unpaired straps' chart lines empty for as long: a club's
   * state stays the size of what is happening now, whatever passed through before.
   */
  forgetSilentDevices(nowMs: number): void {
    for (const [device, reading] of this.readings) if (nowMs - reading.lastHeardMs > this.options.windowMs) this.readings.delete(device);
    for (const [device, heard] of this.heard) if (nowMs - heard.lastSeenMs > this.options.windowMs) this.heard.delete(device);
    for (const [id, values] of Object.entries(this.chart.series)) {
      // Members keep their line (the roster bounds them); a strap nobody wears loses it once it is all gaps.
      if (id.startsWith('device:') && values.every((value) => value === null)) delete this.chart.series[id];
    }
  }

  /** A gateway's devices list: what it hears, how well, and their batteries (bounded like the readings). */
  applyGatewayDevices(devices: readonly { id: string; rssiDbm?: number; batteryPercent?: number; lastSeenMs: number }[]): void {
    for (const device of devices) {
      const known = this.heard.get(device.id);
      if (known && known.lastSeenMs > device.lastSeenMs) continue; // another gateway heard it more recently
      if (!known && this.heard.size >= MAX_DEVICES_PER_CLUB) continue;
      this.heard.set(device.id, {
        rssiDbm: device.rssiDbm ?? null,
        batteryPercent: device.batteryPercent ?? null,
        lastSeenMs: device.lastSeenMs,
      });
    }
  }

  /**
   * Devices heard recently that nobody wears (the walk-in pairing screen): their heart rate now, signal,
   * battery, and since when they have been sending unpaired (where a late pairing can start).
   */
  nearby(worn: ReadonlySet<string>, registered: ReadonlySet<string>, nowMs: number): NearbyDevice[] {
    const ids = new Set([...this.readings.keys(), ...this.heard.keys()]);
    const devices: NearbyDevice[] = [];
    for (const id of ids) {
      if (worn.has(id)) continue;
      const reading = this.readings.get(id);
      const heard = this.heard.get(id);
      const lastSeenMs = Math.max(reading?.lastHeardMs ?? 0, heard?.lastSeenMs ?? 0);
      if (nowMs - lastSeenMs > this.options.staleAfterMs) continue;
      const live = reading && !reading.contactLost && nowMs - reading.lastSampleMs <= this.options.staleAfterMs;
      devices.push({
        id,
        heartRateBpm: live ? reading.heartRateBpm : null,
        rssiDbm: heard?.rssiDbm ?? null,
        batteryPercent: reading?.batteryPercent ?? heard?.batteryPercent ?? null,
        lastSeenMs,
        unpairedSinceMs: reading?.firstSampleMs ?? null,
        known: registered.has(id),
      });
    }
    // Strongest signal first: the strap on the person standing at the screen.
    return devices.sort((a, b) => (b.rssiDbm ?? -200) - (a.rssiDbm ?? -200) || a.id.localeCompare(b.id)).slice(0, 100);
  }

  /** Forgets devices entirely (their readings, what the gateways said of them, their chart lines), and a tile's line. */
  forget(devices: readonly string[], tile: string): void {
    delete this.chart.series[tile];
    for (const device of devices) {
      this.readings.delete(device);
      this.heard.delete(device);
      delete this.chart.series[`device:${device}`];
    }
  }

  /** The kind of sample a device sent last (besides battery), or null when it has not been heard. */
  kindHeard(device: string): string | null {
    return this.readings.get(device)?.lastKind ?? null;
  }

  get devicesHeld(): number {
    return this.readings.size;
  }

  private forgetLeastRecentDevice(): void {
    let oldest: [string, DeviceReading] | null = null;
    for (const entry of this.readings) if (!oldest || entry[1].lastHeardMs < oldest[1].lastHeardMs) oldest = entry;
    if (oldest) this.readings.delete(oldest[0]);
  }

  /**
   * Tiles: every member of the club (by their paired straps), then straps nobody is paired with (the most
   * recent, at most MAX_UNPAIRED_TILES). Zones by the club's model; calories and points of the running
   * session from `effort`.
   */
  tiles(athletes: readonly Athlete[], nowMs: number, club: TileContext = NO_SESSION): LiveAthlete[] {
    const pairedDevices = this.rosterRead(athletes);
    const tiles = athletes.map((athlete) => {
      const device = this.mostRecentDevice(athlete.devices);
      const effort = club.effortOf(athlete);
      return {
        ...this.tile(athlete.id, athlete.displayName ?? athlete.name, device, true, athlete, club.zoneModel, nowMs),
        screenName: screenNameOf(athlete),
        kcal: athlete.screenHideKcal ? null : effort.kcal,
        points: effort.points,
        metrics: this.metricsOf(athlete.devices, nowMs),
      };
    });
    const unpaired = [...this.readings.entries()]
      .filter(([device]) => !pairedDevices.has(device))
      .sort(([, a], [, b]) => b.lastHeardMs - a.lastHeardMs)
      .slice(0, MAX_UNPAIRED_TILES)
      .map(([device]) => device)
      .sort();
    for (const device of unpaired) {
      const name = `Unpaired strap ${device}`;
      tiles.push({
        ...this.tile(`device:${device}`, name, device, false, null, club.zoneModel, nowMs),
        screenName: name,
        kcal: null,
        points: null,
        metrics: this.metricsOf([device], nowMs),
      });
    }
    return tiles;
  }

  /** Appends one chart frame (one value per tile) and forgets frames older than the window. */
  appendFrame(tiles: readonly LiveAthlete[], nowMs: number): Record<string, number | null> {
    const frame: Record<string, number | null> = {};
    for (const tile of tiles) {
      if (!this.chart.series[tile.id]) this.chart.series[tile.id] = this.chart.t.map(() => null);
      frame[tile.id] = tile.state === 'live' ? tile.heartRateBpm : null;
    }
    this.chart.t.push(nowMs);
    for (const [id, values] of Object.entries(this.chart.series)) values.push(frame[id] ?? null);
    const keep = Math.ceil(this.options.windowMs / this.options.tickMs);
    if (this.chart.t.length > keep) {
      const drop = this.chart.t.length - keep;
      this.chart.t.splice(0, drop);
      for (const values of Object.values(this.chart.series)) values.splice(0, drop);
    }
    return frame;
  }

  chartSnapshot(): LiveChart {
    return { t: [...this.chart.t], series: Object.fromEntries(Object.entries(this.chart.series).map(([id, v]) => [id, [...v]])) };
  }

  hasRecentData(nowMs: number): boolean {
    for (const reading of this.readings.values()) if (nowMs - reading.lastHeardMs < this.options.windowMs) return true;
    return false;
  }

  /**
   * What follows from the roster, once per reading of it (the hub reads it again every few seconds, and
   * pushes tiles ten times a second): the devices someone wears, and walk-ins' lines moved to their wearers.
   */
  private rosterRead(athletes: readonly Athlete[]): ReadonlySet<string> {
    if (this.roster?.athletes !== athletes) {
      for (const athlete of athletes) this.moveLinesToWearer(athlete);
      this.roster = { athletes, paired: new Set(athletes.flatMap((athlete) => athlete.devices)) };
    }
    return this.roster.paired;
  }

  /**
   * A strap paired since it had a line of its own (a walk-in): its trace becomes its wearer's, where the
   * wearer's line has no value, and its own line ends.
   */
  private moveLinesToWearer(athlete: Athlete): void {
    for (const device of athlete.devices) {
      const own = this.chart.series[`device:${device}`];
      if (!own) continue;
      const wearer = this.chart.series[athlete.id];
      if (!wearer) this.chart.series[athlete.id] = own;
      else
        own.forEach((value, index) => {
          wearer[index] ??= value;
        });
      delete this.chart.series[`device:${device}`];
    }
  }

  /** The tile fields of plugin kinds the devices sent within the stale limit, freshest first per field. */
  private metricsOf(devices: readonly string[], nowMs: number): LiveMetric[] {
    const metrics = new Map<string, LiveMetric & { timeMs: number }>();
    for (const device of devices) {
      for (const [kind, latest] of this.readings.get(device)?.extensions ?? []) {
        const spec = extensionKind(kind)?.spec;
        if (!spec || nowMs - latest.timeMs > this.options.staleAfterMs) continue;
        for (const name of spec.tile) {
          const value = Object.hasOwn(latest.values, name) ? latest.values[name] : undefined;
          const field = spec.fields.find((candidate) => candidate.name === name)!;
          const key = `${kind}.${name}`;
          if (value === undefined || (metrics.get(key)?.timeMs ?? -1) >= latest.timeMs) continue;
          metrics.set(key, { kind, field: name, label: field.label, unit: field.unit, value, timeMs: latest.timeMs });
        }
      }
    }
    return [...metrics.values()].map(({ timeMs: _timeMs, ...metric }) => metric);
  }

  private mostRecentDevice(devices: readonly string[]): string | null {
    let best: string | null = null;
    for (const device of devices) {
      const reading = this.readings.get(device);
      if (reading && (best === null || reading.lastSampleMs > this.readings.get(best)!.lastSampleMs)) best = device;
    }
    return best ?? devices[0] ?? null;
  }

  private tile(
    id: string,
    name: string,
    device: string | null,
    paired: boolean,
    athlete: Athlete | null,
    zoneModel: ZoneModel,
    nowMs: number,
  ): Omit<LiveAthlete, 'screenName' | 'kcal' | 'points' | 'metrics'> {
    const reading = device ? this.readings.get(device) : undefined;
    const state: LiveAthlete['state'] =
      !reading || reading.lastSampleMs === 0
        ? 'waiting'
        : nowMs - reading.lastSampleMs > this.options.staleAfterMs
          ? 'stale'
          : reading.contactLost
            ? 'contact-lost'
            : 'live';
    const bpm = state === 'live' ? reading!.heartRateBpm : null;
    const maxHrBpm = athlete?.maxHrBpm ?? null;
    const zoneOn = bpm !== null && athlete ? zonePercent(bpm, athlete, zoneModel) : null;
    return {
      id,
      name,
      device,
      paired,
      heartRateBpm: bpm,
      percentOfMax: bpm !== null && maxHrBpm ? percentOfMax(bpm, maxHrBpm) : null,
      zone: zoneOn === null ? null : zoneForPercent(zoneOn),
      lastSampleMs: reading?.lastSampleMs || null,
      sinceLastSampleS: reading?.lastSampleMs ? Math.max(0, Math.floor((nowMs - reading.lastSampleMs) / 1000)) : null,
      batteryPercent: reading?.batteryPercent ?? null,
      state,
    };
  }
}
