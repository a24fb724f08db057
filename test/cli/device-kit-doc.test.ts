import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../../cli/main.ts';
import { uninstallExtensionKinds } from '../../protocol/device-kit/extension-kinds.ts';
import { parseScenario } from '../../simulators/scenario/scenario-file.ts';
import { gatewayUrl, startTestStack } from '../helpers/up-stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

// docs/device-kit.md, run: each `npx sport-connect …` line of its shell blocks, against the output the page
// shows after it. Steps 5–7 (the pages) are test/e2e/device-kit-walkthrough.test.ts.

const DOC = readFileSync('docs/device-kit.md', 'utf8');
/** Fenced blocks in order: their language and text. */
const BLOCKS = [...DOC.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((match) => ({ language: match[1]!, text: match[2]!.trimEnd() }));
const commandsOf = (name: string) =>
  BLOCKS.flatMap((block, index) =>
    block.language === 'sh'
      ? block.text
          .split('\n')
          .filter((line) => line.startsWith(`npx sport-connect ${name} `))
          .map((line) => ({ argv: line.slice('npx sport-connect '.length).split(/\s+/), shown: BLOCKS[index + 1]! }))
      : [],
  );

describe('docs/device-kit.md, step by step', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    uninstallExtensionKinds('oxasense-smo2');
  });

  function capture() {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    vi.spyOn(console, 'error').mockImplementation(() => {});
    return out;
  }

  it('step 3: profiles lists the example plugin as the page shows it', async () => {
    const [step] = commandsOf('profiles');
    expect(step?.shown.language).toBe('text');
    const out = capture();
    expect(await runCli(step!.argv, {})).toBe(0);
    const printed = out.join('\n').split('\n');
    for (const line of step!.shown.text.split('\n')) expect(printed).toContain(line);
  });

  it('step 4: decode prints what the page shows, line for line', async () => {
    const [step] = commandsOf('decode');
    expect(step?.shown.language).toBe('json');
    const out = capture();
    expect(await runCli(step!.argv, {})).toBe(0);
    expect(out).toEqual(step!.shown.text.split('\n'));
  });

  describe('step 8: a scenario file of your own, played by simulate against a broker', () => {
    let stack: Awaited<ReturnType<typeof startTestStack>>;
    const folder = mkdtempSync(join(tmpdir(), 'sc-doc-scenario-'));
    beforeAll(async () => {
      stack = await startTestStack({ DEVICE_PLUGINS: './examples/device-plugins' });
    });
    afterAll(async () => {
      await stack?.dispose();
      rmSync(folder, { recursive: true, force: true });
    });

    it('takes the page’s example file as it is, and plays it (sped up here) through the gateway into the store', async () => {
      const example = BLOCKS.find((block) => block.language === 'yaml')!;
      const scenario = parseScenario(example.text, 'docs/device-kit.md');
      expect(scenario.athletes[0]!.devices.map((device) => device.profile)).toEqual(['heart_rate', 'oxasense-smo2']);
      // The page's file plays until stopped, in real time: here 40 scenario seconds at 20×.
      const file = join(folder, 'bikes.yaml');
      writeFileSync(file, stringify({ ...scenario, speed: 20, durationS: 40 }));
      const [step] = commandsOf('simulate');
      const gateway = step!.argv[step!.argv.indexOf('--gateway') + 1]!;
      const argv = step!.argv.map((argument) =>
        argument === 'my-scenarios/bikes.yaml'
          ? file
          : argument === './my-plugins'
            ? './examples/device-plugins'
            : argument.startsWith('mqtt://')
              ? gatewayUrl(stack, 'demo', gateway)
              : argument,
      );
      const out = capture();
      expect(await runCli(argv, { GATEWAY_DATA_DIR: join(folder, 'gateway'), LOG_LEVEL: 'error' })).toBe(0);
      expect(JSON.parse(out.at(-1)!)).toMatchObject({ scenario: 'Muscle oxygen on the bikes', elapsedS: 40 });
      await waitFor(async () => (await stack.stores.timeSeries.countPoints({ club: 'demo', kind: 'oxasense.muscle_oxygen' })) > 0, {
        what: 'SmO2 samples from the scenario stored',
      });
      expect(await stack.stores.timeSeries.countPoints({ club: 'demo', kind: 'heart_rate' })).toBeGreaterThan(0);
    });
  });
});
