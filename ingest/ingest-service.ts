import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Registry as MetricsRegistry } from 'prom-client';
import { parseDevicesMessage } from '../protocol/mqtt/gateway-state.ts';
import type { TelemetryMessage } from '../protocol/mqtt/telemetry.ts';
import { buildChannelFilter, type GatewayTopic } from '../protocol/mqtt/topics.ts';
import { type RejectionReason, type TelemetryValidation, validateTelemetry } from '../protocol/mqtt/validate-telemetry.ts';
import type { SqliteDatabase } from '../store/database.ts';
import type { DeadLetters } from '../store/dead-letters.ts';
import { IngestQueue, type QueuedEntry } from '../store/ingest-queue.ts';
import { IngestSubscriptions } from '../store/ingest-subscriptions.ts';
import type { QueuedMessage } from '../store/queued-messages.ts';
import type { Registry } from '../store/registry.ts';
import { toStoredPoint } from '../store/sample-fields.ts';
import type { StoredPoint, TimeSeriesStore } from '../store/time-series-store.ts';
import { AthleteResolver } from './athlete-resolver.ts';
import { BatchWriter } from './batch-writer.ts';
import type { IngestConfig } from './config.ts';
import { createIngestMetrics, type IngestMetrics } from './ingest-metrics.ts';
import { MqttSession, type ReceivedPublish } from './mqtt-session.ts';
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
  /**
   * Told of every valid telemetry message as it arrives, before it is queued (`up` feeds its live view
   * so, sparing the broker a second delivery and the message a second validation).
   */
  onTelemetry?: (where: GatewayTopic, message: TelemetryMessage) => void;
}

export type IngestServiceConfig = Pick<
  IngestConfig,
  'MQTT_URL' | 'INGEST_CLIENT_ID' | 'INGEST_BATCH_SIZE' | 'INGEST_FLUSH_INTERVAL' | 'INGEST_QUEUE_MAX_POINTS'
> &
  Partial<Pick<IngestConfig, 'INGEST_KEEPALIVE' | 'INGEST_STALL_AFTER' | 'INGEST_SHARE_GROUP'>>;

const DEFAULT_KEEPALIVE_S = 30;
const DEAD_LETTER_PRUNE_EVERY_MS = 3_600_000;
/** How long ingest trusts its copy of a club's erased stretches before reading them again. */
const ERASED_TTL_MS = 5000;

/**
 * Messages read ahead of their acknowledgement. Each group commit takes what arrived meanwhile; while the
 * queue is full they wait unacknowledged, and past this many the broker keeps the rest.
 */
const MAX_UNACKNOWLEDGED = 1000;

/** What one group's transaction did, for what follows its commit (memory, counters, logs). */
interface GroupOutcome {
  taken: number;
  entry: QueuedEntry | null;
  accepted: { where: GatewayTopic; message: TelemetryMessage }[];
  rejected: { topic: string; reason: RejectionReason }[];
}

interface Arrival {
  message: ReceivedPublish;
  receivedMs: number;
  validation: TelemetryValidation;
  acknowledge: () => void;
}

/** What the persistent session subscribes to: every club's telemetry (QoS 1), alone or as a share group's worker. */
function sessionFilters(shareGroup: string | undefined): string[] {
  const telemetry = buildChannelFilter('telemetry');
  return [shareGroup ? `$share/${shareGroup}/${telemetry}` : telemetry];
}
const DEFAULT_STALL_AFTER_MS = 300_000;

export interface IngestHealth {
  status: 'ok' | 'disconnected' | 'registry unreachable' | 'stalled';
  queuedPoints: number;
  queueFull: boolean;
  secondsSinceTelemetry: number | null;
}

/**
 * MQTT → store. Each telemetry message is validated, attributed to athletes, committed to the durable
 * ingest queue and only then acknowledged (PUBACK); the batch writer moves queued points into the
 * store. The messages that arrive while one commit runs are committed together by the next (one disk
 * flush for the group), and their PUBACKs leave after it: nothing is acknowledged before it is on disk.
 */
