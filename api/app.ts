import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Registry as MetricsRegistry } from 'prom-client';
import { NoQuery } from '../protocol/api.ts';
import type { InstalledProfiles } from '../protocol/device-kit/installed-profiles.ts';
import { decodeRosterFile } from '../protocol/roster-csv.ts';
import type { Accounts } from '../store/accounts.ts';
import type { Challenges } from '../store/challenges.ts';
import type { ClubSessions } from '../store/club-sessions.ts';
import type { DeadLetters } from '../store/dead-letters.ts';
import type { IngestQueue } from '../store/ingest-queue.ts';
import type { MqttAccounts } from '../store/mqtt-accounts.ts';
import type { ReadinessChecks } from '../store/readiness-checks.ts';
import type { Registry } from '../store/registry.ts';
import { RosterError } from '../store/registry.ts';
import { isRegistryUnavailable, isUniqueViolation } from '../store/sql/postgres-database.ts';
import { StoreQueryError } from '../store/store-errors.ts';
import type { TimeSeriesStore } from '../store/time-series-store.ts';
import type { TrainingLog } from '../store/training-log.ts';
import { identify } from './auth/principal.ts';
import { INGEST_SETTLE_MS } from './data-rights/erasure.ts';
import { applyRetention } from './data-rights/retention.ts';
import { API_ERRORS, ApiError, type ApiErrorCode } from './errors.ts';
import type { LiveHub } from './live/live-hub.ts';
import { registerAuthRoutes } from './routes/auth-routes.ts';
import { registerChallengeRoutes } from './routes/challenge-routes.ts';
import { registerClubAdminRoutes } from './routes/club-admin-routes.ts';
import { registerDataRightsRoutes } from './routes/data-rights-routes.ts';
import { registerExportRoutes } from './routes/export-routes.ts';
import { registerHistoryRoutes } from './routes/history-routes.ts';
import { registerLiveRoutes } from './routes/live-routes.ts';
import { registerOperationsRoutes } from './routes/operations-routes.ts';
import { registerPairingRoutes } from './routes/pairing-routes.ts';
import { registerProfileRoutes } from './routes/profile-routes.ts';
import { ROSTER_CSV_MAX_BYTES, registerRosterRoutes } from './routes/roster-routes.ts';
import { registerSessionRoutes } from './routes/session-routes.ts';
import { registerSimulatorRoutes } from './routes/simulator-routes.ts';
import { registerWellnessRoutes, WORKOUT_UPLOAD_MAX_BYTES } from './routes/wellness-routes.ts';
import type { ScenarioSimulators } from './simulator/scenario-simulators.ts';

export interface ApiDeps {
  registry: Registry;
  accounts: Accounts;
  mqttAccounts: MqttAccounts;
  sessions: ClubSessions;
  trainingLog: TrainingLog;
  readiness: ReadinessChecks;
  challenges: Challenges;
  timeSeries: TimeSeriesStore;
  deadLetters: DeadLetters;
  ingestQueue: IngestQueue;
  /** Ingest workers may run on other hosts (the registry on PostgreSQL): their queues are out of reach. */
  ingestElsewhere?: boolean;
  metricsRegistry: MetricsRegistry;
  live: LiveHub;
  logger: Logger;
  /** The device profiles installed here (built-in and plugins), for GET /api/v1/profiles. */
  profiles?: InstalledProfiles;
  /** In `up`: the simulator page's scenarios (demo clubs only). */
  simulators?: ScenarioSimulators;
  /** In `up`, ingest runs in the same process: /health includes its state. */
  ingestHealth?: () => { status: string };
}

