import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstalledProfiles } from '../../protocol/device-kit/installed-profiles.ts';
import { parseScenario, ScenarioError } from '../../simulators/scenario/scenario-file.ts';
import { ScenarioRun } from '../../simulators/scenario/scenario-run.ts';
import { temporaryDir } from '../helpers/emulated-gateway.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { gatewayUrl, startTestStack } from '../helpers/up-stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

// A scenario at ten times real speed, five ticks a second, through the real gateway code into `up`'s
// broker, ingest and store: its faults must show in what is stored, and the gateway losing the broker
// must lose nothing.

const SCENARIO = `
name: Faults at speed
speed: 10
durationS: 90
plan: [{ name: steady, durationS: 600, intensity: 0.6 }]
athletes:
  - { name: Ann, devices: [{ profile: heart_rate, id: hrm-ann }] }
  - { name: Bob, devices: [{ profile: heart_rate, id: hrm-bob }] }
faults:
  - { type: dropout, athlete: Bob, atS: 14, durationS: 20 }
  - { type: contact_loss, athlete: Ann, atS: 10, durationS: 6 }
  - { type: gateway_offline, atS: 40, durationS: 20 }
`;

describe('a scenario played through the gateway', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  const dir = temporaryDir('sc-scenario-');

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.dispose();
    dir.remove();
  });

  const heartRates = async (device: string) =>
    (await stack.stores.timeSeries.readSamples({ club: 'demo', device, fromMs: 0, toMs: Date.now() + 60_000 }, 100_000)).filter(
      (sample) => sample.kind === 'heart_rate',
    );
  const longestGapMs = (times: number[]) => Math.max(...times.slice(1).map((time, index) => time - times[index]!));

  it('shows a dropout as a gap, a contact loss as samples without heart rate, and loses nothing while the gateway is offline', async () => {
    const run = new ScenarioRun({
      id: 'faults',
      scenario: parseScenario(SCENARIO, 'faults.yaml'),
      profiles: InstalledProfiles.builtIn(),
      brokerUrl: gatewayUrl(stack, 'demo', 'sim-scenario'),
      club: 'demo',
      gateway: 'sim-scenario',
      dataDir: dir.path,
      logger: testLogger,
      tickMs: 200,
    });
    await run.start();
    let sawOffline = false;
    const watch = setInterval(() => (sawOffline ||= !run.status().gatewayOnline), 100);
    await run.done;
    clearInterval(watch);
    expect(sawOffline).toBe(true);
    const endedMs = Date.now();
    // What the gateway kept while offline arrives once it is back.
    await waitFor(async () => ((await heartRates('hrm-ann')).at(-1)?.timeMs ?? 0) > endedMs - 1500, {
      what: 'Ann’s samples up to the end stored',
      timeoutMs: 30_000,
    });

    const ann = await heartRates('hrm-ann');
    const bob = await heartRates('hrm-bob');
    // Ann never left: five notifications a second, no hole, the offline stretch included.
    expect(ann.length).toBeGreaterThan(35);
    expect(longestGapMs(ann.map((sample) => sample.timeMs))).toBeLessThan(1000);
    // Her contact loss: samples with the contact flag off and no heart rate, then heart rates again.
    const lost = ann.filter((sample) => sample.fields.contact === 0);
    expect(lost.length).toBeGreaterThanOrEqual(2);
    for (const sample of lost) expect(sample.fields.heartRateBpm).toBeUndefined();
    expect(ann.at(-1)!.fields.heartRateBpm).toBeGreaterThan(60);
    // Bob walked out for 20 scenario seconds (2 s here) and came back.
    expect(longestGapMs(bob.map((sample) => sample.timeMs))).toBeGreaterThan(1500);
    expect(bob.at(-1)!.timeMs).toBeGreaterThan(endedMs - 3000);

    expect(run.status().events.map((event) => event.slice(9))).toEqual([
      'started "Faults at speed" with 2 athletes and 2 devices at 10× speed',
      "contact loss: Ann's sensors off the skin for 6 s",
      "dropout: Bob's devices out of range for 20 s",
      "Bob's devices are back in range",
      'gateway offline: the broker is unreachable for 20 s',
      'gateway online again: it sends what it kept',
      'played 00:01:30 of the scenario',
    ]);
    expect(stack.stores.deadLetters.countByReason('demo')).toEqual({});
  });

  it('refuses a gateway_offline fault when the gateway reaches its broker over TLS (its link cannot be cut)', () => {
    const start = () =>
      new ScenarioRun({
        id: 'tls',
        scenario: parseScenario(SCENARIO, 'faults.yaml'),
        profiles: InstalledProfiles.builtIn(),
        brokerUrl: 'mqtts://broker.example:8883',
        club: 'demo',
        gateway: 'sim-scenario',
        dataDir: dir.path,
        logger: testLogger,
      });
    expect(start).toThrow('a gateway_offline fault cannot cut its link');
  });

  it('refuses a scenario naming a profile that is not installed, before anything starts', () => {
    const scenario = parseScenario('name: X\nathletes: [{ name: A, devices: [{ profile: oxasense-smo2 }] }]', 'x.yaml');
    const start = () =>
      new ScenarioRun({
        id: 'x',
        scenario,
        profiles: InstalledProfiles.builtIn(),
        brokerUrl: 'mqtt://127.0.0.1:1',
        club: 'demo',
        gateway: 'sim-scenario',
        dataDir: dir.path,
        logger: testLogger,
      });
    expect(start).toThrow(ScenarioError);
    expect(start).toThrow('profile "oxasense-smo2" is not installed (sport-connect profiles lists them)');
  });
});
