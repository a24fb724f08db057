import { NoQuery, ProfilesResponse } from '../../protocol/api.ts';
import { InstalledProfiles, isSimulatable } from '../../protocol/device-kit/installed-profiles.ts';
import type { Api, ApiDeps } from '../app.ts';
import { requireUser } from '../auth/club-access.ts';

/** What the dashboard needs to draw plugin kinds, and what the simulator page offers: any logged-in user may read it. */
export function registerProfileRoutes(app: Api, deps: ApiDeps): void {
  const profiles = deps.profiles ?? InstalledProfiles.builtIn();
  const view: ProfilesResponse = {
    profiles: profiles.all.map((profile) => {
      const { manifest, source } = profile;
      return {
        name: manifest.name,
        label: manifest.label,
        vendor: manifest.vendor,
        serviceUuid: manifest.serviceUuid,
        characteristics: manifest.characteristics,
        kinds: [...manifest.uses, ...manifest.kinds.map((kind) => kind.name)],
        builtIn: source === 'built-in',
        simulated: isSimulatable(profile),
      };
    }),
    kinds: profiles.all.flatMap(({ manifest }) =>
      manifest.kinds.map((kind) => ({
        name: kind.name,
        label: kind.label,
        profile: manifest.name,
        fields: kind.fields.map(({ name, label, unit, min, max }) => ({ name, label, unit, min, max })),
        tile: kind.tile,
        chart: kind.chart,
      })),
    ),
  };
  app.get('/api/v1/profiles', { schema: { querystring: NoQuery, response: { 200: ProfilesResponse } } }, async (request) => {
    requireUser(request);
    return view;
  });
}