export interface ApiAppConfig {
  DASHBOARD_DIR: string;
  SESSION_TTL?: number;
  INVITATION_TTL?: number;
  METRICS_TOKEN?: string;
  LIVE_MAX_STREAMS_PER_USER?: number;
  LOGIN_ATTEMPTS_PER_MINUTE?: number;
  WRITES_PER_MINUTE?: number;
  /** How long an erasure waits for batches ingest read before it began, then deletes again (ms). */
  ERASURE_SETTLE?: number;
  /** Believe X-Forwarded-* from a reverse proxy (Fastify's trustProxy): true, or its addresses. */
  TRUST_PROXY?: boolean | string;
  /** Origins allowed to call the API from their pages (CORS, with the session cookie); none by default. */
  CORS_ORIGINS?: string[];
  /** PEM contents: with both, the API speaks HTTPS only. */
  tls?: { key: Buffer; cert: Buffer };
}

/** The settings routes read, with their defaults applied (api/config.ts documents each). */
export interface ApiSettings {
  sessionTtlMs: number;
  invitationTtlMs: number;
  metricsToken: string | null;
  liveMaxStreamsPerUser: number;
  loginAttemptsPerMinute: number;
  writesPerMinute: number;
}

export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger, ZodTypeProvider>;

/** Request bodies are small JSON documents; anything bigger is refused before it is read. */
const BODY_LIMIT_BYTES = 64 * 1024;
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The app factory: everything but listening, so tests drive it with inject() or on a free port. */
export function buildApp(config: ApiAppConfig, deps: ApiDeps): Api {
  const settings: ApiSettings = {
    sessionTtlMs: config.SESSION_TTL ?? 7 * 24 * 3_600_000,
    invitationTtlMs: config.INVITATION_TTL ?? 7 * 24 * 3_600_000,
    metricsToken: config.METRICS_TOKEN ?? null,
    liveMaxStreamsPerUser: config.LIVE_MAX_STREAMS_PER_USER ?? 5,
    loginAttemptsPerMinute: config.LOGIN_ATTEMPTS_PER_MINUTE ?? 10,
    writesPerMinute: config.WRITES_PER_MINUTE ?? 120,
  };
  const app = Fastify({
    loggerInstance: deps.logger.child({ module: 'api' }),
    // Dashboards poll and stream all day: one info line per request would drown the useful ones.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY ?? false,
    // Errors Fastify raises before routing (a malformed or over-long URL) get our coded answer too.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      void reply.status(400).send({ code: 'SC_ERR_VALIDATION', message: 'malformed URL' });
      reply.log.debug({ err: error }, 'malformed URL');
    },
    ...(config.tls ? { https: config.tls } : {}),
  }).withTypeProvider<ZodTypeProvider>() as unknown as Api;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(replyWithCodedError);
  app.setNotFoundHandler((_request, reply) => {
    // The path is not echoed: a 404 for a long or hostile URL says nothing about it.
    void reply.status(404).send({ code: 'SC_ERR_NOT_FOUND', message: 'no such resource' });
  });

  void app.register(fastifyCookie);
  void app.register(fastifyHelmet, {
    // The dashboard loads only its own script, styles and icon; uPlot draws into a canvas.
    contentSecurityPolicy: {
      directives: { defaultSrc: ["'self'"], imgSrc: ["'self'", 'data:'], styleSrc: ["'self'"], scriptSrc: ["'self'"] },
    },
    hsts: Boolean(config.tls),
  });
  if (config.CORS_ORIGINS?.length) void app.register(fastifyCors, { origin: config.CORS_ORIGINS, credentials: true });
  void app.register(fastifyRateLimit, { global: false, errorResponseBuilder: () => new ApiError('SC_ERR_RATE_LIMITED') });
  // Roster spreadsheets arrive as CSV text (the import route's only body).
  app.addContentTypeParser('text/csv', { parseAs: 'buffer', bodyLimit: ROSTER_CSV_MAX_BYTES }, (_request, body, done) => {
    try {
      done(null, decodeRosterFile(body as Buffer));
    } catch (error) {
      done(new ApiError('SC_ERR_VALIDATION', (error as Error).message), undefined);
    }
  });
  // Workout files (FIT is binary) arrive as they are; only the upload route takes them.
  app.addContentTypeParser(
    ['application/octet-stream', 'application/vnd.ant.fit'],
    { parseAs: 'buffer', bodyLimit: WORKOUT_UPLOAD_MAX_BYTES },
    (_request, body, done) => done(null, body),
  );
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    refuseCrossSiteWrites(request, config.CORS_ORIGINS ?? []);
    request.principal = identify(request, deps);
  });
  // No text anyone sends holds NUL: no name or title needs it, and PostgreSQL's text cannot store it (the
  // registry would answer 500 where SQLite stores it). Refused alike on both engines.
  app.addHook('preValidation', async (request) => {
    if (holdsNul(request.body) || holdsNul(request.query))
      throw new ApiError('SC_ERR_VALIDATION', 'text may not contain the NUL character (U+0000)');
  });
  // A platform admin reaches every club, including ones that do not exist: those are 404, not a write that
  // fails deep in the store. (Everyone else has no access to a club that does not exist, hence 404 too.)
  app.addHook('preHandler', async (request) => {
    const club = (request.params as { club?: unknown } | undefined)?.club;
    if (
      typeof club === 'string' &&
      request.principal?.kind === 'user' &&
      request.principal.user.platformAdmin &&
      !deps.registry.hasClub(club)
    )
      throw new ApiError('SC_ERR_NOT_FOUND', 'no such club');
  });

  // Expired login sessions are deleted hourly (a hash and a user id each, but nothing is kept longer than needed),
  // and so are samples older than a club keeps.
  let sessionCleanup: NodeJS.Timeout | null = null;
  const retention = () =>
    applyRetention(deps, app.log).catch((error: unknown) => app.log.warn({ err: error }, 'retention not applied; tried again in an hour'));
  app.addHook('onReady', async () => {
    deps.accounts.deleteExpiredSessions();
    void retention();
    sessionCleanup = setInterval(() => {
      try {
        deps.accounts.deleteExpiredSessions();
      } catch (error) {
        app.log.warn({ err: error }, 'expired logins not deleted; tried again in an hour');
      }
      void retention();
    }, 3_600_000);
    sessionCleanup.unref();
  });
  app.addHook('onClose', async () => {
    if (sessionCleanup) clearInterval(sessionCleanup);
  });

  // The OpenAPI document, generated from the same zod schemas that validate each request and answer.
  void app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Sport Connect API', version: '1', description: 'See docs/http-api.md for roles, errors and examples.' },
      components: {
        securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'sc_session' }, gateway: { type: 'http', scheme: 'basic' } },
      },
      security: [{ session: [] }],
    },
    transform: jsonSchemaTransform,
    hideUntagged: false,
  });
  void app.register(async (routes: Api) => {
    routes.get('/api/docs', { schema: { hide: true, querystring: NoQuery } }, async () => app.swagger());
    registerOperationsRoutes(routes, deps, settings);
    registerAuthRoutes(routes, deps, settings);
    registerRosterRoutes(routes, deps, settings);
    registerHistoryRoutes(routes, deps);
    registerProfileRoutes(routes, deps);
    registerSimulatorRoutes(routes, deps, settings);
    registerPairingRoutes(routes, deps, settings);
    registerSessionRoutes(routes, deps, settings);
    registerWellnessRoutes(routes, deps, settings);
    registerChallengeRoutes(routes, deps, settings);
    registerExportRoutes(routes, deps, settings);
    registerDataRightsRoutes(routes, deps, { ...settings, erasureSettleMs: config.ERASURE_SETTLE ?? INGEST_SETTLE_MS });
    registerClubAdminRoutes(routes, deps, settings);
    registerLiveRoutes(routes, deps, settings);
    registerDashboard(routes, config.DASHBOARD_DIR);
  });
  return app;
}

