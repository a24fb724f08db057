import { Aedes } from 'aedes';
import { Level } from 'level';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createRequire } from 'node:module';
import type { Logger } from 'pino';

const require = createRequire(import.meta.url);
// CommonJS without types: (db: Level) => aedes persistence.
const aedesPersistenceLevel = require('aedes-persistence-level') as (db: Level<string, unknown>) => Record<string, unknown>;

// The steps of aedes's publish path that wait on persistence before a packet is emitted to subscribers.
const ORDERED_PERSISTENCE_STEPS = ['storeRetained', 'subscriptionsByTopic', 'outgoingEnqueueCombi'] as const;

/**
 * aedes numbers packets as they arrive and a subscriber drops any packet numbered below the last one
 * it received (its duplicate check). With a disk persistence, a large packet's writes can finish
 * after a later small packet's, so the large one is emitted second and silently dropped (seen here:
 * 1–2 of 30 QoS 1 messages lost; aedes issue #994 describes the mechanism). Running these persistence
 * steps one at a time, in call order, keeps emission in arrival order.
 */
function keepPublishOrder<T extends Record<string, unknown>>(persistence: T): T {
  let tail: Promise<unknown> = Promise.resolve();
  for (const step of ORDERED_PERSISTENCE_STEPS) {
    const original = persistence[step] as (...args: unknown[]) => Promise<unknown>;
    (persistence as Record<string, unknown>)[step] = (...args: unknown[]) => {
      const result = tail.then(() => original.apply(persistence, args));
      tail = result.catch(() => {});
      return result;
    };
  }
  return persistence;
}

export interface EmbeddedBrokerOptions {
  port: number;
  host: string;
  /**
   * Folder for sessions, subscriptions and QoS 1 queues (LevelDB). Without it they live in memory and
   * a broker restart forgets what ingest had not yet received.
   */
  persistenceDir?: string;
  logger: Logger;
}

export interface EmbeddedBroker {
  port: number;
  close(): Promise<void>;
}

/** aedes in process, MQTT over TCP: the zero-set-up broker of `sport-connect up` and `sport-connect broker`. */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const log = options.logger.child({ module: 'broker' });
  const db = options.persistenceDir ? new Level<string, unknown>(options.persistenceDir) : null;
  const aedes = await Aedes.createBroker(db ? { persistence: keepPublishOrder(aedesPersistenceLevel(db)) } : {});
  aedes.on('clientError', (client, error) => log.debug({ clientId: client.id, err: error }, 'client error'));
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, host: options.host, persistence: options.persistenceDir ?? 'memory' }, 'embedded MQTT broker listening');
  return {
    port,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      // close() stops accepting and resolves once aedes has ended every client socket.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db?.close();
    },
  };
}
