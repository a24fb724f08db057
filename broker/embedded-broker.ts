import { createRequire } from 'node:module';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import { mqttLimits } from '../protocol/mqtt/limits.ts';
import type { MqttAccounts } from '../store/mqtt-accounts.ts';
import { type AccessStats, enforceBrokerAccess } from './broker-access.ts';
import { type LimitStats, limitedConnectionHandler } from './connection-limits.ts';

const require = createRequire(import.meta.url);

export interface EmbeddedBrokerOptions {
  port: number;
  host: string;
  /**
   * Redis for sessions, subscriptions and QoS 1 queues, so they survive a broker restart. Without it
   * they live in memory. (aedes-persistence-level was tried and rejected: it reorders messages, which
   * aedes's duplicate check then drops — README "Guarantees".)
   */
  redisUrl?: string;
  /**
   * Who may connect and what each may publish and read (broker-access.ts). Every command passes them;
   * without them the broker accepts anyone, which only tests of other behaviour use.
   */
  accounts?: MqttAccounts;
  /** Largest MQTT packet accepted, bytes (default DEFAULT_MAX_PACKET_BYTES). */
  maxPacketBytes?: number;
  /** Connections one address may hold at once (default 64). */
  maxConnectionsPerAddress?: number;
  /** MQTT over TLS as well, on its own port (0: any free one), with this certificate and key (PEM). */
  tls?: { cert: Buffer; key: Buffer; port: number };
  logger: Logger;
}

export interface EmbeddedBroker {
  port: number;
  /** The TLS port, when TLS is on. */
  tlsPort: number | null;
  /** What the limits and access rules refused so far. */
  stats: LimitStats & { access: AccessStats | null };
  close(): Promise<void>;
}

/** The contract's largest payload (256 KiB) plus room for a topic and the packet's headers. */
export const DEFAULT_MAX_PACKET_BYTES = mqttLimits.maxPayloadBytes + 1024;

interface RedisPersistence {
  persistence: unknown;
  /** Lets queued commands finish, then closes the connection. */
  close(): Promise<void>;
}

/** aedes in process, MQTT over TCP: the zero-set-up broker of `sport-connect up` and `sport-connect broker`. */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const log = options.logger.child({ module: 'broker' });
  const redis = options.redisUrl ? openRedisPersistence(options.redisUrl, log) : null;
  const aedes = await Aedes.createBroker(redis ? { persistence: redis.persistence } : {});
  // Access rules first: acknowledgeAfterPersisting wraps the publish authorisation in place.
  const access = options.accounts ? enforceBrokerAccess(aedes, { accounts: options.accounts, logger: options.logger }) : null;
  acknowledgeAfterPersisting(aedes);
  aedes.on('clientError', (client, error) => log.debug({ clientId: client.id, err: error }, 'client error'));
  const limits = limitedConnectionHandler(aedes, {
    maxPacketBytes: options.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES,
    maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? 64,
    logger: options.logger,
  });
  const server: Server = createServer(limits.handle);
  const tlsServer = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, limits.handle) : null;
  try {
    await listen(server, options.port, options.host);
    if (tlsServer && options.tls) await listen(tlsServer, options.tls.port, options.host);
  } catch (error) {
    // A port already taken: leave nothing running (aedes keeps a heartbeat timer, Redis a connection).
    access?.stop();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    await redis?.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const tlsPort = tlsServer ? (tlsServer.address() as AddressInfo).port : null;
  log.info(
    { port, tlsPort, host: options.host, persistence: options.redisUrl ? 'redis' : 'memory', authentication: access ? 'accounts' : 'none' },
    'embedded MQTT broker listening',
  );
  return {
    port,
    tlsPort,
    stats: Object.assign(limits.stats, { access: access?.stats ?? null }),
    async close() {
      access?.stop();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      // close() stops accepting and resolves once aedes has ended every client socket.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (tlsServer) await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
      await redis?.close();
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

const PUBLISHED = Symbol('published before its PUBACK');
type MarkedPacket = PublishPacket & { [PUBLISHED]?: true };

/**
 * aedes writes a QoS 1 PUBACK first and only then publishes the message, which stores it in the queues
 * of offline subscribers: a broker stopped (or crashing) in between loses messages it acknowledged (2 of
 * 50 seen in our restart test). Here the publish happens in authorizePublish, which aedes runs before the
 * PUBACK, so the PUBACK follows persistence; aedes's own publish of the same packet then does nothing.
 * A publish that fails (Redis away) fails the authorisation: no PUBACK, and the client sends it again.
 */
function acknowledgeAfterPersisting(aedes: Aedes): void {
  // At run time aedes.publish also takes the publishing client (its handlers pass it); its types omit it.
  const broker = aedes as unknown as { publish: PublishWithClient };
  const publish = broker.publish.bind(aedes);
  broker.publish = (packet, clientOrDone, done) => {
    const callback = typeof clientOrDone === 'function' ? clientOrDone : done;
    if ((packet as MarkedPacket)[PUBLISHED]) return callback?.();
    publish(packet, clientOrDone, done);
  };
  const authorize = aedes.authorizePublish;
  aedes.authorizePublish = (client, packet: MarkedPacket, callback) => {
    authorize.call(aedes, client, packet, (refused) => {
      if (refused || packet.qos !== 1) return callback(refused);
      publish(packet, client, (error) => {
        if (error) return callback(error);
        packet[PUBLISHED] = true;
        callback(null);
      });
    });
  };
}

type Done = (error?: Error) => void;
type PublishWithClient = (packet: PublishPacket, clientOrDone: Client | null | Done, done?: Done) => void;

function openRedisPersistence(redisUrl: string, log: Logger): RedisPersistence {
  // CommonJS, loaded only when Redis is configured.
  const aedesPersistenceRedis = require('aedes-persistence-redis') as (options: Record<string, unknown>) => unknown;
  const { Redis } = require('ioredis') as typeof import('ioredis');
  const connection = new Redis(redisUrl);
  connection.on('error', (error: Error) => log.warn({ err: error }, 'redis connection error'));
  // aedes-persistence-redis fires some commands without awaiting them (putWill's LREM and RPUSH): when
  // Redis goes away, their rejections would be unhandled and end the process. Every command's promise
  // gets a handler here; callers that await still see their errors.
  const sendCommand = connection.sendCommand.bind(connection);
  connection.sendCommand = ((...args: Parameters<typeof sendCommand>) => {
    const result = sendCommand(...args);
    void (result as Promise<unknown>).catch((error: unknown) => log.debug({ err: error }, 'redis command failed'));
    return result;
  }) as typeof connection.sendCommand;
  return {
    persistence: aedesPersistenceRedis({
      conn: connection,
      // Ingest may be away for a while: deliver its whole backlog when it returns (the default is 1000).
      maxSessionDelivery: 10_000_000,
    }),
    // Not the persistence's destroy(): it disconnects at once, and the commands aedes still has in flight
    // (some without a handler) would reject after the process thought it had stopped cleanly.
    close: async () => {
      await connection.quit().catch(() => {});
    },
  };
}