/**
 * The session cookie is SameSite=Lax, and bodies must be JSON; on top, a write whose Origin names another
 * site (not one of CORS_ORIGINS) is refused outright (a form on another site cannot act for a logged-in coach).
 */
function refuseCrossSiteWrites(request: FastifyRequest, allowedOrigins: readonly string[]): void {
  const origin = request.headers.origin;
  if (!origin || !UNSAFE_METHODS.has(request.method) || allowedOrigins.includes(origin)) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new ApiError('SC_ERR_FORBIDDEN_ORIGIN');
  }
  if (host !== request.headers.host) throw new ApiError('SC_ERR_FORBIDDEN_ORIGIN');
}

/** Fastify's own errors, as our codes (docs/errors.md): never its message with a stack, never an echoed path. */
const FASTIFY_CODES: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'SC_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'SC_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'SC_ERR_VALIDATION',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'SC_ERR_VALIDATION',
  FST_ERR_CTP_INVALID_JSON_BODY: 'SC_ERR_VALIDATION',
};

function replyWithCodedError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const details = error.validation.map(
      (issue) => `${issue.instancePath.replace(/^\//, '') || error.validationContext}: ${issue.message}`,
    );
    void reply
      .status(400)
      .send({ code: 'SC_ERR_VALIDATION', message: `invalid ${error.validationContext}: ${details.join('; ').slice(0, 1000)}` });
    return;
  }
  if (error instanceof ApiError) {
    void reply.status(error.status).send({ code: error.code, message: error.message });
    return;
  }
  if (error instanceof RosterError) {
    const code = error.kind === 'conflict' ? 'SC_ERR_CONFLICT' : 'SC_ERR_NOT_FOUND';
    void reply.status(API_ERRORS[code].status).send({ code, message: error.message });
    return;
  }
  // A key taken between a check and the write (another replica was quicker): the same answer as the check's.
  if (isUniqueViolation(error)) {
    void reply.status(409).send({ code: 'SC_ERR_CONFLICT', message: 'it exists already' });
    return;
  }
  if (isRegistryUnavailable(error)) {
    reply.log.warn({ err: error }, 'registry unreachable');
    void reply.status(503).send({ code: 'SC_ERR_REGISTRY_UNAVAILABLE', message: API_ERRORS.SC_ERR_REGISTRY_UNAVAILABLE.message });
    return;
  }
  if (error instanceof StoreQueryError) {
    reply.log.warn({ err: error }, 'store unavailable');
    void reply.status(503).send({ code: 'SC_ERR_STORE_UNAVAILABLE', message: API_ERRORS.SC_ERR_STORE_UNAVAILABLE.message });
    return;
  }
  if (error.statusCode === 429) {
    void reply.status(429).send({ code: 'SC_ERR_RATE_LIMITED', message: API_ERRORS.SC_ERR_RATE_LIMITED.message });
    return;
  }
  const known = FASTIFY_CODES[error.code];
  if (known) {
    void reply
      .status(API_ERRORS[known].status)
      .send({ code: known, message: known === 'SC_ERR_VALIDATION' ? 'the body is not valid JSON' : API_ERRORS[known].message });
    return;
  }
  if (error.statusCode && error.statusCode < 500) {
    request.log.debug({ err: error }, 'request refused');
    void reply.status(error.statusCode).send({ code: 'SC_ERR_VALIDATION', message: API_ERRORS.SC_ERR_VALIDATION.message });
    return;
  }
  reply.log.error({ err: error }, 'request failed');
  void reply.status(500).send({ code: 'SC_ERR_INTERNAL', message: 'internal error' });
}

function registerDashboard(app: Api, dashboardDir: string): void {
  const root = resolve(dashboardDir);
  if (!existsSync(root)) {
    app.get('/', { schema: { hide: true } }, async () => {
      throw new ApiError('SC_ERR_DASHBOARD_NOT_BUILT');
    });
    return;
  }
  void app.register(fastifyStatic, { root, index: 'index.html', schemaHide: true });
  // Browsers ask for /favicon.ico whatever the page says; answer with the dashboard's icon.
  app.get('/favicon.ico', { schema: { hide: true } }, (_request, reply) => reply.type('image/svg+xml').sendFile('favicon.svg'));
}

/** Whether a parsed body or query holds a string with NUL anywhere (binary uploads, Buffers, are not text). */
function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || depth > 32) return false;
  for (const [key, item] of Object.entries(value)) if (key.includes('\u0000') || holdsNul(item, depth + 1)) return true;
  return false;
}
