import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../broker/embedded-broker.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('embedded broker with disk persistence', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const start = async (dir: string, port = 0): Promise<EmbeddedBroker> => {
    const broker = await startEmbeddedBroker({ port, host: '127.0.0.1', persistenceDir: dir, logger: testLogger });
    cleanups.push(() => broker.close());
    return broker;
  };
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-broker-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };

  // Repro of lost messages: a large QoS 1 message followed by small ones was dropped by aedes's
  // duplicate check once disk persistence reordered them.
  it('delivers every QoS 1 message in order when large and small messages alternate', async () => {
    const broker = await start(tempDir());
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const subscriber = await mqtt.connectAsync(url);
    cleanups.push(() => subscriber.endAsync());
    await subscriber.subscribeAsync('t/#', { qos: 1 });
    const received: number[] = [];
    subscriber.on('message', (_topic, payload) => received.push(payload.readUInt32BE(0)));
    const publisher = await mqtt.connectAsync(url);
    cleanups.push(() => publisher.endAsync());
    const sends = Array.from({ length: 40 }, (_, i) => {
      const payload = Buffer.alloc(i % 4 === 0 ? 200_000 : 64);
      payload.writeUInt32BE(i, 0);
      return publisher.publishAsync('t/x', payload, { qos: 1 });
    });
    await Promise.all(sends);
    await waitFor(() => received.length >= 40, { what: '40 messages' });
    expect(received).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('keeps a persistent session’s queued messages across a broker restart', async () => {
    const dir = tempDir();
    const first = await start(dir);
    const url = `mqtt://127.0.0.1:${first.port}`;
    const sessionClient = await mqtt.connectAsync(url, { clientId: 'keeper', clean: false });
    await sessionClient.subscribeAsync('t/#', { qos: 1 });
    await sessionClient.endAsync();
    const publisher = await mqtt.connectAsync(url);
    for (let i = 0; i < 10; i++) await publisher.publishAsync('t/x', String(i), { qos: 1 });
    await publisher.endAsync();
    await first.close();

    await start(dir, first.port);
    const received: string[] = [];
    const resumed = mqtt.connect(url, { clientId: 'keeper', clean: false });
    cleanups.push(() => resumed.endAsync());
    resumed.on('message', (_topic, payload) => received.push(payload.toString()));
    await waitFor(() => received.length >= 10, { what: 'queued messages after restart' });
    expect(received).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });
});
