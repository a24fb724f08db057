import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningService, startChildService } from './child-service.ts';
import { freePort } from './free-port.ts';
import { requireSystemProgram } from './system-service.ts';

export const INFLUXD = '/usr/bin/influxd';
export const hasInfluxd = () => requireSystemProgram(INFLUXD, 'apt-get install influxdb (the tests start influxd themselves)');

export interface RunningInfluxd extends RunningService {
  url: string;
}

/** A real InfluxDB 1.x on free ports with its own temporary data, config written for the test. */
export async function startInfluxd(): Promise<RunningInfluxd> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-influxd-'));
  const [httpPort, rpcPort] = [await freePort(), await freePort()];
  const config = join(dir, 'influxdb.conf');
  writeFileSync(
    config,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpcPort}"`,
      '[meta]',
      `  dir = "${dir}/meta"`,
      '[data]',
      `  dir = "${dir}/data"`,
      `  wal-dir = "${dir}/wal"`,
      '  query-log-enabled = false',
      '[http]',
      `  bind-address = "127.0.0.1:${httpPort}"`,
      '  log-enabled = false',
      '[monitor]',
      '  store-enabled = false',
      '[continuous_queries]',
      '  log-enabled = false',
    ].join('\n'),
  );
  const url = `http://127.0.0.1:${httpPort}`;
  const service = await startChildService({
    name: 'influxd',
    command: INFLUXD,
    args: ['-config', config],
    dir,
    isReady: async () => (await fetch(`${url}/ping`).catch(() => null))?.status === 204,
  });
  return { url, ...service };
}
