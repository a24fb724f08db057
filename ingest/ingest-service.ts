import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Registry as MetricsRegistry } from 'prom-client';
import { parseDevicesMessage } from '../protocol/mqtt/gateway-state.ts';
import type { TelemetryMessage } from '../protocol/mqtt/telemetry.ts';
import { buildChannelFilter, type GatewayTopic } from '../protocol/mqtt/topics.ts';
import { validateTelemetry } from '../protocol/mqtt/validate-telemetry.ts';
import type { SqliteDatabase } from '../store/database.ts';
import type { DeadLetters } from '../store/dead-letters.ts';
import { IngestQueue } from '../store/ingest-queue.ts';
import { IngestSubscriptions } from '../store/ingest-subscriptions.ts';
import type { Registry } from '../store/registry.ts';
import { toStoredFields } from '../store/sample-fields.ts';
import type { StoredPoint, TimeSeriesStore } from '../store/time-series-store.ts';
import { AcknowledgementHold } from './acknowledgement-hold.ts';
import { BatchWriter } from './batch-writer.ts';
import type { IngestConfig } from './config.ts';
import { createIngestMetrics, type IngestMetrics } from './ingest-metrics.ts';
import { SequenceTracker } from './sequence-tracker.ts';
import { TelemetryWatch } from './telemetry-watch.ts';

export interface IngestDeps {
  db: SqliteDatabase;
  registry: Registry;
  timeSeries: TimeSeriesStore;
  deadLetters: DeadLetters;
  metricsRegistry: MetricsRegistry;
  logger: Logger;
  now?: () => number;
}

export type IngestServiceConfig = Pick<
  IngestConfig,
  'MQTT_URL' | 'INGEST_CLIENT_ID' | 'INGEST_BATCH_SIZE' | 'INGEST_FLUSH_INTERVAL' | 'INGEST_QUEUE_MAX_POINTS'
> &
  Partial<Pick<IngestConfig, 'INGEST_KEEPALIVE' | 'INGEST_STALL_AFTER'>>;

const DEFAULT_KEEPALIVE_S = 30;
const DEAD_LETTER_PRUNE_EVERY_MS = 3_600_000;
/** How long ingest trusts its copy of a club's erased stretches before reading them again. */
const ERASED_TTL_MS = 5000;

/** What the persistent session subscribes to: every club's telemetry, QoS 1. */
const SESSION_FILTERS = [buildChannelFilter('telemetry')];
const DEFAULT_STALL_AFTER_MS = 300_000;

export interface IngestHealth {
  status: 'ok' | 'disconnected' | 'stalled';
  queuedPoints: number;
  queueFull: boolean;
  secondsSinceTelemetry: number | null;
}

/**
 * MQTT → store. Each telemetry message is validated, attributed to athletes, committed to the durable
 * ingest queue and only then acknowledged (PUBACK from handleMessage); the batch writer moves queued
 * points into the store. MQTT.js hands over the next message only after the previous one is
 * acknowledged, so batching across messages happens behind the queue, never by holding acknowledgements.
 */
export class IngestService {
  readonly metrics: IngestMetrics;
  readonly queue: IngestQueue;
  readonly deadLetters: DeadLetters;
  readonly writer: BatchWriter;
  private client: MqttClient | null = null;
  private watcher: MqttClient | null = null;
  private readonly subscriptions: IngestSubscriptions;
  private hold: AcknowledgementHold | null = null;
  private readonly sequences = new SequenceTracker();
  private readonly watch: TelemetryWatch;
  private stallTimer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private stalled = false;
  private readonly log: Logger;
  private readonly now: () => number;
  private queueFullSince: number | null = null;
  private stopping = false;

