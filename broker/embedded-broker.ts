import { Aedes } from 'aedes';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo, type Server } from 'node:net';
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

interface ClosablePersistence {
  destroy(): Promise<void>;
}

/** aedes in process, MQTT over TCP: the zero-set-up broker of `sport-connect up` and `sport-connect broker`. */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const log = options.logger.child({ module: 'broker' });
  const persistence = options.redisUrl ? openRedisPersistence(options.redisUrl) : null;
  const aedes = await Aedes.createBroker(persistence ? { persistence } : {});
  aedes.on('clientError', (client, error) => log.debug({ clientId: client.id, err: error }, 'client error'));
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, host: options.host, persistence: options.redisUrl ? 'redis' : 'memory' }, 'embedded MQTT broker listening');
  return {
    port,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      // close() stops accepting and resolves once aedes has ended every client socket.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await persistence?.destroy().catch(() => {});
    },
  };
}

function openRedisPersistence(redisUrl: string): ClosablePersistence {
  // CommonJS, loaded only when Redis is configured.
  const aedesPersistenceRedis = require('aedes-persistence-redis') as (options: Record<string, unknown>) => ClosablePersistence;
  const url = new URL(redisUrl);
  return aedesPersistenceRedis({
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    // Ingest may be away for a while: deliver its whole backlog when it returns (the default is 1000).
    maxSessionDelivery: 10_000_000,
  });
}
