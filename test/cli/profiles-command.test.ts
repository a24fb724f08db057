import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { profilesCommand } from '../../cli/commands/profiles-command.ts';
import { runCli } from '../../cli/main.ts';
import { uninstallExtensionKinds } from '../../protocol/device-kit/extension-kinds.ts';

describe('sport-connect profiles and decode with device plugins', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    uninstallExtensionKinds('oxasense-smo2');
  });

  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    vi.spyOn(console, 'error').mockImplementation((line: string) => void err.push(line));
    return { out, err };
  }

  it('lists the built-in profiles and a plugin’s, with its kind, units and ranges', async () => {
    const { out, err } = capture();
    expect(await runCli(['profiles', '--plugins', './examples/device-plugins'], {})).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('heart_rate  Heart-rate strap (Bluetooth SIG; built-in)');
    expect(text).toMatch(/oxasense-smo2 {2}OxaSense SmO2 muscle-oxygen sensor \(OxaSense; .*examples\/device-plugins\/oxasense-smo2\)/);
    expect(text).toContain('  service a1f300005c1e4b7e9d2a3c5e0f6b8a01');
    expect(text).toContain('  kind oxasense.muscle_oxygen: Muscle oxygen');
    expect(text).toContain('    smo2Percent  SmO₂, %, 0…100 (tile, chart)');
    expect(text).toContain('    thbGramsPerDecilitre  THb, g/dL, 0…40, optional (chart)');
    expect(err).toEqual([]);
  });

  it('prints JSON for tools, and exits 1 naming a plugin it refused', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'sc-profiles-'));
    // A whole plugin, correct but for its name: the built-in heart-rate profile's.
    writeFileSync(
      join(folder, 'clash.mjs'),
      `export default {
        name: 'heart_rate', label: 'Mine', serviceUuid: 'c3f50000-0000-4000-8000-00000000aa01',
        characteristics: [{ uuid: 'c3f50001-0000-4000-8000-00000000aa01', name: 'Mine', notify: true }],
        kinds: [{ name: 'mine.value', label: 'Mine', fields: [{ name: 'value', label: 'V', unit: '', min: 0, max: 255 }] }],
        createDecoder: () => ({ decode: (_uuid, bytes) => [{ kind: 'mine.value', values: { value: bytes[0] } }] }),
        examples: [{ characteristic: 'c3f50001-0000-4000-8000-00000000aa01', hex: '07', samples: [{ kind: 'mine.value', values: { value: 7 } }] }],
      };`,
    );
    try {
      const { out, err } = capture();
      expect(await runCli(['profiles', '--json', '--plugins', `./examples/device-plugins,${folder}`], {})).toBe(1);
      const listed = JSON.parse(out.join('\n'));
      expect(listed.profiles.map((profile: { name: string }) => profile.name)).toContain('oxasense-smo2');
      expect(listed.profiles.find((profile: { name: string }) => profile.name === 'oxasense-smo2')).toMatchObject({
        simulated: true,
        kinds: [{ name: 'oxasense.muscle_oxygen', fields: [{ name: 'smo2Percent', unit: '%', min: 0, max: 100 }, expect.any(Object)] }],
      });
      expect(listed.refused).toEqual([
        { source: join(folder, 'clash.mjs'), name: 'heart_rate', reason: 'profile name "heart_rate" is taken' },
      ]);
      expect(err).toEqual([expect.stringMatching(/^device plugin refused \(.*clash\.mjs\): /)]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('decodes a plugin’s notifications by its profile name, and reports a plugin fault with its code', async () => {
    const { out, err } = capture();
    expect(
      await runCli(
        ['decode', '--plugins', './examples/device-plugins', '--profile', 'oxasense-smo2', '038c02d204', '018c02', '008c02'],
        {},
      ),
    ).toBe(1);
    expect(out.map((line) => JSON.parse(line))).toEqual([
      { payload: 1, samples: [{ kind: 'oxasense.muscle_oxygen', values: { smo2Percent: 65.2, thbGramsPerDecilitre: 12.34 } }] },
      { payload: 3, samples: [], note: 'the plugin decoded no sample from it' },
    ]);
    expect(err).toEqual(['payload 2: SC_ERR_PLUGIN_FAULT: plugin "oxasense-smo2" threw: THb announced but missing']);
  });

  it('tells a start-up whose plugin is not loaded that the kind is unknown to the contract', async () => {
    const { err } = capture();
    expect(await runCli(['decode', '--profile', 'a1f30001-5c1e-4b7e-9d2a-3c5e0f6b8a01', '038c02d204'], {})).toBe(1);
    expect(err).toEqual([expect.stringContaining('SC_ERR_GATT_UNKNOWN_PROFILE')]);
  });

  it.each(profilesCommand.examples!.map((argv) => [argv.join(' ') || '(none)', argv] as const))(
    'runs its --help example %s',
    async (_name, argv) => {
      capture();
      expect(await runCli(['profiles', ...argv], {})).toBe(0);
    },
  );
});
