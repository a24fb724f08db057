import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Athlete, LiveChart, LiveUpdate } from '../../protocol/api.ts';
import { parseDevicesMessage } from '../../protocol/mqtt/gateway-state.ts';
import type { Sample } from '../../protocol/mqtt/telemetry.ts';
import { buildChannelFilter, parseTopic } from '../../protocol/mqtt/topics.ts';
import { validateTelemetry } from '../../protocol/mqtt/validate-telemetry.ts';
import type { NearbyDevice, Session } from '../../protocol/roster.ts';
import { CLASS_PLANS, planPhaseAt } from '../../sport-science/class-plans.ts';
import type { ZoneModel } from '../../sport-science/heart-rate-zones.ts';
import type { ClubSessions } from '../../store/club-sessions.ts';
import type { Registry } from '../../store/registry.ts';
import { ClubLiveState } from './club-live-state.ts';
import { SessionEffort } from './session-effort.ts';

/** A club as the tiles see it: its roster (by device too), zone model and running session. */
interface ClubView {
  athletes: Athlete[];
  byDevice: Map<string, Athlete>;
  zoneModel: ZoneModel;
  session: Session | null;
  readMs: number;
}

export interface LiveFrame {
  update: LiveUpdate;
  /** The second's chart column (heart rate per tile id); null in the pushes between seconds, which only repaint tiles. */
  frame: Record<string, number | null> | null;
}

export type LiveListener = (frame: LiveFrame) => void;

export interface LiveHubOptions {
  brokerUrl: string;
  registry: Registry;
  /** The clubs' running sessions (their clock, plan phase, and the calories and points since they started). */
  sessions?: Pick<ClubSessions, 'runningSession'>;
  logger: Logger;
  staleAfterMs: number;
  windowMs: number;
  tickMs?: number;
  /** Tiles are pushed when a sample changes them, at most once per this many ms per club (the chart keeps its column per tick). */
  pushMs?: number;
  /**
   * false: telemetry is handed over by applyTelemetry (ingest in the same process, `up`) instead of
   * read from a subscription of the hub's own; the gateways' devices lists still are.
   */
  subscribeToTelemetry?: boolean;
  /** How long the list of a club's members is cached between registry reads. */
  rosterTtlMs?: number;
}

/**
 * The live fan-out: its own MQTT subscription (QoS 0, no batching in the way), one state per club. A
 * sample reaches open streams as a tile update at once, or when the club's last push is pushMs old
 * (a busy club's samples coalesce into ten pushes a second, not one per message); once a second a
 * frame adds the chart's column. Live data is a view; the store is the record.
 */
