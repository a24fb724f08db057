import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ClubParams, DeadLetterReason, NoQuery } from '../../protocol/api.ts';
import type { DeadLetter } from '../../store/dead-letters.ts';
import type { Api, ApiDeps, ApiSettings } from '../app.ts';
import { requireClubAccess, requirePlatformAdmin } from '../auth/club-access.ts';
import { ApiError } from '../errors.ts';

const DeadLetterQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    reason: DeadLetterReason.optional(),
  })
  .strict();

/** What a page shows of a rejected payload: its start, as text. */
const PREVIEW_BYTES = 512;

/**
 * Health (open: it tells nothing about anyone), Prometheus metrics (a platform admin, or a scraper with
 * METRICS_TOKEN), and the dead letters: all of them for a platform admin, a club's own for its admins.
 */
export function registerOperationsRoutes(app: Api, deps: ApiDeps, settings: ApiSettings): void {
  const readiness = () => {
    const ingest = deps.ingestHealth?.();
    const live = deps.live.connected;
    // In `up`, ingest has just asked the registry: once per probe is enough.
    const registry = ingest ? ingest.status !== 'registry unreachable' : deps.registry.reachable();
    const status = !registry
      ? 'registry unreachable'
      : ingest && ingest.status !== 'ok'
        ? `ingest ${ingest.status}`
        : live
          ? 'ok'
          : 'broker unreachable (live view paused)';
    return { status, store: deps.timeSeries.name, registry, live, ...(ingest ? { ingest } : {}) };
  };
  // For orchestrators: live while the process answers; ready while it does its whole job (the registry
  // answering, its live view's broker subscription, and in `up` its ingest). /health gives the readiness
  // answer (503 also while the live view has lost its broker).
  app.get('/health/live', { schema: { querystring: NoQuery } }, async () => ({ status: 'alive' }));
  for (const path of ['/health', '/health/ready'])
    app.get(path, async (_request, reply) => {
      const body = readiness();
      void reply.status(body.status === 'ok' ? 200 : 503);
      return body;
    });

  app.get('/metrics', { schema: { querystring: NoQuery } }, async (request, reply) => {
    if (!hasMetricsToken(request, settings.metricsToken)) requirePlatformAdmin(request);
    void reply.header('content-type', deps.metricsRegistry.contentType);
    return deps.metricsRegistry.metrics();
  });

  app.get('/api/v1/dead-letters', { schema: { querystring: DeadLetterQuery } }, async (request) => {
    requirePlatformAdmin(request);
    return deadLettersView(deps, request.query);
  });

  app.get('/api/v1/clubs/:club/dead-letters', { schema: { params: ClubParams, querystring: DeadLetterQuery } }, async (request) => {
    requireClubAccess(request, request.params.club, 'manager');
    return deadLettersView(deps, { ...request.query, club: request.params.club });
  });
}

function deadLettersView(deps: ApiDeps, query: { limit: number; reason?: DeadLetterReason; club?: string }) {
  return {
    counts: deps.deadLetters.countByReason(query.club),
    letters: deps.deadLetters.list(query).map(({ payload, ...letter }: DeadLetter) => ({
      ...letter,
      payloadPreview: payload.subarray(0, PREVIEW_BYTES).toString('utf8'),
    })),
  };
}

function hasMetricsToken(request: FastifyRequest, token: string | null): boolean {
  const header = request.headers.authorization;
  if (!token || !header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice(7));
  const expected = Buffer.from(token);
  if (given.length !== expected.length) throw new ApiError('SC_ERR_UNAUTHENTICATED', 'wrong metrics token');
  return timingSafeEqual(given, expected);
}
