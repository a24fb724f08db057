import { createRequire } from 'node:module';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import type { Logger } from 'pino';

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
  logger: Logger;
}

export interface EmbeddedBroker {
  port: number;
  close(): Promise<void>;
}

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
  acknowledgeAfterPersisting(aedes);
  aedes.on('clientError', (client, error) => log.debug({ clientId: client.id, err: error }, 'client error'));
  const server: Server = createServer(aedes.handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolve());
    });
  } catch (error) {
    // A port already taken: leave nothing running (aedes keeps a heartbeat timer, Redis a connection).
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await redis?.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  log.info({ port, host: options.host, persistence: options.redisUrl ? 'redis' : 'memory' }, 'embedded MQTT broker listening');
  return {
    port,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      // close() stops accepting and resolves once aedes has ended every client socket.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await redis?.close();
    },
  };
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
