import type { Logger } from 'pino';
import type { Sample } from '../protocol/mqtt/telemetry.ts';
import { SimulatedClass } from './simulated-class.ts';
import { VirtualGateway } from './virtual-gateway.ts';

export interface SimulationOptions {
  brokerUrl: string;
  club: string;
  gateway: string;
  athletes: number;
  seed: number;
  /** Simulated time to cover; 0 runs until the signal aborts (realtime only). */
  durationMs: number;
  /**
   * realtime: one tick per wall-clock second, samples stamped now (the live demo).
   * fast: the duration ending now is generated as fast as the broker acknowledges (load tests, backfill);
   * stamps stay in the past so ingest's future-timestamp check never trips.
   */
  pace: 'realtime' | 'fast';
  /** Seconds into the class script to start at, members already warmed up to it (the demo skips the warm-up). */
  joinAtS?: number;
  signal?: AbortSignal;
  logger: Logger;
  /** Called after every simulated second; without it, progress goes to the logger now and then. */
  onProgress?: (progress: SimulationProgress) => void;
}

export interface SimulationProgress {
  simulatedS: number;
  /** Simulated seconds to cover, or null for a run that goes on until stopped. */
  totalS: number | null;
  published: number;
}

export interface SimulationResult {
  published: number;
  messages: number;
  athletes: number;
  club: string;
  gateway: string;
  pace: SimulationOptions['pace'];
  simulatedS: number;
}

const TICK_MS = 1000;
const DEVICES_EVERY_MS = 10_000;
/** Progress lines: frequent for a batch run someone waits on, rare for the endless demo class. */
const PROGRESS_EVERY_MS = { fast: 5_000, realtime: 60_000 } as const;
/** Messages a fast run keeps in flight: enough to hide the round trip, few enough to keep order tidy. */
const FAST_IN_FLIGHT = 16;

/** Plays a simulated class through a virtual gateway into MQTT. */
export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const { logger, pace } = options;
  if (pace === 'fast' && options.durationMs <= 0) throw new Error('a fast simulation needs a duration');
  const nowMs = Math.floor(Date.now() / TICK_MS) * TICK_MS;
  const firstTickMs = pace === 'fast' ? nowMs - options.durationMs : nowMs;
  const joinAtMs = (options.joinAtS ?? 0) * 1000;
  const simulatedClass = new SimulatedClass({ athletes: options.athletes, seed: options.seed, startMs: firstTickMs - joinAtMs });
  if (joinAtMs > 0) simulatedClass.settleAt(firstTickMs);
  const gateway = new VirtualGateway({ brokerUrl: options.brokerUrl, club: options.club, gateway: options.gateway });
  await gateway.connect();

  const result: SimulationResult = {
    published: 0,
    messages: 0,
    athletes: options.athletes,
    club: options.club,
    gateway: options.gateway,
    pace,
    simulatedS: 0,
  };
  const inFlight = new Set<Promise<void>>();
  let lastDevicesMs = -Infinity;
  let lastProgressMs = Date.now();
  const publish = (samples: Sample[]): Promise<void> => {
    const sending = gateway.publishSamples(samples).then((messages) => {
      result.published += samples.length;
      result.messages += messages;
    });
    inFlight.add(sending);
    return sending.finally(() => inFlight.delete(sending));
  };

  try {
    for (let tickMs = firstTickMs + TICK_MS; ; tickMs += TICK_MS) {
      if (options.durationMs > 0 && tickMs > firstTickMs + options.durationMs) break;
      if (options.signal?.aborted) break;
      if (pace === 'realtime') await sleepUntil(tickMs, options.signal);
      if (options.signal?.aborted) break;

      const samples = simulatedClass.tick(tickMs);
      result.simulatedS = (tickMs - firstTickMs) / 1000;
      if (samples.length > 0) {
        const sending = publish(samples);
        if (pace === 'realtime') sending.catch((error: unknown) => logger.warn({ err: error }, 'publish failed'));
        else if (inFlight.size >= FAST_IN_FLIGHT) await Promise.race(inFlight);
      }
      if (tickMs - lastDevicesMs >= DEVICES_EVERY_MS) {
        lastDevicesMs = tickMs;
        await gateway.publishDevices(
          simulatedClass.athletes.map((athlete, index) => ({
            id: athlete.member.deviceId,
            name: `HRM ${athlete.member.name}`,
            // Spread over a room: near the gateway to its far end (the walk-in screen sorts by it).
            rssiDbm: -42 - ((index * 7) % 48),
            batteryPercent: Math.floor(athlete.batteryPercent),
            connected: true,
            lastSeenMs: tickMs,
          })),
        );
      }
      if (options.onProgress) {
        options.onProgress({
          simulatedS: result.simulatedS,
          totalS: options.durationMs > 0 ? options.durationMs / 1000 : null,
          published: result.published,
        });
      } else if (Date.now() - lastProgressMs >= PROGRESS_EVERY_MS[pace]) {
        lastProgressMs = Date.now();
        logger.info({ simulatedS: result.simulatedS, published: result.published, phase: simulatedClass.phaseAt(tickMs) }, 'simulating');
      }
    }
    await Promise.all(inFlight);
  } finally {
    await gateway.close();
  }
  return result;
}

function sleepUntil(timeMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, Math.max(0, timeMs - Date.now()));
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
