import mqtt from 'mqtt';
import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CLUB, seedDemoClub } from '../../cli/seed-demo-club.ts';
import { IngestService } from '../../ingest/ingest-service.ts';
import { mqttLimits } from '../../protocol/mqtt/limits.ts';
import { createRoster } from '../../simulators/roster.ts';
import { runSimulation } from '../../simulators/run-simulation.ts';
import { readMetrics } from '../helpers/metrics.ts';
import { sessionCookie } from '../helpers/sessions.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { connectAsGateway, connectAsObserver, gatewayUrl, ingestUrl, startTestStack } from '../helpers/up-stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

// Glossary: "published" = samples the simulator's virtual gateway got PUBACKs for; "stored" = rows in
// the time-series store; a "forced redelivery" = the broker sending again a message ingest had queued
// but not acknowledged (ingest crashed in between).

type Stack = Awaited<ReturnType<typeof startTestStack>>;

async function metric(stack: Stack, line: RegExp): Promise<number> {
  const text = await readMetrics(stack.apiUrl);
  const match = text.split('\n').find((l) => line.test(l));
  return match ? Number(match.split(' ').at(-1)) : 0;
}

describe('the whole up stack in one process', () => {
  let stack: Stack;
  const recorded: { topic: string; payload: Buffer }[] = [];
  let published = 0;
  let messages = 0;
  let coach = '';

  beforeAll(async () => {
    stack = await startTestStack();
    await seedDemoClub(stack.stores, createRoster(20, 42));
    coach = sessionCookie(stack.stores, { membership: { club: DEMO_CLUB, role: 'coach', athlete: null } });
    const recorder = await connectAsObserver(stack);
    await recorder.subscribeAsync('sc/v1/+/+/telemetry', { qos: 1 });
    recorder.on('message', (topic, payload) => recorded.push({ topic, payload }));
    const result = await runSimulation({
      brokerUrl: gatewayUrl(stack, DEMO_CLUB, 'sim-gw'),
      club: DEMO_CLUB,
      gateway: 'sim-gw',
      athletes: 20,
      seed: 42,
      durationMs: 30_000,
      pace: 'fast',
      logger: testLogger,
    });
    published = result.published;
    messages = result.messages;
    await waitFor(() => recorded.length === messages, { what: 'recorder to see every message' });
    await recorder.endAsync();
  });

  afterAll(async () => {
    await stack?.dispose();
  });

  it('stores exactly the samples the simulator published, attributed to the members', async () => {
    expect(published).toBeGreaterThan(20 * 30); // 20 straps × 30 s of heart rate, plus battery reports
    await waitFor(async () => (await stack.stores.timeSeries.countPoints({ club: DEMO_CLUB })) === published, {
      what: 'all samples stored',
    });
    expect(await metric(stack, /^sc_ingest_samples_stored_total /)).toBe(published);
    expect(await stack.stores.timeSeries.countPoints({ club: DEMO_CLUB, athlete: 'member-001' })).toBeGreaterThanOrEqual(25);
    const now = Date.now();
    const history = await (
      await fetch(`${stack.apiUrl}/api/v1/clubs/demo/athletes/member-001/history?fromMs=${now - 60_000}&toMs=${now + 1000}&bucket=5s`, {
        headers: { cookie: coach },
      })
    ).json();
    const means = history.mean.filter((value: number | null) => value !== null);
    expect(means.length).toBeGreaterThanOrEqual(5);
    for (const bpm of means) expect(bpm).toBeGreaterThan(40);
  });

  it('answers /health with the state of its ingest', async () => {
    const response = await fetch(`${stack.apiUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', store: 'sqlite', ingest: { status: 'ok', queueFull: false } });
  });

  it('creates no duplicate when a gateway replays every message it already sent', async () => {
    const replayer = await connectAsGateway(stack, DEMO_CLUB, 'sim-gw');
    for (const { topic, payload } of recorded) await replayer.publishAsync(topic, payload, { qos: 1 });
    await replayer.endAsync();
    await waitFor(async () => (await metric(stack, /^sc_ingest_sequence_repeats_total /)) === messages, { what: 'replayed messages seen' });
    await stack.ingest.writer.flush();
    expect(await stack.stores.timeSeries.countPoints({ club: DEMO_CLUB })).toBe(published);
  });

  it('creates no duplicate when ingest crashes after queueing a message and the broker redelivers it', async () => {
    // The stack's ingest goes away; its persistent session keeps collecting QoS 1 messages at the broker.
    await stack.ingest.stop();
    // Another club: the same roster in the same club would rewrite the same (device, kind, time) keys.
    const second = await runSimulation({
      brokerUrl: gatewayUrl(stack, 'club-two', 'sim-gw-2'),
      club: 'club-two',
      gateway: 'sim-gw-2',
      athletes: 5,
      seed: 7,
      durationMs: 10_000,
      pace: 'fast',
      logger: testLogger,
    });

    // A first ingest resumes the session, queues one message durably, and dies before its PUBACK.
    const asIngest = ingestUrl(stack);
    const crashing = new IngestService(
      {
        MQTT_URL: asIngest,
        INGEST_CLIENT_ID: 'sc-ingest',
        INGEST_BATCH_SIZE: 5000,
        INGEST_FLUSH_INTERVAL: 50,
        INGEST_QUEUE_MAX_POINTS: 100_000,
      },
      { ...stack.stores, metricsRegistry: new MetricsRegistry(), logger: testLogger },
    );
    const crashedPayload = await new Promise<string>((resolve) => {
      const client = mqtt.connect(asIngest, { clientId: 'sc-ingest', clean: false, reconnectPeriod: 0 });
      client.handleMessage = (packet) => {
        crashing.accept(packet.topic, packet.payload as Buffer);
        client.end(true); // SIGKILL-like: the socket closes with no PUBACK sent
        resolve(packet.payload.toString());
      };
    });
    await crashing.writer.flush();
    await crashing.writer.stop();
    const queuedBeforeCrash = await stack.stores.timeSeries.countPoints({ club: 'club-two' });
    expect(queuedBeforeCrash).toBeGreaterThan(0);

    // The restarted ingest gets everything again, the crashed message included.
    const restarted = new IngestService(
      {
        MQTT_URL: asIngest,
        INGEST_CLIENT_ID: 'sc-ingest',
        INGEST_BATCH_SIZE: 5000,
        INGEST_FLUSH_INTERVAL: 50,
        INGEST_QUEUE_MAX_POINTS: 100_000,
      },
      { ...stack.stores, metricsRegistry: new MetricsRegistry(), logger: testLogger },
    );
    // What the restarted ingest queues, sample by sample: the crashed message's samples must come again.
    const requeued = new Set<string>();
    const remember = restarted.queue.remember.bind(restarted.queue);
    restarted.queue.remember = (id, nowMs, points) => {
      for (const point of points) requeued.add(`${point.device}@${point.timeMs}`);
      remember(id, nowMs, points);
    };
    const crashedSamples = (JSON.parse(crashedPayload) as { samples: { device: string; timeMs: number }[] }).samples.map(
      (sample) => `${sample.device}@${sample.timeMs}`,
    );
    await restarted.start();
    try {
      const count = () => stack.stores.timeSeries.countPoints({ club: 'club-two' });
      await waitFor(async () => (await count()) === second.published, { what: 'second class stored' });
      await waitFor(() => crashedSamples.every((sample) => requeued.has(sample)), { what: 'the crashed message to be redelivered' });
      await restarted.writer.flush();
      expect(await count()).toBe(second.published);
      expect(await stack.stores.timeSeries.countPoints({ club: DEMO_CLUB })).toBe(published);
    } finally {
      await restarted.stop();
    }
  });
});

describe('bad messages', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  it('land in the dead letters with their reason, counted, while their neighbours are stored', async () => {
    const platformAdmin = sessionCookie(stack.stores, { platformAdmin: true });
    const now = Date.now();
    const good = (seq: number, timeMs = now - 1000) =>
      JSON.stringify({
        v: 1,
        gateway: 'gw-1',
        seq,
        sentAtMs: now,
        samples: [{ device: 'strap-x', timeMs, kind: 'heart_rate', values: { heartRateBpm: 120 } }],
      });
    const topic = 'sc/v1/club-b/gw-1/telemetry';
    const client = await connectAsGateway(stack, 'club-b', 'gw-1');
    // A second gateway whose payload names the first: the topic (its own, as the broker enforces) wins.
    const other = await connectAsGateway(stack, 'club-b', 'gw-2');
    const sends: [string, string | Buffer][] = [
      [topic, good(1)],
      [topic, '{"v":1, this is not json'],
      [
        topic,
        JSON.stringify({
          v: 1,
          gateway: 'gw-1',
          seq: 2,
          sentAtMs: now,
          samples: [{ device: 'strap-x', timeMs: now, kind: 'heart_rate', values: { heartRateBpm: 'fast' } }],
        }),
      ],
      [topic, Buffer.alloc(mqttLimits.maxPayloadBytes + 10, 0x20)],
      [topic, good(4, now + 60 * 60_000)],
      [topic, good(5, now - 500)],
    ];
    for (const [to, payload] of sends) await client.publishAsync(to, payload, { qos: 1 });
    await other.publishAsync('sc/v1/club-b/gw-2/telemetry', good(3), { qos: 1 });
    await client.endAsync();
    await other.endAsync();

    await waitFor(async () => (await stack.stores.timeSeries.countPoints({ club: 'club-b' })) === 2, { what: 'good neighbours stored' });
    // The broker may deliver the 256 KiB message after smaller later ones (it persists it first).
    const response = await waitFor(
      async () => {
        const body = await (await fetch(`${stack.apiUrl}/api/v1/dead-letters`, { headers: { cookie: platformAdmin } })).json();
        return body.letters.length === 5 ? body : undefined;
      },
      { what: 'five dead letters' },
    );
    expect(response.counts).toEqual({
      invalid_json: 1,
      schema_violation: 1,
      payload_too_large: 1,
      gateway_mismatch: 1,
      future_timestamp: 1,
    });
    const schema = response.letters.find((letter: { reason: string }) => letter.reason === 'schema_violation');
    expect(schema.detail).toMatch(/heartRateBpm/);
    expect(schema.payloadPreview).toContain('"fast"');
    const metrics = await readMetrics(stack.apiUrl);
    for (const reason of ['invalid_json', 'schema_violation', 'payload_too_large', 'gateway_mismatch', 'future_timestamp']) {
      expect(metrics).toContain(`sc_ingest_messages_rejected_total{reason="${reason}"} 1`);
    }
    // The unknown club and its unpaired strap are kept under the device, not dropped.
    expect(await stack.stores.timeSeries.countPoints({ club: 'club-b', device: 'strap-x' })).toBe(2);
  });
});
