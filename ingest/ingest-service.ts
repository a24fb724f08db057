import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { TelemetryMessage } from '../protocol/mqtt/telemetry.ts';
import { buildChannelFilter, type GatewayTopic } from '../protocol/mqtt/topics.ts';
import { validateTelemetry } from '../protocol/mqtt/validate-telemetry.ts';
import type { SqliteDatabase } from '../store/database.ts';
import type { DeadLetters } from '../store/dead-letters.ts';
import { IngestQueue } from '../store/ingest-queue.ts';
import type { Registry } from '../store/registry.ts';
import { toStoredFields } from '../store/sample-fields.ts';
import type { StoredPoint, TimeSeriesStore } from '../store/time-series-store.ts';
import { BatchWriter } from './batch-writer.ts';
import type { IngestConfig } from './config.ts';
import { createIngestMetrics, type IngestMetrics } from './ingest-metrics.ts';
import { SequenceTracker } from './sequence-tracker.ts';

export interface IngestDeps {
  db: SqliteDatabase;
  registry: Registry;
  timeSeries: TimeSeriesStore;
  deadLetters: DeadLetters;
  metricsRegistry: MetricsRegistry;
  logger: Logger;
  now?: () => number;
}

const QUEUE_FULL_RECHECK_MS = 1000;

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
  private readonly sequences = new SequenceTracker();
  private readonly log: Logger;
  private readonly now: () => number;
  private queueFullSince: number | null = null;
  private stopping = false;

  constructor(
    private readonly config: Pick<IngestConfig, 'MQTT_URL' | 'INGEST_CLIENT_ID' | 'INGEST_BATCH_SIZE' | 'INGEST_FLUSH_INTERVAL' | 'INGEST_QUEUE_MAX_POINTS'>,
    private readonly deps: IngestDeps,
  ) {
    this.log = deps.logger.child({ module: 'ingest' });
    this.now = deps.now ?? Date.now;
    this.queue = new IngestQueue(deps.db);
    this.deadLetters = deps.deadLetters;
    this.metrics = createIngestMetrics(deps.metricsRegistry, () => this.queue.depth().oldestEnqueuedMs, () => this.sequences.missingCount());
    this.writer = new BatchWriter({
      queue: this.queue,
      store: deps.timeSeries,
      deadLetters: deps.deadLetters,
      metrics: this.metrics,
      logger: this.log,
      batchSize: config.INGEST_BATCH_SIZE,
      flushIntervalMs: config.INGEST_FLUSH_INTERVAL,
    });
  }

  /** Connects with a persistent session and resolves once the telemetry subscription is granted. */
  async start(): Promise<void> {
    const client = mqtt.connect(this.config.MQTT_URL, {
      clientId: this.config.INGEST_CLIENT_ID,
      clean: false, // the broker keeps our subscription and unacknowledged QoS 1 messages while we are away
      reconnectPeriod: 1000,
      resubscribe: true,
    });
    this.client = client;
    client.handleMessage = (packet, done) => this.handlePublish(packet, done);
    // Reconnect attempts fail once a second while the broker is away: one 'offline' line says it.
    client.on('error', (error) => this.log.debug({ err: error }, 'mqtt error'));
    client.on('offline', () => this.log.warn('broker unreachable; unacknowledged messages stay with the broker'));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', (connack) => {
        if (connack.sessionPresent) return resolve();
        client.subscribe(buildChannelFilter('telemetry'), { qos: 1 }, (error) => (error ? reject(error) : resolve()));
      });
    });
    client.on('connect', (connack) => this.log.info({ sessionPresent: connack.sessionPresent }, 'connected to broker'));
    this.log.info({ broker: withoutPassword(this.config.MQTT_URL), clientId: this.config.INGEST_CLIENT_ID }, 'ingest subscribed');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.client?.endAsync();
    this.client = null;
    await this.writer.stop();
  }

  private handlePublish(packet: IPublishPacket, done: (error?: Error) => void): void {
    // Stopping: leave it unacknowledged; the broker redelivers it to the next session.
    if (this.stopping) return;
    if (this.writer.queuedPoints >= this.config.INGEST_QUEUE_MAX_POINTS) {
      // Back-pressure: MQTT.js delivers nothing more until this message is acknowledged, so the broker
      // holds the backlog (persistent session) until the store drains the queue.
      if (!this.queueFullSince) {
        this.queueFullSince = this.now();
        this.metrics.queueFull.set(1);
        this.log.error({ queuedPoints: this.writer.queuedPoints, max: this.config.INGEST_QUEUE_MAX_POINTS }, 'ingest queue full: holding acknowledgements until the store catches up');
      }
      setTimeout(() => this.handlePublish(packet, done), QUEUE_FULL_RECHECK_MS);
      return;
    }
    if (this.queueFullSince) {
      this.log.info({ heldMs: this.now() - this.queueFullSince }, 'ingest queue has room again');
      this.queueFullSince = null;
      this.metrics.queueFull.set(0);
    }
    try {
      this.accept(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
      done();
    } catch (error) {
      // Not acknowledged: the broker redelivers it when the session resumes.
      this.log.error({ err: error, topic: packet.topic }, 'could not queue message; leaving it unacknowledged');
      done(error as Error);
    }
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
    const points = this.toPoints(where, message);
    this.queue.enqueue(points, receivedMs);
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
