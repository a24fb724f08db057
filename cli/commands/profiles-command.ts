import { type InstalledProfile, isSimulatable } from '../../protocol/device-kit/installed-profiles.ts';
import type { Command } from '../command.ts';
import { loadProfilesForTool } from '../device-plugins.ts';

/** One profile as `profiles --json` prints it (a plugin's source is shown here: this is the operator's own machine). */
function describe(profile: InstalledProfile) {
  const { manifest, source } = profile;
  return {
    name: manifest.name,
    label: manifest.label,
    vendor: manifest.vendor,
    source,
    serviceUuid: manifest.serviceUuid,
    characteristics: manifest.characteristics,
    uses: manifest.uses,
    kinds: manifest.kinds,
    simulated: isSimulatable(profile),
  };
}

function textOf(profile: ReturnType<typeof describe>): string[] {
  const lines = [`${profile.name}  ${profile.label} (${profile.vendor}; ${profile.source})`, `  service ${profile.serviceUuid}`];
  for (const characteristic of profile.characteristics)
    lines.push(
      `  characteristic ${characteristic.uuid} ${characteristic.name} (${[characteristic.notify && 'notify', characteristic.read && 'read'].filter(Boolean).join(', ')})`,
    );
  if (profile.uses.length) lines.push(`  kinds (built-in): ${profile.uses.join(', ')}`);
  for (const kind of profile.kinds) {
    lines.push(`  kind ${kind.name}: ${kind.label}`);
    for (const field of kind.fields) {
      const shown = [kind.tile.includes(field.name) && 'tile', kind.chart.includes(field.name) && 'chart'].filter(Boolean).join(', ');
      lines.push(
        `    ${field.name}  ${field.label}, ${field.unit || 'no unit'}, ${field.min}…${field.max}${field.integer ? ', whole numbers' : ''}${field.optional ? ', optional' : ''}${shown ? ` (${shown})` : ''}`,
      );
    }
  }
  if (profile.simulated) lines.push('  simulator: yes');
  return lines;
}

/** `sport-connect profiles`: what this installation decodes, with the kinds plugins add, and any plugin it refused. */
export const profilesCommand: Command = {
  name: 'profiles',
  summary: 'the device profiles installed (built-in and DEVICE_PLUGINS) with their kinds; --json for tools; exit 1 if a plugin was refused',
  flags: {
    plugins: { env: 'DEVICE_PLUGINS', description: 'device plugins to load (files, folders, npm packages; comma-separated)' },
    json: { env: 'PROFILES_JSON', description: 'print one JSON object: profiles and refused plugins', boolean: true },
  },
  examples: [[], ['--plugins', './examples/device-plugins', '--json']],
  env: ['DEVICE_PLUGINS'],
  async run(env) {
    const profiles = await loadProfilesForTool(env.DEVICE_PLUGINS);
    const described = profiles.all.map(describe);
    if (env.PROFILES_JSON === 'true') console.log(JSON.stringify({ profiles: described, refused: profiles.refused }, null, 2));
    else console.log(described.flatMap(textOf).join('\n'));
    return profiles.refused.length === 0 ? 0 : 1;
  },
};
