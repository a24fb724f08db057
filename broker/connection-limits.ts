import type { Socket } from 'node:net';
import type { Aedes, Client } from 'aedes';
import type { Logger } from 'pino';

export interface ConnectionLimitOptions {
  /** Largest MQTT packet accepted, bytes; the client sending a larger one is disconnected before it is read. */
  maxPacketBytes: number;
  /** Connections one address may hold at once (a club's gateways and services are a handful). */
  maxConnectionsPerAddress: number;
  logger: Logger;
}

export interface LimitStats {
  oversizedPackets: number;
  refusedConnections: number;
}

interface PacketParser {
  packet: { length: number };
  _parseLength(): boolean;
  _emitError(error: Error): void;
}

/**
 * The broker's connection handler with bounds aedes lacks: a packet's size is known from its fixed header
 * (MQTT-2.2.3 Remaining Length) before its body is buffered, so a 100 MB publish is cut off after a few
 * bytes instead of filling memory; and one address cannot open connections without end.
 */
export function limitedConnectionHandler(
  aedes: Aedes,
  options: ConnectionLimitOptions,
): { handle: (socket: Socket) => void; stats: LimitStats } {
  const log = options.logger.child({ module: 'broker-limits' });
  const stats: LimitStats = { oversizedPackets: 0, refusedConnections: 0 };
  const perAddress = new Map<string, number>();

  function handle(socket: Socket): void {
    const address = socket.remoteAddress ?? 'unknown';
    const open = perAddress.get(address) ?? 0;
    if (open >= options.maxConnectionsPerAddress) {
      stats.refusedConnections++;
      if (stats.refusedConnections % 100 === 1) log.warn({ address, open }, 'too many connections from one address: refusing more');
      socket.destroy();
      return;
    }
    perAddress.set(address, open + 1);
    socket.once('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
    const client = aedes.handle(socket) as Client & { _parser: PacketParser };
    limitPacketSize(client, socket);
  }

  function limitPacketSize(client: Client & { _parser: PacketParser }, socket: Socket): void {
    const parser = client._parser;
    const parseLength = parser._parseLength.bind(parser);
    parser._parseLength = () => {
      const complete = parseLength();
      if (complete && parser.packet.length > options.maxPacketBytes) {
        stats.oversizedPackets++;
        log.warn(
          { clientId: client.id, bytes: parser.packet.length, max: options.maxPacketBytes },
          'packet over the size limit: disconnecting',
        );
        socket.destroy();
        return false;
      }
      return complete;
    };
  }

  return { handle, stats };
}
