import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningService, startChildService } from './child-service.ts';
import { freePort } from './free-port.ts';
import { requireSystemProgram } from './system-service.ts';

export const REDIS_SERVER = '/usr/bin/redis-server';
export const hasRedis = () => requireSystemProgram(REDIS_SERVER, 'apt-get install redis-server (the tests start their own instance)');

/** A real Redis on a free port, append-only file on, so a broker using it survives its own restart. */
export async function startRedis(): Promise<RunningService & { url: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-redis-'));
  const port = await freePort();
  const service = await startChildService({
    name: 'redis-server',
    command: REDIS_SERVER,
    args: ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--protected-mode', 'no'],
    dir,
    isReady: () =>
      new Promise((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.end('PING\r\n'));
        socket.once('data', (data) => resolve(data.toString().startsWith('+PONG')));
        socket.once('error', () => resolve(false));
      }),
  });
  return { url: `redis://127.0.0.1:${port}`, ...service };
}
