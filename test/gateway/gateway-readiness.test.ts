import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { serveMetrics } from '../../cli/metrics-registry.ts';
import { EmulatedRoom } from '../../simulators/emulated-ble/emulated-room.ts';
import { BrokerLink, brokerAddressOf } from '../../simulators/scenario/broker-link.ts';
import { createEmulatedAdapter, GatewayService, gatewayConfig, temporaryDir, useEmbeddedBroker } from '../helpers/emulated-gateway.ts';
import { freePort } from '../helpers/free-port.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

// What an orchestrator asks a gateway on its metrics port: is it alive, is it ready (an adapter on, the
// broker reachable)? The broker is reached through a relay the test cuts; the adapter powers off.

describe('gateway readiness', () => {
  const brokerUrl = useEmbeddedBroker();

  it('is ready with an adapter on and the broker reachable, and says which is missing otherwise, while staying alive', async () => {
    const link = new BrokerLink(brokerAddressOf(brokerUrl())!);
    const url = await link.start(brokerUrl());
    const dir = temporaryDir('sc-gw-ready-');
    const adapter = createEmulatedAdapter(new EmulatedRoom(), { adapter: 'hci0', maxConnections: 5 });
    const gateway = new GatewayService(gatewayConfig({ MQTT_URL: url, GATEWAY_DATA_DIR: dir.path }), [adapter], testLogger);
    const port = await freePort();
    const server = serveMetrics(new Registry(), port, () => gateway.health());
    const ask = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: response.status, body: await response.json() };
    };
    try {
      await gateway.start();
      await waitFor(async () => (await ask('/health/ready')).status === 200, { what: 'the gateway ready' });
      expect((await ask('/health/ready')).body).toEqual({ status: 'ok', adaptersPoweredOn: 1, brokerConnected: true, outboxBacklog: 0 });

      link.goOffline();
      await waitFor(async () => (await ask('/health/ready')).status === 503, { what: 'not ready without its broker' });
      expect((await ask('/health/ready')).body.status).toBe('broker unreachable (keeping samples on disk)');
      expect(await ask('/health/live')).toEqual({ status: 200, body: { status: 'alive' } });
      link.restore();
      await waitFor(async () => (await ask('/health/ready')).status === 200, { what: 'ready again', timeoutMs: 30_000 });

      adapter.binding.powerOff();
      await waitFor(async () => (await ask('/health')).status === 503, { what: 'not ready without an adapter' });
      expect((await ask('/health')).body).toMatchObject({ status: 'no Bluetooth adapter powered on', adaptersPoweredOn: 0 });
      expect((await ask('/health/live')).status).toBe(200);
    } finally {
      server.close();
      await gateway.stop();
      await link.stop();
      dir.remove();
    }
  });
});
