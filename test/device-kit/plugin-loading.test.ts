import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDeviceProfiles } from '../../cli/device-plugins.ts';
import { uninstallExtensionKinds } from '../../protocol/device-kit/extension-kinds.ts';
import { testLogger } from '../helpers/silent-logger.ts';

// DEVICE_PLUGINS names files, folders of plugins and installed npm packages. These are written as a
// start-up would ship them: plain JavaScript modules, no import from Sport Connect needed.

const skinTemperaturePlugin = (name: string, kind: string, service: string) => `
export default {
  name: '${name}',
  label: 'Skin temperature patch',
  vendor: 'Acme',
  serviceUuid: '${service}0000-0000-4000-8000-00000000aa01',
  characteristics: [{ uuid: '${service}0001-0000-4000-8000-00000000aa01', name: 'Skin temperature', notify: true }],
  kinds: [{ name: '${kind}', label: 'Skin temperature', fields: [{ name: 'skinTemperatureC', label: 'Skin', unit: '°C', min: 20, max: 45 }], tile: ['skinTemperatureC'] }],
  createDecoder: () => ({ decode: (_uuid, bytes) => [{ kind: '${kind}', values: { skinTemperatureC: bytes[0] / 4 } }] }),
  examples: [{ characteristic: '${service}0001-0000-4000-8000-00000000aa01', hex: '86', samples: [{ kind: '${kind}', values: { skinTemperatureC: 33.5 } }] }],
};
`;

describe('loading device plugins', () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'sc-plugins-'));
    const folder = join(root, 'plugins');
    mkdirSync(folder);
    writeFileSync(join(folder, 'acme-skin.mjs'), skinTemperaturePlugin('acme-skin', 'acme.skin_temperature', 'c3f5'));
    writeFileSync(join(folder, 'broken-syntax.mjs'), 'export default { name: "oops", ');
    writeFileSync(join(folder, 'throws-on-import.mjs'), 'throw new Error("license server unreachable");');
    writeFileSync(join(folder, 'exports-nothing.mjs'), 'export const version = 3;');
    writeFileSync(join(folder, 'notes.test.mjs'), 'throw new Error("a test file is not a plugin");');
    // A plugin package in a sub-folder, with its package.json entry.
    mkdirSync(join(folder, 'betasense'));
    writeFileSync(join(folder, 'betasense', 'package.json'), JSON.stringify({ name: 'betasense', type: 'module', main: 'dist/plugin.js' }));
    mkdirSync(join(folder, 'betasense', 'dist'));
    writeFileSync(
      join(folder, 'betasense', 'dist', 'plugin.js'),
      skinTemperaturePlugin('betasense-core', 'betasense.core_temperature', 'd4a6'),
    );
    // An npm package installed next to Sport Connect.
    const installed = join(root, 'node_modules', 'sc-plugin-gamma');
    mkdirSync(installed, { recursive: true });
    writeFileSync(
      join(installed, 'package.json'),
      JSON.stringify({ name: 'sc-plugin-gamma', type: 'module', exports: { '.': { import: './index.js' } }, main: 'index.js' }),
    );
    writeFileSync(join(installed, 'index.js'), skinTemperaturePlugin('gamma-patch', 'gamma.skin_temperature', 'e5b7'));
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));
  afterEach(() => {
    for (const profile of ['acme-skin', 'betasense-core', 'gamma-patch', 'oxasense-smo2']) uninstallExtensionKinds(profile);
  });

  it('loads every plugin of a folder and refuses the broken ones, saying why, while the good ones stay', async () => {
    const profiles = await loadDeviceProfiles('./plugins', testLogger, root);
    expect(profiles.all.filter((profile) => profile.source !== 'built-in').map((profile) => profile.manifest.name)).toEqual([
      'acme-skin',
      'betasense-core',
    ]);
    const refused = Object.fromEntries(profiles.refused.map((refusal) => [refusal.source.split('/').at(-1), refusal.reason]));
    expect(refused).toEqual({
      'broken-syntax.mjs': expect.stringContaining('cannot import it'),
      'throws-on-import.mjs': 'cannot import it: license server unreachable',
      'exports-nothing.mjs': 'it exports no profile (a default export, or "profiles")',
    });
  });

  it('loads a single file, an npm package by name, and the example plugin, and reports one that is not there', async () => {
    const profiles = await loadDeviceProfiles(
      `./plugins/acme-skin.mjs, sc-plugin-gamma, ${join(process.cwd(), 'examples/device-plugins')}, ./nowhere`,
      testLogger,
      root,
    );
    expect(profiles.all.filter((profile) => profile.source !== 'built-in').map((profile) => profile.manifest.name)).toEqual([
      'acme-skin',
      'gamma-patch',
      'oxasense-smo2',
    ]);
    expect(profiles.refused).toEqual([{ source: './nowhere', name: null, reason: expect.stringContaining('cannot read it') }]);
  });

  it('loads nothing beyond the built-in profiles when DEVICE_PLUGINS is empty', async () => {
    const profiles = await loadDeviceProfiles('', testLogger, root);
    expect(profiles.all.map((profile) => profile.source)).toEqual(Array(6).fill('built-in'));
    expect(profiles.refused).toEqual([]);
  });
});
