import { join } from 'node:path';
import type { Logger } from 'pino';
import type { GatewayService } from '../../gateway/gateway-service.ts';
import type { SimulatedMoment } from '../../protocol/device-kit/device-profile.ts';
import { type InstalledProfiles, isSimulatable } from '../../protocol/device-kit/installed-profiles.ts';
import { normalizeUuid } from '../../protocol/gatt/uuids.ts';
import type { Scenario, ScenarioAthlete, ScenarioFault, ScenarioStatus, SimulatorFault } from '../../protocol/scenario.ts';
import { type ClassScript, hiitClass, workloadAt } from '../../sport-science/class-plans.ts';
import { startEmulatedGateway } from '../emulated-ble/emulated-gateway.ts';
import { EmulatedRoom } from '../emulated-ble/emulated-room.ts';
import { Random } from '../random.ts';
import { VirtualAthlete } from '../virtual-athlete.ts';
import { BrokerLink, brokerAddressOf } from './broker-link.ts';
import { ScenarioError } from './scenario-file.ts';
import { createVirtualDevice, type VirtualDevice } from './virtual-device.ts';

/** Devices the page may add while a scenario runs, beyond the scenario's own. */
export const MAX_ADDED_DEVICES = 20;
const EVENTS_KEPT = 50;

/** A scenario athlete as a club registers them: an id of their name, and the devices they wear. */
export interface EnrolledAthlete {
  id: string;
  name: string;
  restHrBpm: number;
  maxHrBpm: number;
  devices: { id: string; profile: string }[];
}

export interface ScenarioRunOptions {
  /** The scenario's file name without extension, or "custom". */
  id: string;
  scenario: Scenario;
  profiles: InstalledProfiles;
  /** The broker, with this gateway's credentials in it. */
  brokerUrl: string;
  club: string;
  gateway: string;
  /** Where the gateway keeps its outbox. */
  dataDir: string;
  logger: Logger;
  /** Called whenever devices are added (at start, and by addDevice): the demo club registers and pairs them. */
  onEnrol?: (athletes: EnrolledAthlete[]) => void;
  tickMs?: number;
}

interface PlayedAthlete {
  spec: ScenarioAthlete;
  id: string;
  body: VirtualAthlete;
  devices: VirtualDevice[];
  contactLostUntilS: number;
  outOfRangeUntilS: number;
  rrIntervalsMs: number[];
}

/** Lower-case letters, digits and "-" of a name: "Chloé Martin" → "chloe-martin". */
export function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 40);
}

function scriptOf(scenario: Scenario): ClassScript {
  if (scenario.plan === 'hiit') return hiitClass();
  return {
    name: scenario.name,
    phases: scenario.plan.map((phase) => ({
      name: phase.name,
      durationS: phase.durationS,
      startIntensity: phase.intensity,
      endIntensity: phase.to ?? phase.intensity,
    })),
  };
}

const clock = (seconds: number) => new Date(Math.floor(seconds) * 1000).toISOString().slice(11, 19);

/**
 * Plays a scenario: its athletes' wearables as virtual peripherals in an emulated room, each notifying what
 * its profile's simulator encodes, held by the real gateway code over real noble and published through a
 * relay to the broker that the gateway_offline fault cuts. Scenario time runs `speed` times faster than
 * the clock; samples are stamped by the gateway, in real time.
 */
export class ScenarioRun {
  private readonly room = new EmulatedRoom();
  private readonly random: Random;
  /** The seeded draws every simulator makes, one function for all. */
  private readonly nextRandom = () => this.random.next();
  private readonly script: ClassScript;
  private readonly athletes: PlayedAthlete[] = [];
  private readonly pending: ScenarioFault[];
  private readonly events: string[] = [];
  private gateway: GatewayService | null = null;
  private link: BrokerLink | null = null;
  private timer: NodeJS.Timeout | null = null;
  private elapsedS = 0;
  private offlineUntilS = 0;
  private addedDevices = 0;
  private finished!: () => void;
  /** Resolves when the scenario's duration is played or stop() is called. */
  readonly done = new Promise<void>((resolve) => (this.finished = resolve));

