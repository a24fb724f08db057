import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChildService } from './child-service.ts';
import { freePort } from './free-port.ts';
import { requireSystemProgram } from './system-service.ts';

export const VICTORIA_METRICS = '/usr/bin/victoria-metrics';
export const hasVictoriaMetrics = () => requireSystemProgram(VICTORIA_METRICS, 'apt-get install victoria-metrics');

/**
 * VictoriaMetrics speaks InfluxDB line protocol on /api/v2/write (as 1.8+, 2.x and 3.x do), which
 * Debian's InfluxDB 1.6 lacks: it is the real server our v2 write path is tested against.
 */
export async function startVictoriaMetrics(): Promise<{
  url: string;
  exportSeries(match: string): Promise<{ metric: Record<string, string>; values: number[]; timestamps: number[] }[]>;
  dispose(): Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-vm-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const service = await startChildService({
    name: 'victoria-metrics',
    command: VICTORIA_METRICS,
    args: [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${dir}`, '-loggerLevel=ERROR'],
    dir,
    isReady: async () => (await fetch(`${url}/health`).catch(() => null))?.ok === true,
  });
  return {
    url,
    async exportSeries(match) {
      const response = await fetch(`${url}/api/v1/export`, { method: 'POST', body: new URLSearchParams({ 'match[]': match }) });
      const text = await response.text();
      return text.trim()
        ? text
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line))
        : [];
    },
    dispose: service.dispose,
  };
}
