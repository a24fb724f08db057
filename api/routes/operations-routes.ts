import { z } from 'zod';
import { DeadLetterReason } from '../../protocol/api.ts';
import type { Api, ApiDeps } from '../app.ts';

/** Health, Prometheus metrics and the dead letters: what an operator looks at. */
export function registerOperationsRoutes(app: Api, deps: ApiDeps): void {
  app.get('/health', async (_request, reply) => {
    const ingest = deps.ingestHealth?.();
    const status = !ingest || ingest.status === 'ok' ? 'ok' : `ingest ${ingest.status}`;
    void reply.status(status === 'ok' ? 200 : 503);
    return { status, store: deps.timeSeries.name, ...(ingest ? { ingest } : {}) };
  });

  app.get('/metrics', async (_request, reply) => {
    void reply.header('content-type', deps.metricsRegistry.contentType);
    return deps.metricsRegistry.metrics();
  });

  app.get(
    '/api/v1/dead-letters',
    {
      schema: {
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          reason: DeadLetterReason.optional(),
        }),
      },
    },
    async (request) => ({
      counts: deps.deadLetters.countByReason(),
      letters: deps.deadLetters.list(request.query).map(({ payload, ...letter }) => ({
        ...letter,
        payloadBytes: payload.length,
        payloadPreview: payload.subarray(0, 512).toString('utf8'),
      })),
    }),
  );
}