  constructor(private readonly options: ScenarioRunOptions) {
    const { scenario } = options;
    this.random = new Random(scenario.seed);
    this.script = scriptOf(scenario);
    this.pending = [...scenario.faults].sort((a, b) => a.atS - b.atS);
    // Every profile is checked before anything starts: a typo fails the start, not the demo.
    for (const athlete of scenario.athletes) for (const device of athlete.devices) this.simulatedProfile(device.profile);
    if (scenario.faults.some((fault) => fault.type === 'gateway_offline') && !brokerAddressOf(options.brokerUrl))
      throw new ScenarioError('the gateway reaches its broker over TLS here: a gateway_offline fault cannot cut its link');
  }

  async start(): Promise<void> {
    const { scenario, logger } = this.options;
    for (const spec of scenario.athletes) this.addAthlete(spec);
    const deviceCount = this.athletes.reduce((total, athlete) => total + athlete.devices.length, 0);
    const broker = brokerAddressOf(this.options.brokerUrl);
    this.link = broker ? new BrokerLink(broker) : null;
    const gatewayUrl = this.link ? await this.link.start(this.options.brokerUrl) : this.options.brokerUrl;
    this.enrol();
    this.gateway = await startEmulatedGateway({
      room: this.room,
      devices: deviceCount + MAX_ADDED_DEVICES,
      club: this.options.club,
      gateway: this.options.gateway,
      brokerUrl: gatewayUrl,
      dataDir: join(this.options.dataDir, 'scenario-gateway'),
      logger: logger.child({ module: 'scenario-gateway' }),
      profiles: this.options.profiles,
    });
    this.note(`started "${scenario.name}" with ${this.athletes.length} athletes and ${deviceCount} devices at ${scenario.speed}× speed`);
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 1000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.gateway?.stop();
    this.gateway = null;
    await this.link?.stop();
    this.finished();
  }

  /** A virtual device of any installed profile, worn by an athlete of the scenario (or by nobody: an unpaired tile). */
  addDevice(request: { profile: string; athlete?: string }): string {
    if (this.addedDevices >= MAX_ADDED_DEVICES)
      throw new ScenarioError(`at most ${MAX_ADDED_DEVICES} devices can be added to a running scenario`);
    this.simulatedProfile(request.profile);
    let athlete = request.athlete ? this.athletes.find((candidate) => candidate.spec.name === request.athlete) : undefined;
    if (request.athlete && !athlete) throw new ScenarioError(`no athlete "${request.athlete}" in this scenario`);
    if (!athlete) {
      // Nobody wears it: a walk-in with a new device, shown as an unpaired tile until someone pairs it.
      athlete = this.addAthlete(
        { name: `Walk-in ${this.addedDevices + 1}`, restHrBpm: 62, maxHrBpm: 188, effort: 0.8, devices: [] },
        false,
      );
    }
    const device = this.addWearable(athlete, request.profile, undefined);
    this.addedDevices++;
    if (request.athlete) this.enrol();
    this.note(`added a ${request.profile} device ${device.id}${request.athlete ? ` worn by ${request.athlete}` : ''}`);
    return device.id;
  }

  /** Injects a fault now (the page's buttons); its times are scenario seconds. */
  inject(fault: SimulatorFault): void {
    this.apply({ ...fault, atS: this.elapsedS } as ScenarioFault);
  }

  status(): ScenarioStatus {
    return {
      id: this.options.id,
      name: this.options.scenario.name,
      speed: this.options.scenario.speed,
      elapsedS: Math.round(this.elapsedS),
      phase: workloadAt(this.script, this.elapsedS).phase,
      gatewayOnline: !this.link?.offline,
      athletes: this.athletes.map((athlete) => ({
        name: athlete.spec.name,
        heartRateBpm: Math.round(athlete.body.heartRateBpm),
        contact: this.elapsedS >= athlete.contactLostUntilS,
        devices: athlete.devices.map((device) => ({
          id: device.id,
          profile: device.profile,
          inRange: device.peripheral.inRange,
          batteryPercent: Math.floor(device.batteryPercent),
        })),
      })),
      events: [...this.events],
    };
  }

