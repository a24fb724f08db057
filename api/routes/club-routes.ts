import { z } from 'zod';
import { Athlete, AthleteParams, ClubParams, Device, HistoryQuery, HistoryResponse } from '../../protocol/api.ts';
import { AGGREGATABLE_FIELDS } from '../../store/sample-fields.ts';
import type { Api, ApiDeps } from '../app.ts';
import { ApiError } from '../errors.ts';

/** A club's members and devices, and one member's history. */
export function registerClubRoutes(app: Api, deps: ApiDeps): void {
  app.get(
    '/api/v1/clubs/:club/athletes',
    { schema: { params: ClubParams, response: { 200: z.object({ athletes: z.array(Athlete) }) } } },
    async (request) => ({ athletes: deps.registry.listAthletes(request.params.club) }),
  );

  app.get(
    '/api/v1/clubs/:club/devices',
    { schema: { params: ClubParams, response: { 200: z.object({ devices: z.array(Device) }) } } },
    async (request) => ({ devices: deps.registry.listDevices(request.params.club) }),
  );

  app.get(
    '/api/v1/clubs/:club/athletes/:athlete/history',
    { schema: { params: AthleteParams, querystring: HistoryQuery, response: { 200: HistoryResponse } } },
    async (request) => {
      const { club, athlete } = request.params;
      const { kind, field, fromMs, toMs, bucket } = request.query;
      if (!deps.registry.hasMember(club, athlete)) throw new ApiError('SC_ERR_NOT_FOUND', `no athlete "${athlete}" in club "${club}"`);
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
