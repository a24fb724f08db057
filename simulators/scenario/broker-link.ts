import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * The network between a simulated gateway and its broker: a TCP relay on 127.0.0.1 the gateway connects
 * through, which a scenario can cut (every link dropped, new ones refused) and restore. The gateway code
 * then lives through a real loss of its broker, as on a club's flaky network.
 */
export class BrokerLink {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private cut = false;

  constructor(private readonly broker: { host: string; port: number }) {}

  /** Starts the relay; returns the URL the gateway uses instead of the broker's (same credentials and path). */
  async start(brokerUrl: string): Promise<string> {
    const server = createServer((client) => this.relay(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const url = new URL(brokerUrl);
    url.hostname = '127.0.0.1';
    url.port = String((server.address() as { port: number }).port);
    return url.toString();
  }

  get offline(): boolean {
    return this.cut;
  }

  /** The broker is gone for the gateway: links drop now, new ones are refused until restore(). */
  goOffline(): void {
    this.cut = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.cut = false;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private relay(client: Socket): void {
    if (this.cut) {
      client.destroy();
      return;
    }
    const upstream = connect(this.broker.port, this.broker.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      // Either end failing ends both, as a dropped route would.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

/** Where an mqtt:// or ws:// URL's broker listens (TLS URLs cannot be relayed without breaking their certificate check). */
export function brokerAddressOf(brokerUrl: string): { host: string; port: number } | null {
  const url = new URL(brokerUrl);
  const defaults: Record<string, number> = { 'mqtt:': 1883, 'tcp:': 1883, 'ws:': 80 };
  const defaultPort = defaults[url.protocol];
  if (defaultPort === undefined) return null;
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : defaultPort };
}