  constructor(
    private readonly config: IngestServiceConfig,
    private readonly deps: IngestDeps,
  ) {
    this.log = deps.logger.child({ module: 'ingest' });
    this.now = deps.now ?? Date.now;
    this.queue = new IngestQueue(deps.db);
    this.subscriptions = new IngestSubscriptions(deps.db);
    this.deadLetters = deps.deadLetters;
    this.watch = new TelemetryWatch(config.INGEST_STALL_AFTER ?? DEFAULT_STALL_AFTER_MS);
    this.metrics = createIngestMetrics(deps.metricsRegistry, {
      oldestQueuedMs: () => this.queue.depth().oldestEnqueuedMs,
      missingSequences: () => this.sequences.missingCount(),
      telemetryStalled: () => this.watch.isStalled(this.now()),
      secondsSinceTelemetry: () => this.watch.secondsSinceTelemetry(this.now()),
    });
    this.writer = new BatchWriter({
      queue: this.queue,
      store: deps.timeSeries,
      deadLetters: deps.deadLetters,
      metrics: this.metrics,
      logger: this.log,
      batchSize: config.INGEST_BATCH_SIZE,
      flushIntervalMs: config.INGEST_FLUSH_INTERVAL,
      onQueueShrunk: () => this.hold?.resumeIfRoom(),
      keep: (point) => !this.wasErased(point),
    });
  }

