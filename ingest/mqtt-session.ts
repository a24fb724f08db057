import { isIP, connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import mqttPacket, { type IPublishPacket, type ISubackPacket, type Packet } from 'mqtt-packet';
import WebSocket, { createWebSocketStream } from 'ws';

/** A PUBLISH as ingest sees it. */
export interface ReceivedPublish {
  topic: string;
  payload: Buffer;
}

export interface MqttSessionHandler {
  /** A CONNACK accepted the login. */
  onConnect(sessionPresent: boolean): void;
  /**
   * A message; `acknowledge` sends its PUBACK (QoS 1; a no-op for QoS 0, or once the connection that
   * delivered it is gone: the broker then redelivers it on the next). PUBACKs leave in the order the
   * messages arrived, whatever order they are acknowledged in, as MQTT 3.1.1 §4.6 asks.
   */
  onPublish(message: ReceivedPublish, acknowledge: () => void): void;
  /** The connection ended (a reconnect follows unless stopping). */
  onClose(): void;
  /** A refused login (`refusedCode`: the CONNACK return code) or a transport error. */
  onError(error: Error, refusedCode?: number): void;
}

export interface MqttSessionOptions {
  /** mqtt://, tcp://, mqtts:// (TLS, trusting the system CAs and NODE_EXTRA_CA_CERTS), ws:// or wss://; user:password@ logs in. */
  url: string;
  clientId: string;
  clean: boolean;
  keepaliveS: number;
  reconnectMs: number;
  /** Unacknowledged messages read before the connection stops reading (the broker keeps the rest). */
  maxUnacknowledged: number;
}

interface Inflight {
  messageId: number;
  acknowledged: boolean;
}

/**
 * One MQTT 3.1.1 connection, kept up, that lets its owner acknowledge QoS 1 messages when it chooses.
 * MQTT.js hands over the next message only once the previous one is acknowledged, so a consumer that
 * must commit a message to disk before acknowledging it pays one disk flush per message. Here every
 * message the broker has in flight is read at once, and the owner acknowledges a whole group after one
 * commit. Reading stops (and the broker keeps the backlog) once `maxUnacknowledged` wait.
 */
export class MqttSession {
  private stream: Duplex | null = null;
  private generation = 0;
  private inflight: Inflight[] = [];
  /** PUBACKs of acknowledged messages are due out at the end of this turn. */
  private acknowledging = false;
  private nextPacketId = 1;
  private readonly subscribing = new Map<number, { resolve: (granted: number[]) => void; reject: (error: Error) => void }>();
  private keepAliveTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private lastReceivedMs = 0;
  private lastSentMs = 0;
  /** Reading stopped because maxUnacknowledged messages wait for their acknowledgement. */
  private paused = false;
  /** Reading stopped because the owner asked (it holds more than it wants to). */
  private held = false;
  private connackTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private closed: Promise<void> = Promise.resolve();
  connected = false;

  constructor(
    private readonly options: MqttSessionOptions,
    private readonly handler: MqttSessionHandler,
  ) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  /**
   * Subscribes on the current connection; resolves with the granted QoS per filter (128: refused). A
   * broker that does not answer within the keep-alive period loses the connection (and a reconnect follows).
   */
  subscribe(filters: readonly string[], qos: 0 | 1): Promise<number[]> {
    if (!this.connected) return Promise.reject(new Error('not connected'));
    const messageId = this.packetId();
    const stream = this.stream;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.handler.onError(new Error('no SUBACK from the broker'));
        stream?.destroy();
      }, this.options.keepaliveS * 1000);
      this.subscribing.set(messageId, {
        resolve: (granted) => {
          clearTimeout(timer);
          resolve(granted);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.send({ cmd: 'subscribe', messageId, subscriptions: filters.map((topic) => ({ topic, qos })) });
    });
  }

  /** Stops reading from the broker (true) or starts again (false): the owner's own back-pressure, QoS 0 messages included. */
  hold(holding: boolean): void {
    this.held = holding;
    this.applyReading();
  }

  /** Drops the connection without acknowledging what is unacknowledged (the broker redelivers it), and connects again. */
  reconnect(): void {
    this.stream?.destroy();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const stream = this.stream;
    if (!stream) return;
    if (this.connected) this.send({ cmd: 'disconnect' });
    stream.end();
    // A broker that does not close its side promptly is not waited for.
    const forced = setTimeout(() => stream.destroy(), 2000);
    await this.closed;
    clearTimeout(forced);
  }

  private open(): void {
    const generation = ++this.generation;
    const url = new URL(this.options.url);
    const stream = openTransport(url);
    this.stream = stream;
    this.inflight = [];
    this.paused = false;
    this.held = false;
    // A broker that takes the connection and never answers it is given up on, like MQTT.js's connectTimeout.
    this.connackTimer = setTimeout(
      () => {
        this.handler.onError(new Error('no CONNACK from the broker'));
        stream.destroy();
      },
      Math.max(10_000, this.options.keepaliveS * 1000),
    );
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (packet: Packet) => this.onPacket(packet, generation));
    parser.on('error', (error: Error) => {
      this.handler.onError(error);
      stream.destroy();
    });
    let resolveClosed!: () => void;
    this.closed = new Promise((resolve) => {
      resolveClosed = resolve;
    });
    stream.on('data', (chunk: Buffer) => {
      this.lastReceivedMs = Date.now();
      parser.parse(chunk);
    });
    stream.on('error', (error: Error) => this.handler.onError(error));
    // A WebSocket stream ends without closing when the broker closes it: a closed connection all the same.
    stream.on('end', () => stream.destroy());
    stream.on('close', () => {
      this.onClosed();
      resolveClosed();
    });
    this.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: this.options.clientId,
      clean: this.options.clean,
      keepalive: this.options.keepaliveS,
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: Buffer.from(decodeURIComponent(url.password)) } : {}),
    });
  }

  private onPacket(packet: Packet, generation: number): void {
    switch (packet.cmd) {
      case 'connack':
        // One CONNACK per connection; a second is the broker's error, not a new start.
        if (this.connected) return;
        if (this.connackTimer) clearTimeout(this.connackTimer);
        this.connackTimer = null;
        if (packet.returnCode !== 0) {
          const code = packet.returnCode ?? -1;
          this.handler.onError(Object.assign(new Error(`the broker refused the connection (CONNACK ${code})`), { code }), code);
          this.stream?.destroy();
          return;
        }
        this.connected = true;
        this.startKeepAlive();
        this.handler.onConnect(packet.sessionPresent);
        return;
      case 'publish':
        this.onPublish(packet, generation);
        return;
      case 'suback':
        this.onSuback(packet);
        return;
      default:
        // PINGRESP (liveness is any packet read), and nothing else is expected of a subscriber.
        return;
    }
  }

  private onPublish(packet: IPublishPacket, generation: number): void {
    const message = { topic: packet.topic, payload: packet.payload as Buffer };
    if (packet.qos === 0) {
      this.handler.onPublish(message, () => {});
      return;
    }
    if (packet.qos === 2) {
      // Ingest subscribes at QoS 1, so the broker never sends QoS 2: a broker that does breaks the protocol.
      this.handler.onError(new Error('the broker sent a QoS 2 message to a QoS 1 subscription'));
      this.stream?.destroy();
      return;
    }
    const entry: Inflight = { messageId: packet.messageId!, acknowledged: false };
    this.inflight.push(entry);
    if (this.inflight.length >= this.options.maxUnacknowledged && !this.paused) {
      this.paused = true;
      this.applyReading();
    }
    this.handler.onPublish(message, () => {
      if (generation !== this.generation || entry.acknowledged) return;
      entry.acknowledged = true;
      // A group's messages are acknowledged one after the other in one turn: their PUBACKs go out together after it.
      if (this.acknowledging) return;
      this.acknowledging = true;
      queueMicrotask(() => {
        this.acknowledging = false;
        this.sendAcknowledgedPrefix();
      });
    });
  }

  private sendAcknowledgedPrefix(): void {
    let sent = 0;
    while (sent < this.inflight.length && this.inflight[sent]!.acknowledged) sent++;
    if (sent === 0) return;
    const acknowledged = this.inflight.splice(0, sent);
    // One write for the group.
    this.write(Buffer.concat(acknowledged.map(({ messageId }) => mqttPacket.generate({ cmd: 'puback', messageId }))));
    if (this.paused && this.inflight.length < this.options.maxUnacknowledged) {
      this.paused = false;
      this.applyReading();
    }
  }

  private applyReading(): void {
    if (!this.stream) return;
    const reading = !this.paused && !this.held;
    if (reading === !this.stream.isPaused()) return;
    if (reading) {
      // Nothing was read while paused: the link's liveness counts from now.
      this.lastReceivedMs = Date.now();
      this.stream.resume();
    } else this.stream.pause();
  }

  private onSuback(packet: ISubackPacket): void {
    const waiting = this.subscribing.get(packet.messageId!);
    this.subscribing.delete(packet.messageId!);
    waiting?.resolve(packet.granted.map((granted) => (typeof granted === 'number' ? granted : (granted as { qos: number }).qos)));
  }

  /**
   * PINGREQ when nothing was sent for half the keep-alive; the link is dead when nothing was read for
   * 1.5 × keep-alive, except while reading is paused (then a vanished broker shows as a write error).
   */
  private startKeepAlive(): void {
    const keepaliveMs = this.options.keepaliveS * 1000;
    this.lastReceivedMs = Date.now();
    this.keepAliveTimer = setInterval(
      () => {
        const nowMs = Date.now();
        if (!this.paused && !this.held && nowMs - this.lastReceivedMs > keepaliveMs * 1.5) {
          this.handler.onError(new Error(`no packet from the broker for ${Math.round((nowMs - this.lastReceivedMs) / 1000)} s`));
          this.stream?.destroy();
          return;
        }
        if (nowMs - this.lastSentMs >= keepaliveMs / 2) this.send({ cmd: 'pingreq' });
      },
      Math.max(100, keepaliveMs / 4),
    );
  }

  private onClosed(): void {
    this.connected = false;
    this.stream = null;
    this.inflight = [];
    if (this.connackTimer) clearTimeout(this.connackTimer);
    this.connackTimer = null;
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = null;
    for (const waiting of this.subscribing.values()) waiting.reject(new Error('connection closed before the SUBACK'));
    this.subscribing.clear();
    this.handler.onClose();
    if (!this.stopped) this.reconnectTimer = setTimeout(() => this.open(), this.options.reconnectMs);
  }

  private send(packet: Packet): void {
    this.write(mqttPacket.generate(packet));
  }

  private write(bytes: Buffer): void {
    if (!this.stream || this.stream.destroyed) return;
    this.lastSentMs = Date.now();
    this.stream.write(bytes);
  }

  private packetId(): number {
    const id = this.nextPacketId;
    this.nextPacketId = id >= 65535 ? 1 : id + 1;
    return id;
  }
}

function openTransport(url: URL): Duplex {
  const port = (fallback: number) => (url.port ? Number(url.port) : fallback);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  switch (url.protocol) {
    case 'mqtt:':
    case 'tcp:':
      return netConnect({ host, port: port(1883) }).setNoDelay(true);
    case 'mqtts:':
      return tlsConnect({ host, port: port(8883), servername: isIP(host) ? undefined : host }).setNoDelay(true);
    case 'ws:':
    case 'wss:': {
      const target = new URL(url);
      target.username = '';
      target.password = '';
      return createWebSocketStream(new WebSocket(target, 'mqtt'));
    }
    default:
      throw new Error(`unsupported MQTT URL scheme ${url.protocol}`);
  }
}
