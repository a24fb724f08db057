import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { type Api, buildApp } from '../api/app.ts';
import { ApiConfig } from '../api/config.ts';
import { LiveHub } from '../api/live/live-hub.ts';
import { SCENARIO_GATEWAY, ScenarioSimulators } from '../api/simulator/scenario-simulators.ts';
import { EmbeddedBrokerConfigShape } from '../broker/config.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from '../broker/embedded-broker.ts';
import { IngestConfig } from '../ingest/config.ts';
import { IngestService } from '../ingest/ingest-service.ts';
import { parseEnv } from '../protocol/env.ts';
import { brokerUrlWith, isServiceUsername } from '../protocol/mqtt/access.ts';
import { createRoster } from '../simulators/roster.ts';
import { runSimulation } from '../simulators/run-simulation.ts';
import { loadDeviceProfiles } from './device-plugins.ts';
import { createMetricsRegistry } from './metrics-registry.ts';
import { openStores, type Stores } from './open-stores.ts';
import { refuseUnsafeProduction } from './production-checks.ts';
import { DEMO_CLUB, type DemoLogin, seedDemoClub, startDemoSession } from './seed-demo-club.ts';
import { startClassViaBle } from './simulated-class-via-ble.ts';
import { listening } from './startup-error.ts';
import { brokerTls, readTlsFiles } from './tls-files.ts';

export const UpConfig = ApiConfig.omit({ MQTT_URL: true })
  .extend(
    IngestConfig.pick({
      INGEST_CLIENT_ID: true,
      INGEST_BATCH_SIZE: true,
      INGEST_FLUSH_INTERVAL: true,
      INGEST_QUEUE_MAX_POINTS: true,
      INGEST_KEEPALIVE: true,
      INGEST_STALL_AFTER: true,
    }).shape,
  )
  .extend({
    ...EmbeddedBrokerConfigShape,
    /** Simulated members of the demo club (0: none, the platform waits for real gateways). */
    SIM_ATHLETES: z.coerce.number().int().min(0).max(1000).default(20),
    SIM_SEED: z.coerce.number().int().default(42),
    /** true: the simulated straps go through the real gateway and noble over an emulated radio. */
    SIM_VIA_BLE: z
      .enum(['true', 'false'])
      .default('false')
      .transform((value) => value === 'true'),
    /** Clubs whose staff may play scenarios on the simulator page (a scenario registers its athletes there). */
    SIM_CLUBS: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,47}(,[a-z0-9][a-z0-9_-]{0,47})*$/, 'comma-separated club ids')
      .default(DEMO_CLUB)
      .transform((list) => list.split(',')),
    /** A folder of your own scenario files (YAML or JSON), offered besides the built-in ones. */
    SIM_SCENARIOS_DIR: z.string().min(1).optional(),
  });
export type UpConfig = z.infer<typeof UpConfig>;
export const loadUpConfig = (env: Record<string, string | undefined>): UpConfig =>
  parseEnv(
    UpConfig.refine((config) => isServiceUsername('ingest', config.INGEST_CLIENT_ID), {
      message: 'up logs its ingest in under its client id, which must be sc-ingest or start with sc-ingest-',
      path: ['INGEST_CLIENT_ID'],
    }),
    env,
  );

/** The gateway ids `up` gives its simulated class (credentials issued at each start). */
const SIM_GATEWAY = 'sim-gateway';
const VIA_BLE_GATEWAY = 'ble-gateway';

/** The demo joins the HIIT class a minute before its first interval, so zones change within a minute. */
const DEMO_JOIN_AT_S = 420;

export interface RunningStack {
  apiUrl: string;
  /** The embedded broker, without credentials: every client needs an account (stores.mqttAccounts). */
  mqttUrl: string;
  /** Demo logins created by this start (shown once), empty when they existed already. */
  demoLogins: DemoLogin[];
  broker: EmbeddedBroker;
  stores: Stores;
  ingest: IngestService;
  app: Api;
  stop(): Promise<void>;
}

/** Everything in one process: broker, ingest, store, API with the dashboard, and a simulated class. */
export async function startUp(config: UpConfig, logger: Logger): Promise<RunningStack> {
  // What started so far, stopped in reverse if a later part cannot start (a port taken, say).
  const started: (() => Promise<unknown>)[] = [];
  const stopStarted = async () => {
    for (const stop of started.splice(0).reverse())
      await stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping after a failed start'));
  };
  try {
    return await startParts(config, logger, started, stopStarted);
  } catch (error) {
    await stopStarted();
    throw error;
  }
}

