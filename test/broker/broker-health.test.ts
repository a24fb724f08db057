import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.ts';
import { hasPostgres, startPostgres } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/wait-for.ts';

const CLI = fileURLToPath(new URL('../../bin/sport-connect.js', import.meta.url));

// `sport-connect broker` alone, for orchestrators: alive while it answers, ready while it listens and can
// read the MQTT accounts clients log in with (on PostgreSQL, another server).
describe.skipIf(!hasPostgres())('the embedded broker’s health', () => {
  it('is ready with its registry, not ready (but alive) while the registry’s PostgreSQL is away, ready again after', async () => {
    const postgres = await startPostgres();
    const metricsPort = await freePort();
    const health = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${metricsPort}${path}`).catch(() => null);
      return response ? { status: response.status, body: (await response.json()) as { status: string } } : null;
    };
    let broker: ChildProcess | null = null;
    try {
      broker = spawn(process.execPath, [CLI, 'broker'], {
        env: {
          ...process.env,
          DATA_DIR: mkdtempSync(join(tmpdir(), 'sc-broker-health-')),
          DATABASE_URL: await postgres.createDatabase('broker'),
          MQTT_PORT: String(await freePort()),
          MQTT_HOST: '127.0.0.1',
          BROKER_METRICS_PORT: String(metricsPort),
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let log = '';
      broker.stderr!.on('data', (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-4000);
      });
      const running = broker;
      await waitFor(
        async () => {
          if (running.exitCode !== null) throw new Error(`the broker exited: ${log}`);
          return (await health('/health/ready'))?.status === 200;
        },
        { what: 'the broker ready', timeoutMs: 60_000 },
      );
      expect((await health('/health/ready'))?.body).toEqual({ status: 'ok' });
      await postgres.stop();
      await waitFor(async () => (await health('/health/ready'))?.status === 503, { what: 'the broker not ready' });
      expect((await health('/health/ready'))?.body).toEqual({ status: 'registry unreachable' });
      expect((await health('/health/live'))?.status).toBe(200);
      await postgres.start();
      await waitFor(async () => (await health('/health/ready'))?.status === 200, { what: 'the broker ready again', timeoutMs: 40_000 });
    } finally {
      broker?.kill('SIGTERM');
      await postgres.dispose();
    }
  });
});
