/**
 * A bench's gateways, in their own process as real ones would be: `node --import tsx bench/publisher.ts
 * '<json PublisherPlan>'`. Connects every gateway, prints {"ready":true}, waits for a line on stdin, then
 * publishes and prints one JSON line of what it did. Two shapes: a backlog (every message as fast as
 * the window of unacknowledged publishes allows) and paced (one message per gateway per second, each
 * sample stamped and reported, for latency).
 */
import { createInterface } from 'node:readline';
import mqtt, { type MqttClient } from 'mqtt';
import { probeBpm } from './probe-bpm.ts';

export interface PublisherPlan {
  gateways: { url: string; club: string; gateway: string; devices: string[] }[];
  /** backlog: `messages` per gateway as fast as possible; paced: one per gateway per second for `seconds`. */
  mode: 'backlog' | 'paced';
  messages?: number;
  seconds?: number;
  /** Unacknowledged QoS 1 publishes per gateway (backlog). */
  window?: number;
  qos: 0 | 1;
  /** Devices whose samples are reported with their publish time (paced): device → true. */
  probes?: string[];
}

export interface PublisherReport {
  messages: number;
  samples: number;
  seconds: number;
  /** CPU time this process spent publishing, seconds. */
  cpuSeconds: number;
  /** Paced: per probed sample, device, heart rate and publish time. */
  probes?: { device: string; bpm: number; publishedMs: number }[];
}

function telemetry(gateway: string, seq: number, devices: readonly string[], timeMs: number, second: number): string {
  return JSON.stringify({
    v: 1,
    gateway,
    seq,
    sentAtMs: Date.now(),
    samples: devices.map((device, index) => ({
      device,
      timeMs,
      kind: 'heart_rate',
      values: { heartRateBpm: probeBpm(index, second), sensorContact: 'detected', rrIntervalsMs: [60_000 / probeBpm(index, second)] },
    })),
  });
}

/** A backlog's payloads, made before the clock starts: the bench measures the pipeline, not this process. */
function backlogPayloads(plan: PublisherPlan, gateway: PublisherPlan['gateways'][number], startMs: number): Buffer[] {
  // One second per message, in the past: a gateway catching up after an outage.
  return Array.from({ length: plan.messages! }, (_, seq) =>
    Buffer.from(telemetry(gateway.gateway, seq, gateway.devices, startMs + seq * 1000, seq)),
  );
}

async function backlog(
  client: MqttClient,
  plan: PublisherPlan,
  gateway: PublisherPlan['gateways'][number],
  payloads: Buffer[],
): Promise<number> {
  const topic = `sc/v1/${gateway.club}/${gateway.gateway}/telemetry`;
  const inFlight = new Set<Promise<unknown>>();
  for (const payload of payloads) {
    const sending: Promise<unknown> = client.publishAsync(topic, payload, { qos: plan.qos }).finally(() => inFlight.delete(sending));
    inFlight.add(sending);
    if (inFlight.size >= (plan.window ?? 100)) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return plan.messages!;
}

async function paced(
  clients: MqttClient[],
  plan: PublisherPlan,
  probes: Set<string>,
  report: NonNullable<PublisherReport['probes']>,
): Promise<number> {
  let messages = 0;
  const startMs = Date.now();
  for (let second = 0; second < plan.seconds!; second++) {
    // Gateways spread over the second, as independent gateways would be.
    const sends = plan.gateways.map(async (gateway, index) => {
      await sleepUntil(startMs + second * 1000 + (index * 1000) / plan.gateways.length);
      const publishedMs = Date.now();
      const payload = telemetry(gateway.gateway, second, gateway.devices, publishedMs, second);
      gateway.devices.forEach((device, deviceIndex) => {
        if (probes.has(device)) report.push({ device, bpm: probeBpm(deviceIndex, second), publishedMs });
      });
      await clients[index]!.publishAsync(`sc/v1/${gateway.club}/${gateway.gateway}/telemetry`, payload, { qos: plan.qos });
      messages++;
    });
    await Promise.all(sends);
  }
  return messages;
}

const sleepUntil = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - Date.now())));

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2]!) as PublisherPlan;
  const clients = await Promise.all(
    // A broker with logins binds the client id to the user name.
    plan.gateways.map((gateway) =>
      mqtt.connectAsync(gateway.url, {
        clientId: decodeURIComponent(new URL(gateway.url).username) || `${gateway.gateway}-bench`,
        reconnectPeriod: 0,
      }),
    ),
  );
  const backlogStartMs = Date.now() - (plan.messages ?? 0) * 1000 - 60_000;
  const payloads = plan.mode === 'backlog' ? plan.gateways.map((gateway) => backlogPayloads(plan, gateway, backlogStartMs)) : [];
  console.log(JSON.stringify({ ready: true }));
  await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const probes: NonNullable<PublisherReport['probes']> = [];
  let messages = 0;
  if (plan.mode === 'backlog') {
    const counts = await Promise.all(clients.map((client, index) => backlog(client, plan, plan.gateways[index]!, payloads[index]!)));
    messages = counts.reduce((sum, count) => sum + count, 0);
  } else {
    messages = await paced(clients, plan, new Set(plan.probes ?? []), probes);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const samples =
    plan.gateways.reduce((sum, gateway) => sum + gateway.devices.length, 0) * (plan.mode === 'backlog' ? plan.messages! : plan.seconds!);
  await Promise.all(clients.map((client) => client.endAsync()));
  const report: PublisherReport = {
    messages,
    samples,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    ...(plan.mode === 'paced' ? { probes } : {}),
  };
  console.log(JSON.stringify(report));
}

await main();