export class LiveHub {
  private client: MqttClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly clubs = new Map<string, ClubLiveState>();
  private readonly listeners = new Map<string, Set<LiveListener>>();
  private readonly views = new Map<string, ClubView>();
  /** Whether the last roster read failed (logged once per outage, not once per message). */
  private rosterUnreadable = false;
  private readonly efforts = new Map<string, SessionEffort>();
  private readonly log: Logger;
  private readonly tickMs: number;
  private readonly pushMs: number;
  private readonly lastPushMs = new Map<string, number>();
  private readonly pushTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly options: LiveHubOptions) {
    this.log = options.logger.child({ module: 'live' });
    this.tickMs = options.tickMs ?? 1000;
    this.pushMs = options.pushMs ?? 100;
  }

  /** Whether its broker subscription is up (the live view pauses while it is not). */
  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  async start(): Promise<void> {
    const client = mqtt.connect(this.options.brokerUrl, {
      // Starts with the service's user name, as the broker requires; unique per process.
      clientId: `${decodeURIComponent(new URL(this.options.brokerUrl).username) || 'sc-api'}-live-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
      reconnectPeriod: 1000,
    });
    this.client = client;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    // Reconnect attempts fail once a second while the broker is away; the live view just pauses.
    client.on('error', (error) => this.log.debug({ err: error }, 'mqtt error'));
    client.on('offline', () => this.log.warn('broker unreachable; the live view pauses until it returns'));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () =>
        // Telemetry for the tiles; the gateways' devices lists for signal strengths on the pairing screen.
        client.subscribe(
          this.options.subscribeToTelemetry === false
            ? [buildChannelFilter('devices')]
            : [buildChannelFilter('telemetry'), buildChannelFilter('devices')],
          { qos: 0 },
          (error) => (error ? reject(error) : resolve()),
        ),
      );
    });
    this.timer = setInterval(() => this.tick(Date.now()), this.tickMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const timer of this.pushTimers.values()) clearTimeout(timer);
    this.pushTimers.clear();
    await this.client?.endAsync();
    this.client = null;
  }

  /** Registers a stream's listener (called once per tick with the club's frame); returns its unsubscribe. */
  subscribe(club: string, listener: LiveListener): () => void {
    const set = this.listeners.get(club) ?? new Set<LiveListener>();
    this.listeners.set(club, set);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(club);
    };
  }

  /** The current tiles and the chart so far, so a page draws at once. */
  snapshot(club: string): { update: LiveUpdate; chart: LiveChart } {
    const nowMs = Date.now();
    const state = this.stateOf(club);
    return { update: this.updateOf(club, state, nowMs), chart: state.chartSnapshot() };
  }

  /** What kind of samples a device of the club sent last (the walk-in pairing registers it as that). */
  kindHeard(club: string, device: string): string | null {
    return this.clubs.get(club)?.kindHeard(device) ?? null;
  }

  /** Forgets what the live view holds of an erased athlete: their devices' readings and their session totals. */
  forget(club: string, devices: readonly string[], athlete: string): void {
    this.clubs.get(club)?.forget(devices, athlete);
    this.efforts.get(club)?.forgetAthlete(athlete);
    this.views.delete(club);
  }

  /** Devices heard that nobody wears, for the walk-in pairing screen (api/routes/pairing-routes.ts). */
  nearby(club: string, worn: ReadonlySet<string>, registered: ReadonlySet<string>): NearbyDevice[] {
    return this.clubs.get(club)?.nearby(worn, registered, Date.now()) ?? [];
  }

  private onMessage(topic: string, payload: Buffer): void {
    const where = parseTopic(topic);
    if (where?.channel === 'devices') {
      this.onDevices(where.club, payload);
      return;
    }
    // Invalid messages are ingest's to dead-letter; the live view simply does not show them.
    const validation = validateTelemetry(topic, payload, Date.now());
    if (validation.ok) this.applyTelemetry(validation.topic.club, validation.message.samples);
  }

  /** A valid telemetry message's samples, into the club's tiles. */
  applyTelemetry(club: string, samples: readonly Sample[]): void {
    const state = this.stateOf(club);
    const view = this.viewOf(club, Date.now());
    const effort = this.effortOf(club, view);
    for (const sample of samples) {
      state.applySample(sample);
      if (sample.kind !== 'heart_rate') continue;
      const athlete = view.byDevice.get(sample.device);
      if (athlete)
        effort.add(
          athlete,
          sample.timeMs,
          sample.values.sensorContact === 'not-detected' ? null : sample.values.heartRateBpm,
          view.zoneModel,
        );
    }
    this.pushSoon(club);
  }

  /** Schedules a tile push for a watched club: next turn of the event loop, or when its last push is pushMs old. */
  private pushSoon(club: string): void {
    if (!this.listeners.get(club)?.size || this.pushTimers.has(club)) return;
    const waitMs = Math.max(0, (this.lastPushMs.get(club) ?? 0) + this.pushMs - Date.now());
    this.pushTimers.set(
      club,
      setTimeout(() => {
        this.pushTimers.delete(club);
        this.pushTiles(club, Date.now());
      }, waitMs),
    );
  }

  private pushTiles(club: string, nowMs: number): void {
    const state = this.clubs.get(club);
    const listeners = this.listeners.get(club);
    if (!state || !listeners?.size) return;
    this.lastPushMs.set(club, nowMs);
    const message: LiveFrame = { update: this.updateOf(club, state, nowMs), frame: null };
    for (const listener of listeners) listener(message);
  }

  private onDevices(club: string, payload: Buffer): void {
    const message = parseDevicesMessage(payload);
    if (message) this.stateOf(club).applyGatewayDevices(message.devices);
  }

  private tick(nowMs: number): void {
    for (const [club, state] of this.clubs) {
      const listeners = this.listeners.get(club);
      state.forgetSilentDevices(nowMs);
      if (!state.hasRecentData(nowMs) && !listeners?.size) {
        // Nobody watches and nothing was heard for a whole window: forget the club until it speaks again.
        this.clubs.delete(club);
        this.views.delete(club);
        this.efforts.delete(club);
        this.lastPushMs.delete(club);
        continue;
      }
      const update = this.updateOf(club, state, nowMs);
      const frame = state.appendFrame(update.athletes, nowMs);
      if (!listeners?.size) continue;
      // The second's frame does not count against the tiles' pushes: a sample just after it still goes at once.
      const message: LiveFrame = { update, frame };
      for (const listener of listeners) listener(message);
    }
  }

  /** Clubs whose live state is held (for tests and /metrics). */
  get clubsHeld(): number {
    return this.clubs.size;
  }

  private stateOf(club: string): ClubLiveState {
    let state = this.clubs.get(club);
    if (!state) {
      state = new ClubLiveState({ staleAfterMs: this.options.staleAfterMs, windowMs: this.options.windowMs, tickMs: this.tickMs });
      this.clubs.set(club, state);
    }
    return state;
  }

  /**
   * What the tiles need of the registry, read again every few seconds (rosterTtlMs). While the registry
   * does not answer (its PostgreSQL away), the tiles go on with the roster read last (tried again on the
   * next read), or none yet: devices shown without names.
   */
  private viewOf(club: string, nowMs: number): ClubView {
    const cached = this.views.get(club);
    if (cached && nowMs - cached.readMs < (this.options.rosterTtlMs ?? 5000)) return cached;
    let view: ClubView;
    try {
      const athletes = this.options.registry.listAthletes(club, nowMs);
      view = {
        athletes,
        byDevice: new Map(athletes.flatMap((athlete) => athlete.devices.map((device) => [device, athlete] as const))),
        zoneModel: this.options.registry.clubSettings(club)?.zoneModel ?? 'percent-max',
        session: this.options.sessions?.runningSession(club) ?? null,
        readMs: nowMs,
      };
      if (this.rosterUnreadable) this.log.info('roster readable again');
      this.rosterUnreadable = false;
    } catch (error) {
      if (!this.rosterUnreadable) this.log.warn({ err: error, club }, 'roster unreadable: the live view goes on with the one read last');
      this.rosterUnreadable = true;
      view = { ...(cached ?? { athletes: [], byDevice: new Map(), zoneModel: 'percent-max', session: null }), readMs: nowMs };
    }
    this.views.set(club, view);
    return view;
  }

  private effortOf(club: string, view: ClubView): SessionEffort {
    let effort = this.efforts.get(club);
    if (!effort) {
      effort = new SessionEffort();
      this.efforts.set(club, effort);
    }
    effort.follow(view.session);
    return effort;
  }

  private updateOf(club: string, state: ClubLiveState, nowMs: number): LiveUpdate {
    const view = this.viewOf(club, nowMs);
    const effort = this.effortOf(club, view);
    const athletes = state.tiles(view.athletes, nowMs, {
      zoneModel: view.zoneModel,
      effortOf: (athlete) => effort.of(athlete, view.zoneModel),
    });
    const session = view.session;
    const phase = session?.plan ? planPhaseAt(CLASS_PLANS[session.plan], nowMs - session.startMs) : null;
    return {
      club,
      serverTimeMs: nowMs,
      athletes,
      session: session && {
        id: session.id,
        title: session.title,
        startMs: session.startMs,
        plan: session.plan,
        phase: phase?.phase ?? null,
        phaseRemainingS: phase?.remainingS ?? null,
      },
    };
  }
}
