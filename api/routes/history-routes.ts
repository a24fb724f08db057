import { AthleteParams, HistoryQuery, HistoryResponse } from '../../protocol/api.ts';
import { aggregatableFields } from '../../store/sample-fields.ts';
import type { Api, ApiDeps } from '../app.ts';
import { requireAthleteAccess, requireClubAccess } from '../auth/club-access.ts';
import { ApiError } from '../errors.ts';

/** Pairings one history query gathers (each is a query of its own on InfluxDB). */
const MAX_WEAR_INTERVALS = 2000;

/** One member's history: staff see anyone in their club, an athlete sees themselves. */
export function registerHistoryRoutes(app: Api, deps: ApiDeps): void {
  app.get(
    '/api/v1/clubs/:club/athletes/:athlete/history',
    { schema: { params: AthleteParams, querystring: HistoryQuery, response: { 200: HistoryResponse } } },
    async (request) => {
      const { club, athlete } = request.params;
      requireAthleteAccess(requireClubAccess(request, club, 'member'), athlete);
      const { kind, field, fromMs, toMs, bucket } = request.query;
      if (!deps.registry.hasMember(club, athlete)) throw new ApiError('SC_ERR_NOT_FOUND', 'no such athlete');
      const fields = aggregatableFields(kind);
      if (!fields) throw new ApiError('SC_ERR_VALIDATION', `kind "${kind}" is not installed here (see GET /api/v1/profiles)`);
      if (!fields.includes(field)) {
        throw new ApiError(
          'SC_ERR_VALIDATION',
          `field "${field}" cannot be aggregated for kind "${kind}"; use one of ${fields.join(', ')}`,
        );
      }
      // Whose samples they are comes from the pairing log: a pairing made late attributes earlier samples too.
      const wear = deps.registry.wearIntervals(club, athlete, fromMs, toMs, { uploads: true });
      if (wear.length > MAX_WEAR_INTERVALS)
        throw new ApiError(
          'SC_ERR_VALIDATION',
          `${wear.length} pairings in that range: ask for ${MAX_WEAR_INTERVALS} at most (a shorter range)`,
        );
      const series = await deps.timeSeries.queryRange({ club, wear, kind, field, fromMs, toMs, bucketMs: bucket });
      return { athlete, kind, field, ...series };
    },
  );
}
