/**
 * Bench 2: the brokers alone, same QoS 1 load: the embedded aedes (`sport-connect broker`, logins on)
 * and Debian's Mosquitto. Throughput: a backlog of telemetry from gateways in their own process to one
 * subscriber that acknowledges at once. Latency: gateways publishing once a second, publish → delivery.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores } from '../cli/open-stores.ts';
import { MqttSession } from '../ingest/mqtt-session.ts';
import { brokerUrlWith } from '../protocol/mqtt/access.ts';
import { freePort } from '../test/helpers/free-port.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { percentile, progress, quietLogger, round, startPublisher, startSportConnect } from './lib.ts';

const GATEWAYS = 4;
const DEVICES = 20;
const LATENCY_GATEWAYS = 250;

export interface BrokerRun {
  broker: string;
  messagesPerSecond: number;
  messages: number;
  /** Publish → delivery to the subscriber at LATENCY_GATEWAYS messages a second. */
  deliveryMs: { messages: number; p50: number; p95: number; p99: number };
}

interface BrokerUnderTest {
  name: string;
  gatewayUrl: (club: string, gateway: string) => string;
  subscriberUrl: string;
  subscriberId: string;
  dispose(): Promise<void>;
}

/** A subscriber on our own MQTT session, acknowledging each message as it arrives. */
async function subscribe(broker: BrokerUnderTest, onMessage: (payload: Buffer) => void): Promise<MqttSession> {
  let ready!: () => void;
  const subscribed = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const session: MqttSession = new MqttSession(
    { url: broker.subscriberUrl, clientId: broker.subscriberId, clean: true, keepaliveS: 30, reconnectMs: 1000, maxUnacknowledged: 1000 },
    {
      // A connection lost before the SUBACK subscribes again on the next CONNACK.
      onConnect: () =>
        void session
          .subscribe(['sc/v1/+/+/telemetry'], 1)
          .then(() => ready())
          .catch(() => {}),
      onPublish: (message, acknowledge) => {
        onMessage(message.payload);
        acknowledge();
      },
      onClose: () => {},
      onError: (error) => progress(`subscriber: ${error.message}`),
    },
  );
  session.start();
  await subscribed;
  return session;
}

async function measure(broker: BrokerUnderTest, quick: boolean): Promise<BrokerRun> {
  const messagesPerGateway = quick ? 1000 : 5000;
  const total = GATEWAYS * messagesPerGateway;
  let received = 0;
  let done!: () => void;
  const allIn = new Promise<void>((resolve) => {
    done = resolve;
  });
  const devices = Array.from({ length: DEVICES }, (_, i) => `hr-${i}`);
  const throughput = await subscribe(broker, () => {
    if (++received === total) done();
  });
  const publisher = await startPublisher({
    mode: 'backlog',
    qos: 1,
    messages: messagesPerGateway,
    window: 200,
    gateways: Array.from({ length: GATEWAYS }, (_, g) => ({
      url: broker.gatewayUrl('bench', `gw-${g}`),
      club: 'bench',
      gateway: `gw-${g}`,
      devices,
    })),
  });
  progress(`${broker.name}: ${total.toLocaleString('en')} messages of ${DEVICES} samples…`);
  const started = performance.now();
  await publisher.go();
  await allIn;
  const messagesPerSecond = Math.round(total / ((performance.now() - started) / 1000));
  await throughput.stop();

  const delays: number[] = [];
  const latency = await subscribe(broker, (payload) => {
    const sentAtMs = (JSON.parse(payload.toString()) as { sentAtMs: number }).sentAtMs;
    delays.push(Date.now() - sentAtMs);
  });
  const paced = await startPublisher({
    mode: 'paced',
    qos: 1,
    seconds: quick ? 3 : 10,
    gateways: Array.from({ length: LATENCY_GATEWAYS }, (_, g) => ({
      url: broker.gatewayUrl(`club-${g}`, `gw-${g}`),
      club: `club-${g}`,
      gateway: `gw-${g}`,
      devices,
    })),
  });
  await paced.go();
  await new Promise((resolve) => setTimeout(resolve, 500));
  await latency.stop();
  const run = {
    broker: broker.name,
    messages: total,
    messagesPerSecond,
    deliveryMs: {
      messages: delays.length,
      p50: round(percentile(delays, 50), 1),
      p95: round(percentile(delays, 95), 1),
      p99: round(percentile(delays, 99), 1),
    },
  };
  progress(
    `${broker.name}: ${messagesPerSecond.toLocaleString('en')} messages/s; delivery p50 ${run.deliveryMs.p50} ms, p99 ${run.deliveryMs.p99} ms`,
  );
  return run;
}

/** `sport-connect broker` with logins for the bench's gateways and subscriber, issued beforehand. */
async function embeddedBroker(): Promise<BrokerUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-bench-broker-'));
  const stores = await openStores(dataDir, { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, quietLogger);
  const logins = new Map<string, { username: string; password: string }>();
  const clubs = ['bench', ...Array.from({ length: LATENCY_GATEWAYS }, (_, g) => `club-${g}`)];
  for (const club of clubs) stores.registry.upsertClub(club, club);
  for (let g = 0; g < GATEWAYS; g++) logins.set(`bench/gw-${g}`, stores.mqttAccounts.issueGateway('bench', `gw-${g}`));
  for (let g = 0; g < LATENCY_GATEWAYS; g++) logins.set(`club-${g}/gw-${g}`, stores.mqttAccounts.issueGateway(`club-${g}`, `gw-${g}`));
  const subscriber = stores.mqttAccounts.issueService('ingest', 'sc-ingest-bench');
  await stores.close();
  const port = await freePort();
  // Every bench gateway connects from this one machine.
  const broker = await startSportConnect(
    'broker',
    { DATA_DIR: dataDir, MQTT_PORT: String(port), MQTT_MAX_CONNECTIONS_PER_ADDRESS: '1000' },
    'embedded MQTT broker listening',
  );
  const url = `mqtt://127.0.0.1:${port}`;
  return {
    name: 'aedes (sport-connect broker)',
    gatewayUrl: (club, gateway) => brokerUrlWith(url, logins.get(`${club}/${gateway}`)!),
    subscriberUrl: brokerUrlWith(url, subscriber),
    subscriberId: subscriber.username,
    async dispose() {
      await broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function mosquitto(): Promise<BrokerUnderTest> {
  const running = await startMosquitto();
  return {
    name: 'Mosquitto (Debian)',
    gatewayUrl: () => running.url,
    subscriberUrl: running.url,
    subscriberId: 'bench-subscriber',
    dispose: () => running.dispose(),
  };
}

export async function benchBrokers(quick: boolean): Promise<BrokerRun[]> {
  const runs: BrokerRun[] = [];
  for (const start of [embeddedBroker, mosquitto]) {
    const broker = await start();
    try {
      runs.push(await measure(broker, quick));
    } finally {
      await broker.dispose();
    }
  }
  return runs;
}
