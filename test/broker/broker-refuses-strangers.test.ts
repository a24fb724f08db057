import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireSystemProgram } from '../helpers/system-service.ts';
import { startTestStack } from '../helpers/up-stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

const MOSQUITTO_PUB = '/usr/bin/mosquitto_pub';
const MOSQUITTO_SUB = '/usr/bin/mosquitto_sub';
const hasClients = requireSystemProgram(MOSQUITTO_PUB, 'apt-get install mosquitto-clients');

/** Runs one of Debian's MQTT clients against the embedded broker; resolves with its exit code and output. */
function run(program: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(program, args, { timeout: 15_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

const telemetry = (gateway: string) =>
  JSON.stringify({
    v: 1,
    gateway,
    seq: 1,
    sentAtMs: Date.now(),
    samples: [{ device: 'strap-1', timeMs: Date.now() - 1000, kind: 'heart_rate', values: { heartRateBpm: 111 } }],
  });

// The embedded broker as `up` runs it, probed with Debian's mosquitto_pub and mosquitto_sub: what a
// stranger on the club's network would try.
describe.skipIf(!hasClients)('the embedded broker refuses strangers', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let port: string;
  let gatewayA: { username: string; password: string };

  beforeAll(async () => {
    stack = await startTestStack();
    port = String(stack.broker.port);
    stack.stores.registry.upsertClub('club-a', 'Club A');
    stack.stores.registry.upsertClub('club-b', 'Club B');
    gatewayA = stack.stores.mqttAccounts.issueGateway('club-a', 'gw-a');
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  const asGatewayA = ['-h', '127.0.0.1', '-u', 'club-a.gw-a', '-i', 'club-a.gw-a'];

  it('refuses an anonymous client', async () => {
    const { code, output } = await run(MOSQUITTO_PUB, ['-h', '127.0.0.1', '-p', port, '-t', 'sc/v1/club-a/gw-a/telemetry', '-m', 'x']);
    expect(code).not.toBe(0);
    expect(output).toMatch(/not authori[sz]ed|bad user name or password/i);
  });

  it('stores what gateway A publishes under its own topic', async () => {
    const { code } = await run(MOSQUITTO_PUB, [
      ...asGatewayA,
      '-p',
      port,
      '-P',
      gatewayA.password,
      '-q',
      '1',
      '-t',
      'sc/v1/club-a/gw-a/telemetry',
      '-m',
      telemetry('gw-a'),
    ]);
    expect(code).toBe(0);
    await waitFor(async () => (await stack.stores.timeSeries.countPoints({ club: 'club-a' })) === 1, { what: 'club A’s sample stored' });
  });

  it('refuses gateway A publishing into club B, and stores nothing there', async () => {
    const refusedBefore = stack.broker.stats.access!.refusedPublishes;
    await run(MOSQUITTO_PUB, [
      ...asGatewayA,
      '-p',
      port,
      '-P',
      gatewayA.password,
      '-q',
      '1',
      '-t',
      'sc/v1/club-b/gw-a/telemetry',
      '-m',
      telemetry('gw-a'),
    ]);
    await waitFor(() => stack.broker.stats.access!.refusedPublishes > refusedBefore, { what: 'the publish refused' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await stack.stores.timeSeries.countPoints({ club: 'club-b' })).toBe(0);
    expect(stack.stores.deadLetters.list({ limit: 10, club: 'club-b' })).toEqual([]);
  });

  it('refuses gateway A taking another client’s id (ingest’s session)', async () => {
    const { code, output } = await run(MOSQUITTO_PUB, [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-u',
      'club-a.gw-a',
      '-P',
      gatewayA.password,
      '-i',
      'sc-ingest',
      '-t',
      'sc/v1/club-a/gw-a/status',
      '-m',
      'x',
    ]);
    expect(code).not.toBe(0);
    expect(output).toMatch(/not authori[sz]ed/i);
    expect(stack.ingest.health().status).toBe('ok');
  });

  it('refuses gateway A subscribing to everything', async () => {
    const { output } = await run(MOSQUITTO_SUB, [...asGatewayA, '-p', port, '-P', gatewayA.password, '-t', '#', '-C', '1', '-W', '2']);
    expect(output).toMatch(/denied/i);
  });

  it('refuses a 2 MB payload and keeps serving everyone else', async () => {
    const big = join(stack.dataDir, 'big.bin');
    writeFileSync(big, Buffer.alloc(2 * 1024 * 1024, 0x61));
    const oversizedBefore = stack.broker.stats.oversizedPackets;
    const { code } = await run(MOSQUITTO_PUB, [
      ...asGatewayA,
      '-p',
      port,
      '-P',
      gatewayA.password,
      '-q',
      '1',
      '-t',
      'sc/v1/club-a/gw-a/telemetry',
      '-f',
      big,
    ]);
    expect(code).not.toBe(0);
    expect(stack.broker.stats.oversizedPackets).toBe(oversizedBefore + 1);
    expect((await fetch(`${stack.apiUrl}/health`)).status).toBe(200);
    const next = JSON.stringify({
      ...JSON.parse(telemetry('gw-a')),
      seq: 2,
      samples: [{ device: 'strap-1', timeMs: Date.now() - 500, kind: 'heart_rate', values: { heartRateBpm: 112 } }],
    });
    expect(
      (
        await run(MOSQUITTO_PUB, [
          ...asGatewayA,
          '-p',
          port,
          '-P',
          gatewayA.password,
          '-q',
          '1',
          '-t',
          'sc/v1/club-a/gw-a/telemetry',
          '-m',
          next,
        ])
      ).code,
    ).toBe(0);
    await waitFor(async () => (await stack.stores.timeSeries.countPoints({ club: 'club-a' })) === 2, { what: 'the next sample stored' });
  });

  it('refuses a gateway whose last will would publish into another club', async () => {
    const credentials = stack.stores.mqttAccounts.issueGateway('club-a', 'gw-w');
    const { code, output } = await run(MOSQUITTO_PUB, [
      ...['-h', '127.0.0.1', '-p', port, '-u', 'club-a.gw-w', '-P', credentials.password, '-i', 'club-a.gw-w'],
      ...['--will-topic', 'sc/v1/club-b/gw-b/telemetry', '--will-payload', telemetry('gw-b'), '--will-qos', '1'],
      ...['-t', 'sc/v1/club-a/gw-w/status', '-m', 'x'],
    ]);
    expect(code).not.toBe(0);
    expect(output).toMatch(/not authori[sz]ed/i);
  });

  it('disconnects a gateway whose credentials are issued anew, however fast (a stolen password stops working)', async () => {
    const stolen = stack.stores.mqttAccounts.issueGateway('club-a', 'gw-r');
    const thief = run(MOSQUITTO_SUB, [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-u',
      'club-a.gw-r',
      '-P',
      stolen.password,
      '-i',
      'club-a.gw-r',
      '-t',
      'sc/v1/club-a/+/devices',
      '-W',
      '20',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    stack.stores.mqttAccounts.revokeGateway('club-a', 'gw-r');
    stack.stores.mqttAccounts.issueGateway('club-a', 'gw-r');
    const started = Date.now();
    await thief;
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('disconnects a revoked gateway and refuses it afterwards', async () => {
    const listening = run(MOSQUITTO_SUB, [...asGatewayA, '-p', port, '-P', gatewayA.password, '-t', 'sc/v1/club-a/+/devices', '-W', '20']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    stack.stores.mqttAccounts.revokeGateway('club-a', 'gw-a');
    const started = Date.now();
    await listening;
    // Cut off by the revocation check (every 2 s), not by mosquitto_sub's own 20 s timeout.
    expect(Date.now() - started).toBeLessThan(10_000);
    const again = await run(MOSQUITTO_PUB, [
      ...asGatewayA,
      '-p',
      port,
      '-P',
      gatewayA.password,
      '-t',
      'sc/v1/club-a/gw-a/status',
      '-m',
      'x',
    ]);
    expect(again.code).not.toBe(0);
    expect(again.output).toMatch(/bad user name or password|not authori[sz]ed/i);
  });
});