export class IngestService {
  readonly metrics: IngestMetrics;
  readonly queue: IngestQueue;
  readonly deadLetters: DeadLetters;
  readonly writer: BatchWriter;
  private session: MqttSession | null = null;
  private watcher: MqttClient | null = null;
  private readonly subscriptions: IngestSubscriptions;
  private readonly filters: string[];
  private arrived: Arrival[] = [];
  private commitScheduled = false;
  /** Arrivals held unacknowledged while the queue is full, oldest first. */
  private waiting: Arrival[] = [];
  private recheckTimer: NodeJS.Timeout | null = null;
  private readonly athletes: AthleteResolver;
  private readonly acceptAll: (arrivals: readonly Arrival[], bounded: boolean) => GroupOutcome;
  private readonly sequences = new SequenceTracker();
  private readonly watch: TelemetryWatch;
  private stallTimer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private stalled = false;
  private readonly log: Logger;
  private readonly now: () => number;
  private queueFullSince: number | null = null;
  private stopping = false;
  /** Connected since the last disconnect (a lost connection is logged once, not each failed retry). */
  private brokerConnected = false;

  constructor(
    private readonly config: IngestServiceConfig,
    private readonly deps: IngestDeps,
  ) {
    this.log = deps.logger.child({ module: 'ingest' });
    this.now = deps.now ?? Date.now;
    this.filters = sessionFilters(config.INGEST_SHARE_GROUP);
    // A share group's workers share the SQLite file; each drains the entries it queued.
    this.queue = new IngestQueue(deps.db, config.INGEST_SHARE_GROUP ? config.INGEST_CLIENT_ID : '');
    this.subscriptions = new IngestSubscriptions(deps.db);
    this.athletes = new AthleteResolver(deps.registry, this.now);
    // One transaction, so one disk flush, for a whole group of messages.
    // BEGIN IMMEDIATE: the write lock first, waiting out another process's write (busy_timeout); a group
    // that read first could not take it once that process committed, and would fail instead of waiting.
    const group = deps.db.transaction((arrivals: readonly Arrival[], bounded: boolean) => this.acceptGroup(arrivals, bounded));
    this.acceptAll = (arrivals, bounded) => group.immediate(arrivals, bounded);
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
      onQueueShrunk: () => this.admitWaiting(),
      keep: (points) => this.withoutErased(points),
    });
  }

  /** Connects with a persistent session and resolves once the telemetry subscription is in place. */
  async start(): Promise<void> {
    const keepaliveS = this.config.INGEST_KEEPALIVE ?? DEFAULT_KEEPALIVE_S;
    this.watcher = this.watchGateways(keepaliveS);
    await new Promise<void>((resolve, reject) => {
      const first = { resolve, reject };
      this.session = new MqttSession(
        {
          url: this.config.MQTT_URL,
          clientId: this.config.INGEST_CLIENT_ID,
          clean: false, // the broker keeps our subscription and unacknowledged QoS 1 messages while we are away
          keepaliveS,
          reconnectMs: 1000,
          maxUnacknowledged: MAX_UNACKNOWLEDGED,
        },
        {
          onConnect: (sessionPresent) => this.onConnect(sessionPresent, first),
          onPublish: (message, acknowledge) => this.onPublish(message, acknowledge),
          onClose: () => this.onDisconnected(),
          onError: (error, refusedCode) => {
            // A CONNACK refusal (4 bad login, 5 not authorised) will not fix itself by retrying.
            if (refusedCode !== undefined)
              this.log.error({ err: error }, 'the broker refused our login: check MQTT_URL and INGEST_CLIENT_ID');
            else this.log.debug({ err: error }, 'mqtt error');
          },
        },
      );
      this.session.start();
    });
    const stallAfterMs = this.config.INGEST_STALL_AFTER ?? DEFAULT_STALL_AFTER_MS;
    this.stallTimer = setInterval(() => this.checkStall(), Math.min(10_000, stallAfterMs / 2));
    // Retention of the dead letters holds on a quiet installation too, not only when letters keep coming.
    this.pruneTimer = setInterval(() => {
      try {
        this.deadLetters.prune();
      } catch (error) {
        // The registry's database away (dead letters live there on PostgreSQL): pruned next time.
        this.log.warn({ err: error }, 'dead letters not pruned; tried again later');
      }
    }, DEAD_LETTER_PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    this.log.info({ broker: withoutPassword(this.config.MQTT_URL), clientId: this.config.INGEST_CLIENT_ID }, 'ingest subscribed');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.stallTimer) clearInterval(this.stallTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.stallTimer = null;
    await this.watcher?.endAsync();
    this.watcher = null;
    // What arrived and is not committed stays unacknowledged: the broker redelivers it to the next session.
    this.arrived = [];
    this.waiting = [];
    this.stopRecheck();
    await this.session?.stop();
    this.session = null;
    await this.writer.stop();
  }

  /** For /health: disconnected and stalled are the states an orchestrator or an operator acts on. */
  health(): IngestHealth {
    const nowMs = this.now();
    // Without the registry nothing can be tagged with its wearer: messages wait at the broker, unacknowledged
    // (and ingest reconnects to have them delivered again, so the registry is the reason to give first).
    const status = !this.deps.registry.reachable()
      ? 'registry unreachable'
      : !this.session?.connected
        ? 'disconnected'
        : this.watch.isStalled(nowMs)
          ? 'stalled'
          : 'ok';
    return {
      status,
      queuedPoints: this.writer.queuedPoints,
      queueFull: this.queueFullSince !== null,
      secondsSinceTelemetry: this.watch.secondsSinceTelemetry(nowMs),
    };
  }

  /**
   * Subscribes on a CONNACK unless the session is known to hold our subscription. Without a session (a
   * broker that restarted without persistence) nothing is held, whatever this process subscribed before.
   * With one, the SUBACK record says whether it is ours: a session whose SUBSCRIBE never completed is
   * present too. Re-subscribing a session that has it is avoided: on the embedded aedes with Redis it
   * let live messages overtake the queued backlog, whose older messages aedes's duplicate check then
   * dropped (seen in the broker-restart scenario).
   */
  private onConnect(sessionPresent: boolean, first: { resolve: () => void; reject: (error: Error) => void }): void {
    this.brokerConnected = true;
    this.metrics.brokerConnects.inc();
    this.watch.onConnected(this.now());
    const clientId = this.config.INGEST_CLIENT_ID;
    this.log.info({ sessionPresent }, 'connected to broker');
    try {
      if (sessionPresent && this.subscriptions.hasConfirmed(clientId, this.filters)) {
        first.resolve();
        return;
      }
      this.subscriptions.forget(clientId);
    } catch (error) {
      this.recordFailed(error);
      return;
    }
    this.session!.subscribe(this.filters, 1).then(
      (granted) => {
        const refused = this.filters.filter((_, index) => granted[index] === 128);
        if (refused.length > 0) {
          const failure = new Error(`the broker refused the subscription to ${refused.join(', ')}`);
          this.log.error({ err: failure }, 'could not subscribe: no telemetry will arrive');
          first.reject(failure);
          return;
        }
        try {
          this.subscriptions.confirm(clientId, this.filters);
        } catch (error) {
          this.recordFailed(error);
          return;
        }
        first.resolve();
      },
      // The connection dropped before the SUBACK: nothing is recorded, so the next CONNACK subscribes again.
      (error: Error) => this.log.debug({ err: error }, 'subscription interrupted by a disconnect'),
    );
  }

  /** The record of our subscription could not be read or written (the database busy, say): a new connection tries again. */
  private recordFailed(error: unknown): void {
    this.log.error({ err: error }, 'could not read or record ingest’s subscription; reconnecting');
    this.session?.reconnect();
  }

  /** Messages of a connection that ended are redelivered by the broker on the next one. */
  private onDisconnected(): void {
    if (this.brokerConnected && !this.stopping)
      this.log.warn('lost the broker connection; unacknowledged messages stay with the broker, reconnecting');
    this.brokerConnected = false;
    this.waiting = [];
    this.stopRecheck();
    this.arrived = [];
    this.watch.onDisconnected();
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

  /**
   * Whether a message may be queued now. While the store keeps up, ingest takes no more than the queue
   * holds in memory: a burst then waits at the broker instead of being written to disk and read back.
   * While the store is away, the queue takes up to INGEST_QUEUE_MAX_POINTS on disk.
   */
  private hasRoom(morePoints = 0): boolean {
    if (this.writer.queuedPoints + morePoints >= this.config.INGEST_QUEUE_MAX_POINTS) return false;
    return this.writer.failing || this.queue.hasMemoryRoom(morePoints);
  }

  private queueIsFull(): boolean {
    return this.writer.queuedPoints >= this.config.INGEST_QUEUE_MAX_POINTS;
  }

  private onPublish(message: ReceivedPublish, acknowledge: () => void): void {
    // Stopping: leave it unacknowledged; the broker redelivers it to the next session.
    if (this.stopping) return;
    const receivedMs = this.now();
    this.watch.onTelemetry(receivedMs);
    const validation = validateTelemetry(message.topic, message.payload, receivedMs);
    if (validation.ok) this.tellListener(validation);
    const arrival = { message, receivedMs, validation, acknowledge };
    if (this.waiting.length > 0 || !this.hasRoom()) {
      this.waiting.push(arrival);
      this.holdWhileFull();
      return;
    }
    this.arrived.push(arrival);
    if (!this.commitScheduled) {
      this.commitScheduled = true;
      // Whatever else the socket delivers before the event loop comes round joins this commit.
      setImmediate(() => this.commitArrived());
    }
  }

  /**
   * Back-pressure: an unacknowledged message stays the broker's (persistent session), and past
   * MAX_UNACKNOWLEDGED the connection stops reading, until the store drains the queue. `putBack`: the
   * messages of a group the queue could not take. Only a full queue is news worth a log line; pacing to
   * the store's speed is how a burst is taken.
   */
  private holdWhileFull(...putBack: Arrival[]): void {
    if (!this.queueFullSince && this.queueIsFull()) {
      this.queueFullSince = this.now();
      this.metrics.queueFull.set(1);
      this.log.error(
        { queuedPoints: this.writer.queuedPoints, max: this.config.INGEST_QUEUE_MAX_POINTS },
        'ingest queue full: holding acknowledgements until the store catches up',
      );
    }
    // Held messages go before newer ones: those put back by a commit are older than any already waiting.
    this.waiting.unshift(...putBack);
    // QoS 0 messages need no acknowledgement, so only this bounds what waits in memory.
    if (this.waiting.length >= MAX_UNACKNOWLEDGED) this.session?.hold(true);
    // A safety net for a missed notification of room (the writer's is the usual one).
    this.recheckTimer ??= setInterval(() => this.admitWaiting(), 1000);
  }

  /** The queue shrank: what waited goes in, oldest first, as far as there is room. */
  private admitWaiting(): void {
    if (this.waiting.length === 0) this.stopRecheck();
    if (this.waiting.length === 0 || !this.hasRoom()) return;
    if (this.queueFullSince) {
      this.log.info({ heldMs: this.now() - this.queueFullSince }, 'ingest queue has room again');
      this.queueFullSince = null;
      this.metrics.queueFull.set(0);
    }
    // One group (it stops at the queue's bound and puts the rest back); nothing more after a failed commit.
    this.commit(this.waiting.splice(0));
    if (this.waiting.length < MAX_UNACKNOWLEDGED) this.session?.hold(false);
    if (this.waiting.length === 0) this.stopRecheck();
  }

  private stopRecheck(): void {
    if (this.recheckTimer) clearInterval(this.recheckTimer);
    this.recheckTimer = null;
  }

  private commitArrived(): void {
    this.commitScheduled = false;
    const arrivals = this.arrived;
    this.arrived = [];
    if (arrivals.length > 0) this.commit(arrivals);
  }

  /** Commits a group; when the commit fails, nothing of it is acknowledged and the connection is dropped. */
  private commit(arrivals: Arrival[]): void {
    let outcome: GroupOutcome;
    try {
      outcome = this.acceptAll(arrivals, true);
    } catch (error) {
      // Not acknowledged: dropping the connection makes the broker redeliver them on the next.
      this.log.error({ err: error, messages: arrivals.length }, 'could not queue messages; leaving them unacknowledged and reconnecting');
      this.session?.reconnect();
      return;
    }
    this.afterCommit(outcome);
    const accepted = outcome.taken;
    for (const arrival of arrivals.slice(0, accepted)) arrival.acknowledge();
    // The queue filled up within the group: the rest waits, unacknowledged, ahead of anything newer.
    if (accepted < arrivals.length) this.holdWhileFull(...arrivals.slice(accepted));
  }

  /** What a committed group changes besides the database: the queue's memory, the writer's count, counters and logs. */
  private afterCommit({ entry, accepted, rejected }: GroupOutcome): void {
    if (entry) this.queue.remember(entry.id, entry.enqueuedMs, entry.points);
    this.writer.notifyQueued(entry?.points.length ?? 0);
    for (const { where, message } of accepted) this.trackSequence(where, message);
    this.metrics.messagesAccepted.inc(accepted.length);
    for (const { topic, reason } of rejected) {
      this.metrics.messagesRejected.inc({ reason });
      this.log.warn({ topic, reason }, 'message dead-lettered');
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

  private tellListener(validation: TelemetryValidation & { ok: true }): void {
    try {
      this.deps.onTelemetry?.(validation.topic, validation.message);
    } catch (error) {
      // A view's failure never stands in the way of storing.
      this.log.error({ err: error }, 'telemetry listener failed');
    }
  }

  /** Validates one publish and either queues its points or dead-letters it, whatever the queue holds. Synchronous and durable. */
  accept(topic: string, payload: Buffer): void {
    const receivedMs = this.now();
    const validation = validateTelemetry(topic, payload, receivedMs);
    this.afterCommit(this.acceptAll([{ message: { topic, payload }, receivedMs, validation, acknowledge: () => {} }], false));
  }

  /**
   * Inside one transaction: each message validated, dead-lettered or turned into points, the points
   * queued as one entry (on disk as the messages themselves), until the queue reaches its bound (when
   * bounded). Returns how many messages were taken. With the registry on PostgreSQL, dead letters are
   * written there as they come, outside this transaction: a group that then fails to commit is
   * redelivered, and its letters may be recorded twice (never lost).
   */
  private acceptGroup(arrivals: readonly Arrival[], bounded: boolean): GroupOutcome {
    const points: StoredPoint[] = [];
    const messages: QueuedMessage[] = [];
    const outcome: GroupOutcome = { taken: 0, entry: null, accepted: [], rejected: [] };
    this.athletes.refreshIfPairingsChanged();
    for (const arrival of arrivals) {
      if (bounded && !this.hasRoom(points.length)) break;
      outcome.taken++;
      const { validation, message, receivedMs } = arrival;
      if (!validation.ok) {
        const { reason, detail } = validation;
        this.deadLetters.record({ receivedMs, topic: message.topic, reason, detail, payload: message.payload });
        outcome.rejected.push({ topic: message.topic, reason });
        continue;
      }
      let payload = message.payload;
      if (validation.refused) {
        // Its refused plugin samples are dead-lettered on their own; the queue keeps the rest as they are stored.
        const { message: kept, refused } = validation;
        const letter = { ...kept, samples: refused.map((one) => one.sample) };
        const detail = refused.map((one) => one.detail).join('; ');
        this.deadLetters.record({
          receivedMs,
          topic: message.topic,
          reason: refused[0]!.reason,
          detail,
          payload: Buffer.from(JSON.stringify(letter)),
        });
        outcome.rejected.push({ topic: message.topic, reason: refused[0]!.reason });
        payload = Buffer.from(JSON.stringify(kept));
      }
      outcome.accepted.push({ where: validation.topic, message: validation.message });
      messages.push({ topic: message.topic, payload, athletes: this.appendPoints(validation.topic, validation.message, points) });
    }
    if (points.length > 0) {
      const enqueuedMs = arrivals[0]!.receivedMs;
      outcome.entry = { id: this.queue.insertEntry(points, enqueuedMs, messages), enqueuedMs, points };
    }
    return outcome;
  }

  /**
   * A message's samples as points (the writer leaves out any an erasure covers), appended to `into`;
   * returns who wore each sample's device.
   */
  private appendPoints(where: GatewayTopic, message: TelemetryMessage, into: StoredPoint[]): (string | null)[] {
    const wearerOf = this.athletes.wearersIn(where.club);
    return message.samples.map((sample) => {
      const athlete = wearerOf(sample.device, sample.timeMs);
      into.push(toStoredPoint(where.club, sample, athlete));
      return athlete;
    });
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

  /**
   * A batch without the samples from stretches of a device's time that belonged to an erased athlete (a
   * replay, a late batch): those are never stored. The clubs' erased stretches are looked up once per
   * batch, and a batch none of whose clubs has any comes back as it is.
   */
  private withoutErased(points: StoredPoint[]): StoredPoint[] {
    const nowMs = Date.now();
    const intervalsOf = new Map<string, { device: string; fromMs: number; toMs: number }[]>();
    for (const point of points) if (!intervalsOf.has(point.club)) intervalsOf.set(point.club, this.erasedIntervalsOf(point.club, nowMs));
    if ([...intervalsOf.values()].every((intervals) => intervals.length === 0)) return points;
    return points.filter(
      (point) =>
        !intervalsOf
          .get(point.club)!
          .some((interval) => interval.device === point.device && point.timeMs >= interval.fromMs && point.timeMs < interval.toMs),
    );
  }

  private erasedIntervalsOf(club: string, nowMs: number): { device: string; fromMs: number; toMs: number }[] {
    let known = this.erased.get(club);
    if (!known || nowMs - known.readMs > ERASED_TTL_MS) {
      known = { intervals: this.deps.registry.erasedIntervals(club), readMs: nowMs };
      this.erased.set(club, known);
    }
    return known.intervals;
  }
}

/** A broker URL fit for logs: credentials in it (mqtt://user:secret@host) lose the secret. */
function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