  private simulatedProfile(name: string) {
    const profile = this.options.profiles.find(name);
    if (!profile) throw new ScenarioError(`profile "${name}" is not installed (sport-connect profiles lists them)`);
    if (!isSimulatable(profile))
      throw new ScenarioError(
        profile.manifest.primary
          ? `profile "${name}" has no simulator: it cannot be played without hardware`
          : `profile "${name}" is not a wearable of its own (every virtual device has a battery)`,
      );
    return profile;
  }

  private addAthlete(spec: ScenarioAthlete, enrolled = true): PlayedAthlete {
    const index = this.athletes.length;
    // Scenario athletes have ids of their own ("sim-giulia"): a demo never writes over a real member.
    const id = `sim-${slugOf(spec.name) || `athlete-${index + 1}`}`.slice(0, 48);
    const body = new VirtualAthlete(
      {
        id,
        name: spec.name,
        restHrBpm: spec.restHrBpm,
        maxHrBpm: spec.maxHrBpm,
        deviceId: id,
        effort: spec.effort,
        lagS: this.random.integer(0, 8),
        sex: 'female',
        ageYears: 35,
        weightKg: 70,
      },
      this.random.fork(),
      // Faults come from the scenario, not at random.
      { contactLossPerHour: 0, dropoutPerHour: 0 },
    );
    const athlete: PlayedAthlete = {
      spec,
      id: enrolled ? id : '',
      body,
      devices: [],
      contactLostUntilS: 0,
      outOfRangeUntilS: 0,
      rrIntervalsMs: [],
    };
    this.athletes.push(athlete);
    for (const device of spec.devices) this.addWearable(athlete, device.profile, device.id);
    return athlete;
  }

  private addWearable(athlete: PlayedAthlete, profileName: string, id: string | undefined): VirtualDevice {
    const taken = new Set(this.athletes.flatMap((candidate) => candidate.devices.map((device) => device.id)));
    let deviceId = id ?? `${athlete.id || `sim-${slugOf(athlete.spec.name) || 'device'}`}-${profileName}`.slice(0, 60);
    for (let n = 2; taken.has(deviceId); n++) deviceId = `${deviceId.replace(/-\d+$/, '')}-${n}`;
    const device = createVirtualDevice({
      id: deviceId,
      localName: `${profileName} ${athlete.spec.name}`.slice(0, 29),
      profile: this.simulatedProfile(profileName),
      batteryPercent: this.random.integer(40, 100),
      momentOf: () => this.momentOf(athlete, device),
    });
    athlete.devices.push(device);
    this.room.add(device.peripheral);
    return device;
  }

  private enrol(): void {
    this.options.onEnrol?.(
      this.athletes
        .filter((athlete) => athlete.id !== '')
        .map((athlete) => ({
          id: athlete.id,
          name: athlete.spec.name,
          restHrBpm: athlete.spec.restHrBpm,
          maxHrBpm: athlete.spec.maxHrBpm,
          devices: athlete.devices.map((device) => ({ id: device.id, profile: device.profile })),
        })),
    );
  }

  /** What a device read now answers from (between ticks). */
  private momentOf(athlete: PlayedAthlete, device: VirtualDevice): SimulatedMoment {
    return { ...this.athleteMoment(athlete, Date.now(), this.workloadOf(athlete)), batteryPercent: device.batteryPercent };
  }

  /** The plan's workload for an athlete now (they lag the coach's cues a little). */
  private workloadOf(athlete: PlayedAthlete): number {
    return workloadAt(this.script, this.elapsedS - athlete.body.member.lagS).intensity;
  }

  /** What an athlete is doing now, for all their devices (each adds its own battery). */
  private athleteMoment(athlete: PlayedAthlete, timeMs: number, workload: number): SimulatedMoment {
    return {
      timeMs,
      elapsedS: this.elapsedS,
      intensity: Math.min(1, workload * athlete.spec.effort),
      heartRateBpm: athlete.body.heartRateBpm,
      restHrBpm: athlete.spec.restHrBpm,
      maxHrBpm: athlete.spec.maxHrBpm,
      contact: this.elapsedS >= athlete.contactLostUntilS,
      batteryPercent: 100,
      rrIntervalsMs: athlete.rrIntervalsMs,
      random: this.nextRandom,
    };
  }

