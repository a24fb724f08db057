import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { DeadLetters } from '../store/dead-letters.ts';
import type { Registry } from '../store/registry.ts';
import { StoreQueryError } from '../store/store-errors.ts';
import type { TimeSeriesStore } from '../store/time-series-store.ts';
import { ApiError } from './errors.ts';
import type { LiveHub } from './live/live-hub.ts';
import { registerClubRoutes } from './routes/club-routes.ts';
import { registerLiveRoutes } from './routes/live-routes.ts';
import { registerOperationsRoutes } from './routes/operations-routes.ts';

export interface ApiDeps {
  registry: Registry;
  timeSeries: TimeSeriesStore;
  deadLetters: DeadLetters;
  metricsRegistry: MetricsRegistry;
  live: LiveHub;
  logger: Logger;
  /** In `up`, ingest runs in the same process: /health includes its state. */
  ingestHealth?: () => { status: string };
}

export interface ApiAppConfig {
  DASHBOARD_DIR: string;
}

export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger, ZodTypeProvider>;

/** The app factory: everything but listening, so tests drive it with inject() or on a free port. */
export function buildApp(config: ApiAppConfig, deps: ApiDeps): Api {
  const app = Fastify({
    loggerInstance: deps.logger.child({ module: 'api' }),
    // Dashboards poll and stream all day: one info line per request would drown the useful ones.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(replyWithCodedError);

  registerOperationsRoutes(app, deps);
  registerClubRoutes(app, deps);
  registerLiveRoutes(app, deps);
  registerDashboard(app, config.DASHBOARD_DIR);
  return app;
}

function replyWithCodedError(error: FastifyError, _request: unknown, reply: FastifyReply): void {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const details = error.validation.map(
      (issue) => `${issue.instancePath.replace(/^\//, '') || error.validationContext}: ${issue.message}`,
    );
    void reply.status(400).send({ code: 'SC_ERR_VALIDATION', message: `invalid ${error.validationContext}: ${details.join('; ')}` });
    return;
  }
  if (error instanceof ApiError) {
    void reply.status(error.status).send({ code: error.code, message: error.message });
    return;
  }
  if (error instanceof StoreQueryError) {
    reply.log.warn({ err: error }, 'store unavailable');
    void reply.status(503).send({ code: 'SC_ERR_STORE_UNAVAILABLE', message: 'the time-series store is unavailable; try again shortly' });
    return;
  }
  if (error.statusCode && error.statusCode < 500) {
    void reply.status(error.statusCode).send({ code: error.code ?? 'SC_ERR_VALIDATION', message: error.message });
    return;
  }
  reply.log.error({ err: error }, 'request failed');
  void reply.status(500).send({ code: 'SC_ERR_INTERNAL', message: 'internal error' });
}

function registerDashboard(app: Api, dashboardDir: string): void {
  const root = resolve(dashboardDir);
  if (!existsSync(root)) {
    app.get('/', async () => {
      throw new ApiError('SC_ERR_DASHBOARD_NOT_BUILT');
    });
    return;
  }
  void app.register(fastifyStatic, { root, index: 'index.html' });
  // Browsers ask for /favicon.ico whatever the page says; answer with the dashboard's icon.
  app.get('/favicon.ico', (_request, reply) => reply.type('image/svg+xml').sendFile('favicon.svg'));
}
