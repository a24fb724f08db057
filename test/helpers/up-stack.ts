import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { loadUpConfig, type RunningStack, startUp } from '../../cli/up.ts';
import { brokerUrlWith, gatewayUsername } from '../../protocol/mqtt/access.ts';
import { testLogger } from './silent-logger.ts';

/** The token tests' Prometheus reads carry (METRICS_TOKEN of every test stack). */
export const TEST_METRICS_TOKEN = 'test-metrics-token-for-scrapers';

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
      METRICS_TOKEN: TEST_METRICS_TOKEN,
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

/** The stack's broker URL with fresh credentials of one gateway (its client id must be its user name). */
export function gatewayUrl(stack: RunningStack, club: string, gateway: string): string {
  return brokerUrlWith(stack.mqttUrl, stack.stores.mqttAccounts.issueGateway(club, gateway));
}

/** A client publishing as one gateway of one club, logged in. */
export function connectAsGateway(stack: RunningStack, club: string, gateway: string): Promise<MqttClient> {
  return mqtt.connectAsync(gatewayUrl(stack, club, gateway), { clientId: gatewayUsername(club, gateway) });
}

/** A reader with an api service account of its own (so the stack's own service passwords stay as they are). */
export function connectAsObserver(stack: RunningStack, name = 'sc-api-test'): Promise<MqttClient> {
  const url = brokerUrlWith(stack.mqttUrl, stack.stores.mqttAccounts.issueService('api', name));
  return mqtt.connectAsync(url, { clientId: `${name}-${Math.random().toString(16).slice(2, 8)}` });
}

/** The broker URL for an ingest of the test's own, logging in as the ingest service (rotates its password). */
export function ingestUrl(stack: RunningStack): string {
  return brokerUrlWith(stack.mqttUrl, stack.stores.mqttAccounts.issueService('ingest'));
}
