import { Aedes } from 'aedes';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

export interface EmbeddedBroker {
  port: number;
  close(): Promise<void>;
}

/**
 * aedes in process, MQTT over TCP: the zero-set-up broker of `sport-connect up` and `sport-connect broker`.
 * Sessions and QoS 1 queues live in memory here; a club that needs them to survive a broker restart
 * runs Mosquitto (persistence true) or EMQX instead.
 */
export async function startEmbeddedBroker(options: { port: number; host: string; logger: Logger }): Promise<EmbeddedBroker> {
  const log = options.logger.child({ module: 'broker' });
  const aedes = await Aedes.createBroker();
  aedes.on('clientError', (client, error) => log.debug({ clientId: client.id, err: error }, 'client error'));
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, host: options.host }, 'embedded MQTT broker listening');
  return {
    port,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      // Closing the listener waits for open sockets; aedes.close() has already ended them.
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
