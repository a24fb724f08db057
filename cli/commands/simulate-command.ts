import { basename } from 'node:path';
import { z } from 'zod';
import { DevicePlugins, DurationMs, LogLevel, MqttUrl, parseEnv } from '../../protocol/env.ts';
import { ClubId, GatewayId } from '../../protocol/ids.ts';
import { runSimulation } from '../../simulators/run-simulation.ts';
import { readScenarioFile } from '../../simulators/scenario/scenario-file.ts';
import { ScenarioRun } from '../../simulators/scenario/scenario-run.ts';
import { type Command, untilSignal } from '../command.ts';
import { loadProfilesForTool } from '../device-plugins.ts';
import { createLogger } from '../logger.ts';
import { createProgressReporter } from '../progress.ts';
import { reaching } from '../startup-error.ts';

const SimulateConfig = z.object({
  MQTT_URL: MqttUrl.default('mqtt://localhost:1883'),
  SIM_CLUB: ClubId.default('demo'),
  // Not up's own simulator id (sim-gateway): two publishers under one id look like one gateway repeating itself.
  SIM_GATEWAY: GatewayId.default('sim-cli'),
  SIM_ATHLETES: z.coerce.number().int().min(1).max(5000).default(20),
  SIM_DURATION: DurationMs.default(0),
  SIM_PACE: z.enum(['realtime', 'fast']).default('realtime'),
  SIM_SEED: z.coerce.number().int().default(42),
  /** A scenario file (YAML or JSON): its athletes, devices of any installed profile, plan and faults, through the gateway code. */
  SIM_SCENARIO: z.string().min(1).optional(),
  DEVICE_PLUGINS: DevicePlugins,
  /** Where a scenario's gateway keeps its outbox. */
  GATEWAY_DATA_DIR: z.string().min(1).default('./data/gateway'),
  LOG_LEVEL: LogLevel.default('info'),
});

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'a simulated class published to MQTT as a virtual gateway; progress on stderr, {"published": N, ...} on stdout at the end',
  flags: {
    broker: { env: 'MQTT_URL', description: 'MQTT URL' },
    club: { env: 'SIM_CLUB', description: 'club id (default demo)' },
    gateway: { env: 'SIM_GATEWAY', description: 'gateway id (default sim-cli)' },
    athletes: { env: 'SIM_ATHLETES', description: 'number of members' },
    duration: { env: 'SIM_DURATION', description: 'simulated time, e.g. 30s or 45m (0: until Ctrl+C)' },
    pace: { env: 'SIM_PACE', description: 'realtime, or fast: the duration ending now, as fast as the broker takes it' },
    seed: { env: 'SIM_SEED', description: 'random seed: same seed, same class' },
    scenario: {
      env: 'SIM_SCENARIO',
      description: 'play a scenario file (YAML or JSON) through the gateway code instead of the plain class',
    },
    plugins: { env: 'DEVICE_PLUGINS', description: 'device plugins whose devices the scenario wears' },
  },
  env: [
    'MQTT_URL',
    'SIM_CLUB',
    'SIM_GATEWAY',
    'SIM_ATHLETES',
    'SIM_DURATION',
    'SIM_PACE',
    'SIM_SEED',
    'SIM_SCENARIO',
    'DEVICE_PLUGINS',
    'GATEWAY_DATA_DIR',
    'LOG_LEVEL',
  ],
  async run(env) {
    const config = parseEnv(SimulateConfig, env);
    if (config.SIM_SCENARIO) return playScenario(config);
    const abort = new AbortController();
    void untilSignal().then(() => abort.abort());
    const progress = createProgressReporter('simulating');
    const result = await reaching('the MQTT broker', config.MQTT_URL, 'MQTT_URL (--broker)', () =>
      runSimulation({
        brokerUrl: config.MQTT_URL,
        club: config.SIM_CLUB,
        gateway: config.SIM_GATEWAY,
        athletes: config.SIM_ATHLETES,
        seed: config.SIM_SEED,
        durationMs: config.SIM_DURATION,
        pace: config.SIM_PACE,
        signal: abort.signal,
        logger: createLogger(config.LOG_LEVEL),
        onProgress: ({ simulatedS, totalS, published }) =>
          progress.update({ done: simulatedS, total: totalS, unit: 's', counters: { samples: published } }),
      }),
    ).finally(() => progress.finish());
    console.log(JSON.stringify(result));
    return 0;
  },
};

/**
 * `simulate --scenario <file>`: the scenario through the gateway code over an emulated radio, publishing as
 * SIM_GATEWAY (its credentials in MQTT_URL). Progress on stderr, a summary on stdout when its duration is
 * played or on Ctrl+C.
 */
async function playScenario(config: z.infer<typeof SimulateConfig>): Promise<number> {
  const logger = createLogger(config.LOG_LEVEL);
  const scenario = readScenarioFile(config.SIM_SCENARIO!);
  const profiles = await loadProfilesForTool(config.DEVICE_PLUGINS);
  const run = new ScenarioRun({
    id: basename(config.SIM_SCENARIO!),
    scenario,
    profiles,
    brokerUrl: config.MQTT_URL,
    club: config.SIM_CLUB,
    gateway: config.SIM_GATEWAY,
    dataDir: config.GATEWAY_DATA_DIR,
    logger,
  });
  await run.start();
  const progress = createProgressReporter('scenario');
  const total = scenario.durationS > 0 ? scenario.durationS : null;
  const timer = setInterval(() => progress.update({ done: run.status().elapsedS, total, unit: 's', counters: {} }), 1000);
  await Promise.race([run.done, untilSignal()]);
  clearInterval(timer);
  progress.finish();
  await run.stop();
  const { name, elapsedS, events } = run.status();
  console.log(JSON.stringify({ scenario: name, elapsedS, events }));
  return 0;
}