  private tick(): void {
    const { scenario } = this.options;
    const stepS = scenario.speed * ((this.options.tickMs ?? 1000) / 1000);
    this.elapsedS += stepS;
    const nowMs = Date.now();
    while (this.pending.length > 0 && this.pending[0]!.atS <= this.elapsedS) {
      const fault = this.pending.shift()!;
      try {
        this.apply(fault);
      } catch (error) {
        this.note(`could not inject ${fault.type}: ${(error as Error).message}`);
      }
    }
    this.endFaults();
    for (const athlete of this.athletes) {
      const workload = this.workloadOf(athlete);
      const samples = athlete.body.tick(nowMs, workload, stepS);
      const heart = samples.find((sample) => sample.kind === 'heart_rate');
      athlete.rrIntervalsMs = heart?.kind === 'heart_rate' ? (heart.values.rrIntervalsMs ?? []) : [];
      const moment = this.athleteMoment(athlete, nowMs, workload);
      for (const device of athlete.devices) this.notify(device, { ...moment, batteryPercent: device.batteryPercent });
    }
    if (scenario.durationS > 0 && this.elapsedS >= scenario.durationS) {
      this.note(`played ${clock(scenario.durationS)} of the scenario`);
      void this.stop();
    }
  }

  /** A plugin's simulator may throw: that device skips this second, the scenario goes on. */
  private notify(device: VirtualDevice, moment: SimulatedMoment): void {
    if (!device.peripheral.inRange) return;
    try {
      for (const { characteristic, bytes } of device.simulator.notify(moment))
        device.peripheral.notify(normalizeUuid(characteristic), bytes);
    } catch (error) {
      this.options.logger.warn({ err: error, device: device.id }, 'a device simulator failed; that second is skipped');
    }
  }

  private apply(fault: ScenarioFault): void {
    const athlete = 'athlete' in fault ? this.athletes.find((candidate) => candidate.spec.name === fault.athlete) : undefined;
    if ('athlete' in fault && !athlete) throw new ScenarioError(`no athlete "${fault.athlete}" in this scenario`);
    switch (fault.type) {
      case 'dropout':
        athlete!.outOfRangeUntilS = fault.atS + fault.durationS;
        for (const device of athlete!.devices) this.room.walkOut(device.id);
        this.note(`dropout: ${fault.athlete}'s devices out of range for ${fault.durationS} s`);
        break;
      case 'contact_loss':
        athlete!.contactLostUntilS = fault.atS + fault.durationS;
        this.note(`contact loss: ${fault.athlete}'s sensors off the skin for ${fault.durationS} s`);
        break;
      case 'low_battery':
        for (const device of athlete!.devices) device.batteryPercent = fault.batteryPercent;
        this.note(`low battery: ${fault.athlete}'s devices at ${fault.batteryPercent} %`);
        break;
      case 'gateway_offline':
        if (!this.link) throw new ScenarioError('the gateway reaches its broker over TLS here: its link cannot be cut');
        this.offlineUntilS = fault.atS + fault.durationS;
        this.link.goOffline();
        this.note(`gateway offline: the broker is unreachable for ${fault.durationS} s`);
        break;
    }
  }

  private endFaults(): void {
    for (const athlete of this.athletes) {
      if (athlete.outOfRangeUntilS > 0 && this.elapsedS >= athlete.outOfRangeUntilS) {
        athlete.outOfRangeUntilS = 0;
        for (const device of athlete.devices) this.room.walkIn(device.id);
        this.note(`${athlete.spec.name}'s devices are back in range`);
      }
    }
    if (this.link?.offline && this.elapsedS >= this.offlineUntilS) {
      this.link.restore();
      this.note('gateway online again: it sends what it kept');
    }
  }

  private note(event: string): void {
    this.events.push(`${clock(this.elapsedS)} ${event}`);
    if (this.events.length > EVENTS_KEPT) this.events.shift();
    this.options.logger.info({ scenario: this.options.id, elapsedS: Math.round(this.elapsedS) }, event);
  }
}