  /** Connects with a persistent session and resolves once the telemetry subscription is in place. */
  async start(): Promise<void> {
    const keepaliveS = this.config.INGEST_KEEPALIVE ?? DEFAULT_KEEPALIVE_S;
    const client = mqtt.connect(this.config.MQTT_URL, {
      clientId: this.config.INGEST_CLIENT_ID,
      clean: false, // the broker keeps our subscription and unacknowledged QoS 1 messages while we are away
      keepalive: keepaliveS,
      reconnectPeriod: 1000,
      // MQTT.js resubscribes only what this process subscribed; onConnect decides on every CONNACK instead.
      resubscribe: false,
    });
    this.watcher = this.watchGateways(keepaliveS);
    this.client = client;
    this.hold = new AcknowledgementHold(client, () => this.hasRoom(), { keepaliveS });
    client.handleMessage = (packet, done) => this.handlePublish(packet, done);
    // Reconnect attempts fail once a second while the broker is away: one 'offline' line says it.
    client.on('error', (error) => {
      // A CONNACK refusal (a number: 4 bad login, 5 not authorised) will not fix itself by retrying.
      if (typeof (error as { code?: unknown }).code === 'number')
        this.log.error({ err: error }, 'the broker refused our login: check MQTT_URL and INGEST_CLIENT_ID');
      else this.log.debug({ err: error }, 'mqtt error');
    });
    client.on('offline', () => this.log.warn('broker unreachable; unacknowledged messages stay with the broker'));
    client.on('close', () => {
      // A held message belongs to the connection that delivered it: the broker redelivers it on the next.
      this.hold?.release();
      this.watch.onDisconnected();
    });
    await new Promise<void>((resolve, reject) => {
      client.on('connect', (connack) => this.onConnect(client, connack.sessionPresent, { resolve, reject }));
    });
    const stallAfterMs = this.config.INGEST_STALL_AFTER ?? DEFAULT_STALL_AFTER_MS;
    this.stallTimer = setInterval(() => this.checkStall(), Math.min(10_000, stallAfterMs / 2));
    // Retention of the dead letters holds on a quiet installation too, not only when letters keep coming.
    this.pruneTimer = setInterval(() => this.deadLetters.prune(), DEAD_LETTER_PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    this.log.info({ broker: withoutPassword(this.config.MQTT_URL), clientId: this.config.INGEST_CLIENT_ID }, 'ingest subscribed');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.stallTimer) clearInterval(this.stallTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.stallTimer = null;
    this.hold?.release();
    await this.watcher?.endAsync();
    this.watcher = null;
    await this.client?.endAsync();
    this.client = null;
    await this.writer.stop();
  }

  /** For /health: disconnected and stalled are the states an orchestrator or an operator acts on. */
  health(): IngestHealth {
    const nowMs = this.now();
    const status = !this.client?.connected ? 'disconnected' : this.watch.isStalled(nowMs) ? 'stalled' : 'ok';
    return {
      status,
      queuedPoints: this.writer.queuedPoints,
      queueFull: this.queueFullSince !== null,
      secondsSinceTelemetry: this.watch.secondsSinceTelemetry(nowMs),
    };
  }

  /**
   * Subscribes on a CONNACK unless the session is known to hold our subscription. Without a session (a
   * broker that restarted without persistence) nothing is held, whatever this process subscribed before
   * (MQTT.js resubscribes only those). With one, the SUBACK record says whether it is ours: a session
   * whose SUBSCRIBE never completed is present too. Re-subscribing a session that has it is avoided: on
   * the embedded aedes with Redis it let live messages overtake the queued backlog, whose older
   * messages aedes's duplicate check then dropped (seen in the broker-restart scenario).
   */
  private onConnect(client: MqttClient, sessionPresent: boolean, first: { resolve: () => void; reject: (error: Error) => void }): void {
    this.metrics.brokerConnects.inc();
    this.watch.onConnected(this.now());
    const clientId = this.config.INGEST_CLIENT_ID;
    this.log.info({ sessionPresent }, 'connected to broker');
    if (sessionPresent && this.subscriptions.hasConfirmed(clientId, SESSION_FILTERS)) {
      first.resolve();
      return;
    }
    this.subscriptions.forget(clientId);
    client.subscribe(Object.fromEntries(SESSION_FILTERS.map((topic) => [topic, { qos: 1 as const }])), (error, granted) => {
      const refused = granted?.filter((grant) => grant.qos === 128).map((grant) => grant.topic) ?? [];
      if (error && !client.connected) {
        // The connection dropped before the SUBACK: nothing is recorded, so the next CONNACK subscribes again.
        this.log.debug({ err: error }, 'subscription interrupted by a disconnect');
        return;
      }
      if (error || refused.length > 0) {
        const failure = error ?? new Error(`the broker refused the subscription to ${refused.join(', ')}`);
        this.log.error({ err: failure }, 'could not subscribe: no telemetry will arrive');
        first.reject(failure);
        return;
      }
      this.subscriptions.confirm(clientId, SESSION_FILTERS);
      first.resolve();
    });
  }

  /**
   * A second, clean connection that reads the gateways' devices lists for the stall watch. It is apart
   * from the persistent session on purpose: a session that lost its subscriptions must not blind the
   * watch that is there to notice it.
   */
  private watchGateways(keepaliveS: number): MqttClient {
    const watcher = mqtt.connect(this.config.MQTT_URL, {
      clientId: `${this.config.INGEST_CLIENT_ID}-watch`,
      clean: true,
      keepalive: keepaliveS,
      reconnectPeriod: 1000,
    });
    watcher.on('connect', () => watcher.subscribe(buildChannelFilter('devices'), { qos: 0 }));
    watcher.on('message', (_topic, payload) => this.observeGatewayDevices(payload));
    watcher.on('error', (error) => this.log.debug({ err: error }, 'mqtt error (gateway watch)'));
    return watcher;
  }

  private checkStall(): void {
    const stalled = this.watch.isStalled(this.now());
    if (stalled && !this.stalled) {
      this.log.error(
        { secondsSinceTelemetry: this.watch.secondsSinceTelemetry(this.now()) },
        'connected and gateways report connected wearables, but no telemetry arrives: check the broker, its ACL and our subscription',
      );
    } else if (!stalled && this.stalled) {
      this.log.info('telemetry arrives again');
    }
    this.stalled = stalled;
  }

  private hasRoom(): boolean {
    return this.writer.queuedPoints < this.config.INGEST_QUEUE_MAX_POINTS;
  }

  private handlePublish(packet: IPublishPacket, done: (error?: Error) => void): void {
    // Stopping: leave it unacknowledged; the broker redelivers it to the next session.
    if (this.stopping) return;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    this.watch.onTelemetry(this.now());
    if (!this.hasRoom()) {
      // Back-pressure: MQTT.js delivers nothing more until this message is acknowledged, so the broker
      // holds the backlog (persistent session) until the store drains the queue.
      if (!this.queueFullSince) {
        this.queueFullSince = this.now();
        this.metrics.queueFull.set(1);
        this.log.error(
          { queuedPoints: this.writer.queuedPoints, max: this.config.INGEST_QUEUE_MAX_POINTS },
          'ingest queue full: holding acknowledgements until the store catches up',
        );
      }
      this.hold!.hold(() => this.handlePublish(packet, done));
      return;
    }
    if (this.queueFullSince) {
      this.log.info({ heldMs: this.now() - this.queueFullSince }, 'ingest queue has room again');
      this.queueFullSince = null;
      this.metrics.queueFull.set(0);
    }
    try {
      this.accept(packet.topic, payload);
      done();
    } catch (error) {
      // Not acknowledged: the broker redelivers it when the session resumes.
      this.log.error({ err: error, topic: packet.topic }, 'could not queue message; leaving it unacknowledged');
      done(error as Error);
    }
  }

  /** A gateway's retained devices list: does it hold wearables (and so should be sending telemetry)? */
  private observeGatewayDevices(payload: Buffer): void {
    const message = parseDevicesMessage(payload);
    if (message)
      this.watch.onGatewayDevices(
        message.devices.some((device) => device.connected),
        this.now(),
      );
  }

  /** Validates one publish and either queues its points or dead-letters it. Synchronous and durable. */
  accept(topic: string, payload: Buffer): void {
    const receivedMs = this.now();
    const validation = validateTelemetry(topic, payload, receivedMs);
    if (!validation.ok) {
      this.deadLetters.record({ receivedMs, topic, reason: validation.reason, detail: validation.detail, payload });
      this.metrics.messagesRejected.inc({ reason: validation.reason });
      this.log.warn({ topic, reason: validation.reason }, 'message dead-lettered');
      return;
    }
    const { topic: where, message } = validation;
    this.trackSequence(where, message);
    const points = this.toPoints(where, message).filter((point) => !this.wasErased(point));
    if (points.length > 0) this.queue.enqueue(points, receivedMs);
    this.metrics.messagesAccepted.inc();
    this.writer.notifyQueued(points.length);
  }

  private trackSequence(where: GatewayTopic, message: TelemetryMessage): void {
    const { newlyMissing, late, repeat } = this.sequences.observe(`${where.club}/${where.gateway}`, message.seq);
    if (newlyMissing > 0) {
      this.metrics.sequenceGaps.inc(newlyMissing);
      this.log.warn({ club: where.club, gateway: where.gateway, seq: message.seq, missing: newlyMissing }, 'telemetry sequence gap');
    }
    if (late) this.metrics.sequenceLate.inc();
    if (repeat) this.metrics.sequenceRepeats.inc();
  }

  private readonly erased = new Map<string, { intervals: { device: string; fromMs: number; toMs: number }[]; readMs: number }>();

  /** A sample from a stretch of a device's time that belonged to an erased athlete (a replay, a late batch): never stored. */
  private wasErased(point: StoredPoint): boolean {
    const nowMs = Date.now();
    let known = this.erased.get(point.club);
    if (!known || nowMs - known.readMs > ERASED_TTL_MS) {
      known = { intervals: this.deps.registry.erasedIntervals(point.club), readMs: nowMs };
      this.erased.set(point.club, known);
    }
    return known.intervals.some(
      (interval) => interval.device === point.device && point.timeMs >= interval.fromMs && point.timeMs < interval.toMs,
    );
  }

  private toPoints(where: GatewayTopic, message: TelemetryMessage): StoredPoint[] {
    // One registry look-up per device and message: pairings change on a human time scale.
    const athleteOf = new Map<string, string | null>();
    return message.samples.map((sample) => {
      let athlete = athleteOf.get(sample.device);
      if (athlete === undefined) {
        athlete = this.deps.registry.resolveAthlete(where.club, sample.device, sample.timeMs);
        athleteOf.set(sample.device, athlete);
      }
      return { club: where.club, device: sample.device, athlete, kind: sample.kind, timeMs: sample.timeMs, fields: toStoredFields(sample) };
    });
  }
}

/** A broker URL fit for logs: credentials in it (mqtt://user:secret@host) lose the secret. */
function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
