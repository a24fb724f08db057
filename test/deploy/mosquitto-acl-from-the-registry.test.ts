import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mosquittoFiles } from '../../broker/mosquitto-config.ts';
import { openStores, type Stores } from '../../cli/open-stores.ts';
import { brokerUrlWith } from '../../protocol/mqtt/access.ts';
import { hasMosquitto, type RunningMosquitto, startMosquitto } from '../helpers/mosquitto.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

// Repro from issue 7: the deployment's static ACL let any gateway publish into any club, and forbade
// gateways to read their club's devices lists (which silently turned coordination off). The files are
// now written from the registry; here a real Mosquitto runs on them.
describe.skipIf(!hasMosquitto())('Mosquitto on the password file and ACL written from the registry', () => {
  let stores: Stores;
  let mosquitto: RunningMosquitto;
  const credentials: Record<string, { username: string; password: string }> = {};
  const clients: MqttClient[] = [];

  const connect = async (name: string, clientId: string) => {
    const client = await mqtt.connectAsync(brokerUrlWith(mosquitto.url, credentials[name]!), { clientId, reconnectPeriod: 0 });
    clients.push(client);
    return client;
  };
  /** Everything a client receives on the filters it subscribed, by topic. */
  const collect = (client: MqttClient) => {
    const received: string[] = [];
    client.on('message', (topic) => received.push(topic));
    return received;
  };

  beforeAll(async () => {
    stores = await openStores(':memory:', { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, testLogger);
    credentials.gwA1 = stores.mqttAccounts.issueGateway('club-a', 'gw-1');
    credentials.gwA2 = stores.mqttAccounts.issueGateway('club-a', 'gw-2');
    credentials.gwB = stores.mqttAccounts.issueGateway('club-b', 'gw-1');
    credentials.ingest = stores.mqttAccounts.issueService('ingest');
    mosquitto = await startMosquitto(mosquittoFiles(stores.mqttAccounts.live()));
  });
  afterAll(async () => {
    for (const client of clients) await client.endAsync(true);
    await mosquitto?.dispose();
    await stores?.close();
  });

  it('delivers a gateway’s telemetry to ingest, and nothing a gateway sends under another club', async () => {
    const ingest = await connect('ingest', 'sc-ingest');
    const seen = collect(ingest);
    await ingest.subscribeAsync('sc/v1/+/+/telemetry', { qos: 1 });
    const gateway = await connect('gwA1', 'club-a.gw-1');
    await gateway.publishAsync('sc/v1/club-a/gw-1/telemetry', 'own', { qos: 1 });
    await gateway.publishAsync('sc/v1/club-b/gw-1/telemetry', 'forged', { qos: 1 });
    await gateway.publishAsync('sc/v1/club-a/gw-2/telemetry', 'forged', { qos: 1 });
    await waitFor(() => seen.length >= 1, { what: 'the gateway’s own telemetry delivered' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen).toEqual(['sc/v1/club-a/gw-1/telemetry']);
  });

  it('lets a gateway read its own club’s devices lists (coordination) and no other club’s', async () => {
    const reader = await connect('gwA1', 'club-a.gw-1');
    const seen = collect(reader);
    await reader.subscribeAsync('sc/v1/club-a/+/devices', { qos: 1 });
    const peer = await connect('gwA2', 'club-a.gw-2');
    const other = await connect('gwB', 'club-b.gw-1');
    await peer.publishAsync('sc/v1/club-a/gw-2/devices', '{}', { qos: 1 });
    await other.publishAsync('sc/v1/club-b/gw-1/devices', '{}', { qos: 1 });
    await waitFor(() => seen.includes('sc/v1/club-a/gw-2/devices'), { what: 'the peer’s devices list' });
    // Even a wider filter only ever brings its own club's lists: the ACL drops the rest on delivery.
    await reader.subscribeAsync('sc/v1/+/+/devices', { qos: 1 });
    await other.publishAsync('sc/v1/club-b/gw-1/devices', '{}', { qos: 1 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen.filter((topic) => topic.includes('club-b'))).toEqual([]);
  });

  it('refuses anonymous clients and, once rewritten, a revoked gateway', async () => {
    await expect(mqtt.connectAsync(mosquitto.url, { reconnectPeriod: 0 })).rejects.toThrow(/Not authorized|Bad username/i);
    stores.mqttAccounts.revokeGateway('club-a', 'gw-2');
    await mosquitto.dispose();
    mosquitto = await startMosquitto(mosquittoFiles(stores.mqttAccounts.live()));
    await expect(
      mqtt.connectAsync(brokerUrlWith(mosquitto.url, credentials.gwA2!), { clientId: 'club-a.gw-2', reconnectPeriod: 0 }),
    ).rejects.toThrow(/Not authorized|Bad username/i);
    const stillThere = await connect('gwA1', 'club-a.gw-1');
    expect(stillThere.connected).toBe(true);
  });
});
