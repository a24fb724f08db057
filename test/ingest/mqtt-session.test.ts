import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttSession, type ReceivedPublish } from '../../ingest/mqtt-session.ts';
import { hasMosquitto, type RunningMosquitto, startMosquitto } from '../helpers/mosquitto.ts';
import { waitFor } from '../helpers/wait-for.ts';

const TOPIC = 'sc/v1/session-club/gw/telemetry';

/**
 * Ingest's own MQTT session against a real Mosquitto: what the broker redelivers after a reconnect
 * shows which PUBACKs it got. A PUBACK out of order, or one sent for an earlier connection's message,
 * would make the broker forget a message ingest never committed.
 */
describe.skipIf(!hasMosquitto())('ingest’s MQTT session', () => {
  let broker: RunningMosquitto;
  let publisher: MqttClient;

  beforeAll(async () => {
    broker = await startMosquitto();
    publisher = await mqtt.connectAsync(broker.url, { clientId: 'session-test-publisher' });
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await broker?.dispose();
  });

  /** A persistent session that records every message (with its acknowledge) and every CONNACK. */
  async function openSession(clientId: string, tuning: { keepaliveS?: number; maxUnacknowledged?: number } = {}) {
    const received: { message: ReceivedPublish; acknowledge: () => void }[] = [];
    let connects = 0;
    const session: MqttSession = new MqttSession(
      {
        url: broker.url,
        clientId,
        clean: false,
        keepaliveS: tuning.keepaliveS ?? 5,
        reconnectMs: 100,
        maxUnacknowledged: tuning.maxUnacknowledged ?? 100,
      },
      {
        onConnect: (sessionPresent) => {
          connects++;
          // A connection lost before the SUBACK subscribes again on the next CONNACK.
          if (!sessionPresent) session.subscribe([TOPIC], 1).catch(() => {});
        },
        onPublish: (message, acknowledge) => received.push({ message, acknowledge }),
        onClose: () => {},
        onError: () => {},
      },
    );
    session.start();
    await waitFor(() => session.connected && connects > 0, { what: 'connected' });
    // The SUBACK: a message published now reaches the session.
    await waitFor(
      async () => {
        await publisher.publishAsync(TOPIC, 'probe', { qos: 1 });
        return received.some((one) => one.message.payload.toString() === 'probe');
      },
      { what: 'subscribed' },
    );
    for (const one of received) one.acknowledge();
    received.length = 0;
    const reconnect = async () => {
      const before = connects;
      session.reconnect();
      await waitFor(() => session.connected && connects > before, { what: 'reconnected' });
    };
    return {
      session,
      received,
      reconnect,
      connects: () => connects,
      payloads: () => received.map((one) => one.message.payload.toString()),
    };
  }

  it('sends no PUBACK past a message not yet acknowledged: the broker redelivers it and everything after it', async () => {
    const { session, received, reconnect, payloads } = await openSession('session-order');
    try {
      for (const payload of ['m1', 'm2', 'm3']) await publisher.publishAsync(TOPIC, payload, { qos: 1 });
      await waitFor(() => received.length === 3, { what: 'three messages' });
      // m2 and m3 committed, m1 not: no PUBACK may leave yet.
      received[1]!.acknowledge();
      received[2]!.acknowledge();
      received.length = 0;
      await reconnect();
      await waitFor(() => received.length >= 3, { what: 'redelivery' });
      expect(payloads()).toEqual(['m1', 'm2', 'm3']);
      // Now in order: all three go, and nothing comes back after the next reconnect.
      for (const one of received) one.acknowledge();
      received.length = 0;
      await new Promise((resolve) => setTimeout(resolve, 200));
      await reconnect();
      await publisher.publishAsync(TOPIC, 'm4', { qos: 1 });
      await waitFor(() => received.length > 0, { what: 'the next message' });
      expect(payloads()).toEqual(['m4']);
      received[0]!.acknowledge();
    } finally {
      await session.stop();
    }
  });

  it('never acknowledges on a new connection what an earlier one delivered', async () => {
    const { session, received, reconnect, payloads } = await openSession('session-stale');
    try {
      await publisher.publishAsync(TOPIC, 'late', { qos: 1 });
      await waitFor(() => received.length === 1, { what: 'the message' });
      const stale = received[0]!.acknowledge;
      received.length = 0;
      await reconnect();
      await waitFor(() => received.length === 1, { what: 'its redelivery' });
      // The first connection's acknowledge, called late, must not acknowledge the redelivered copy.
      stale();
      received.length = 0;
      await new Promise((resolve) => setTimeout(resolve, 200));
      await reconnect();
      await waitFor(() => received.length === 1, { what: 'a second redelivery' });
      expect(payloads()).toEqual(['late']);
      received[0]!.acknowledge();
    } finally {
      await session.stop();
    }
  });

  it('stops reading with too many unacknowledged, keeps the link through many keep-alives, and reads on once they are acknowledged', async () => {
    const { session, received, connects } = await openSession('session-hold', { keepaliveS: 1, maxUnacknowledged: 3 });
    try {
      // Large messages, so the socket's buffers cannot take them all while reading is stopped.
      const big = (index: number) => `${String(index).padStart(4, '0')}${'x'.repeat(200_000)}`;
      for (let index = 0; index < 30; index++) await publisher.publishAsync(TOPIC, big(index), { qos: 1 });
      await waitFor(() => received.length >= 3, { what: 'the first messages' });
      // Four keep-alive periods with nothing acknowledged.
      await new Promise((resolve) => setTimeout(resolve, 4000));
      expect(received.length).toBeLessThan(30);
      expect(session.connected).toBe(true);
      expect(connects()).toBe(1);
      const seen: string[] = [];
      await waitFor(
        () => {
          for (const one of received.splice(0)) {
            seen.push(one.message.payload.subarray(0, 4).toString());
            one.acknowledge();
          }
          return seen.length >= 30;
        },
        { what: 'the rest, once acknowledged', timeoutMs: 20_000 },
      );
      expect(seen).toEqual(Array.from({ length: 30 }, (_, index) => String(index).padStart(4, '0')));
      expect(connects()).toBe(1);
    } finally {
      await session.stop();
    }
  });
});