async function startParts(
  config: UpConfig,
  logger: Logger,
  started: (() => Promise<unknown>)[],
  stopStarted: () => Promise<void>,
): Promise<RunningStack> {
  const metricsRegistry = createMetricsRegistry();
  const profiles = await loadDeviceProfiles(config.DEVICE_PLUGINS, logger);
  const stores = await openStores(config.DATA_DIR, config, logger);
  started.push(() => stores.close());
  refuseUnsafeProduction(config, stores.accounts);
  const members = createRoster(config.SIM_ATHLETES, config.SIM_SEED);
  const demoLogins = members.length > 0 ? await seedDemoClub(stores, members) : [];
  // The demo class runs as a session following the HIIT plan, in step with the simulation (which joins
  // it DEMO_JOIN_AT_S in): the big screen shows its clock and phases. A session left running by an
  // earlier start is stopped first, with its report.
  if (members.length > 0) await startDemoSession(stores, Date.now() - DEMO_JOIN_AT_S * 1000);

  const broker: EmbeddedBroker = await listening('MQTT_PORT (--mqtt-port)', config.MQTT_PORT, () =>
    startEmbeddedBroker({
      port: config.MQTT_PORT,
      host: config.MQTT_HOST,
      redisUrl: config.MQTT_REDIS_URL,
      accounts: stores.mqttAccounts,
      maxPacketBytes: config.MQTT_MAX_PACKET_BYTES,
      maxConnectionsPerAddress: config.MQTT_MAX_CONNECTIONS_PER_ADDRESS,
      tls: brokerTls(config),
      logger,
    }),
  );
  started.push(() => broker.close());
  const mqttUrl = `mqtt://127.0.0.1:${broker.port}`;
  // Every client of the embedded broker logs in, ours too: fresh passwords at each start, under names of
  // up's own (ingest's is its client id), so a separate process's sc-ingest or sc-api login is left alone.
  const ingestUrl = brokerUrlWith(mqttUrl, stores.mqttAccounts.issueService('ingest', config.INGEST_CLIENT_ID));
  const liveUrl = brokerUrlWith(mqttUrl, stores.mqttAccounts.issueService('api', 'sc-api-up'));
  const live = new LiveHub({
    brokerUrl: liveUrl,
    registry: stores.registry,
    sessions: stores.sessions,
    logger,
    staleAfterMs: config.LIVE_STALE_AFTER,
    windowMs: config.LIVE_WINDOW,
    pushMs: config.LIVE_PUSH_INTERVAL,
    // Ingest in this process hands each message over as it arrives, validated once.
    subscribeToTelemetry: false,
  });
  await live.start();
  started.push(() => live.stop());
  const ingest = new IngestService(
    { ...config, MQTT_URL: ingestUrl },
    { ...stores, metricsRegistry, logger, onTelemetry: (where, message) => live.applyTelemetry(where.club, message.samples) },
  );
  await ingest.start();
  started.push(() => ingest.stop());
  const simulators = new ScenarioSimulators({
    clubs: config.SIM_CLUBS,
    folders: config.SIM_SCENARIOS_DIR ? [config.SIM_SCENARIOS_DIR] : [],
    profiles,
    registry: stores.registry,
    brokerUrlFor: (club) => brokerUrlWith(mqttUrl, stores.mqttAccounts.issueGateway(club, SCENARIO_GATEWAY)),
    dataDir: config.DATA_DIR === ':memory:' ? tmpdir() : config.DATA_DIR,
    logger,
  });
  started.push(() => simulators.close());
  const tls = readTlsFiles(config.API_TLS_CERT, config.API_TLS_KEY, 'API_TLS_CERT, API_TLS_KEY');
  const app = buildApp(
    { ...config, tls },
    { ...stores, metricsRegistry, live, logger, profiles, simulators, ingestHealth: () => ingest.health() },
  );
  started.push(() => app.close());
  await listening('PORT (--port)', config.PORT, () => app.listen({ port: config.PORT, host: config.HOST }));
  const { port } = app.server.address() as { port: number };
  const apiUrl = `${tls ? 'https' : 'http'}://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`;

  const simulation = new AbortController();
  const viaBle =
    members.length > 0 && config.SIM_VIA_BLE
      ? await startClassViaBle({
          brokerUrl: brokerUrlWith(mqttUrl, stores.mqttAccounts.issueGateway(DEMO_CLUB, VIA_BLE_GATEWAY)),
          gateway: VIA_BLE_GATEWAY,
          club: DEMO_CLUB,
          athletes: members.length,
          seed: config.SIM_SEED,
          joinAtS: DEMO_JOIN_AT_S,
          dataDir: join(config.DATA_DIR === ':memory:' ? tmpdir() : config.DATA_DIR, 'gateway'),
          logger,
        })
      : null;
  const simulating =
    members.length > 0 && !viaBle
      ? runSimulation({
          brokerUrl: brokerUrlWith(mqttUrl, stores.mqttAccounts.issueGateway(DEMO_CLUB, SIM_GATEWAY)),
          club: DEMO_CLUB,
          gateway: SIM_GATEWAY,
          athletes: members.length,
          seed: config.SIM_SEED,
          durationMs: 0,
          pace: 'realtime',
          joinAtS: DEMO_JOIN_AT_S,
          signal: simulation.signal,
          logger: logger.child({ module: 'simulator' }),
        }).catch((error: unknown) => logger.error({ err: error }, 'simulation stopped'))
      : Promise.resolve();

  return {
    apiUrl,
    mqttUrl,
    demoLogins,
    broker,
    stores,
    ingest,
    app,
    async stop() {
      simulation.abort();
      await simulating;
      await viaBle?.stop();
      await stopStarted();
    },
  };
}
