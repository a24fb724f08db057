import { z } from 'zod';
import { Athlete, AthleteParams, ClubParams, Device, HistoryQuery, HistoryResponse, NoQuery } from '../../protocol/api.ts';
import { AGGREGATABLE_FIELDS } from '../../store/sample-fields.ts';
import type { Api, ApiDeps } from '../app.ts';
import { requireAthleteAccess, requireClubAccess } from '../auth/club-access.ts';
import { ApiError } from '../errors.ts';

/** A club's members and devices, and one member's history: staff see the club, an athlete sees themselves. */
export function registerClubRoutes(app: Api, deps: ApiDeps): void {
  app.get(
    '/api/v1/clubs/:club/athletes',
    { schema: { params: ClubParams, querystring: NoQuery, response: { 200: z.object({ athletes: z.array(Athlete) }) } } },
    async (request) => {
      const access = requireClubAccess(request, request.params.club, 'member');
      const athletes = deps.registry.listAthletes(request.params.club);
      return { athletes: access.staff ? athletes : athletes.filter((athlete) => athlete.id === access.athlete) };
    },
  );

  app.get(
    '/api/v1/clubs/:club/devices',
    { schema: { params: ClubParams, querystring: NoQuery, response: { 200: z.object({ devices: z.array(Device) }) } } },
    async (request) => {
      // A gateway with GATEWAY_DEVICES=paired reads which straps to hold.
      const access = requireClubAccess(request, request.params.club, 'staff-or-gateway');
      const devices = deps.registry.listDevices(request.params.club);
      return { devices: access.staff || access.gateway ? devices : devices.filter((device) => device.athlete === access.athlete) };
    },
  );

  app.get(
    '/api/v1/clubs/:club/athletes/:athlete/history',
    { schema: { params: AthleteParams, querystring: HistoryQuery, response: { 200: HistoryResponse } } },
    async (request) => {
      const { club, athlete } = request.params;
      requireAthleteAccess(requireClubAccess(request, club, 'member'), athlete);
      const { kind, field, fromMs, toMs, bucket } = request.query;
      if (!deps.registry.hasMember(club, athlete)) throw new ApiError('SC_ERR_NOT_FOUND', 'no such athlete');
      const fields: readonly string[] = AGGREGATABLE_FIELDS[kind];
      if (!fields.includes(field)) {
        throw new ApiError(
          'SC_ERR_VALIDATION',
          `field "${field}" cannot be aggregated for kind "${kind}"; use one of ${fields.join(', ')}`,
        );
      }
      const series = await deps.timeSeries.queryRange({ club, athlete, kind, field, fromMs, toMs, bucketMs: bucket });
      return { athlete, kind, field, ...series };
    },
  );
}
