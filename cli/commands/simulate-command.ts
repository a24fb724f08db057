import { z } from 'zod';
import { DurationMs, LogLevel, MqttUrl, parseEnv } from '../../protocol/env.ts';
import { ClubId, GatewayId } from '../../protocol/ids.ts';
import { runSimulation } from '../../simulators/run-simulation.ts';
import { type Command, untilSignal } from '../command.ts';
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
  },
  env: ['MQTT_URL', 'SIM_CLUB', 'SIM_GATEWAY', 'SIM_ATHLETES', 'SIM_DURATION', 'SIM_PACE', 'SIM_SEED', 'LOG_LEVEL'],
  async run(env) {
    const config = parseEnv(SimulateConfig, env);
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
