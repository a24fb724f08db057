import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadUpConfig, type RunningStack, startUp } from '../../cli/up.ts';
import { testLogger } from './silent-logger.ts';

/** The whole `up` stack in this process, on free ports, in a temporary DATA_DIR. */
export async function startTestStack(
  env: Record<string, string> = {},
): Promise<RunningStack & { dataDir: string; dispose(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-up-'));
  const stack = await startUp(
    loadUpConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      MQTT_PORT: '0',
      MQTT_HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      SIM_ATHLETES: '0',
      INGEST_FLUSH_INTERVAL: '100ms',
      ...env,
    }),
    testLogger,
  );
  return {
    ...stack,
    dataDir,
    async dispose() {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
