import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CLUB } from '../../cli/seed-demo-club.ts';
import { runSimulation } from '../../simulators/run-simulation.ts';
import { hasInfluxd, type RunningInfluxd, startInfluxd } from '../helpers/influxd.ts';
import { readMetric } from '../helpers/metrics.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { gatewayUrl, startTestStack } from '../helpers/up-stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe.skipIf(!hasInfluxd())('InfluxDB stopped for 30 s under a steady load', () => {
  let influxd: RunningInfluxd;
  let stack: Awaited<ReturnType<typeof startTestStack>>;

  beforeAll(async () => {
    influxd = await startInfluxd();
    stack = await startTestStack({ STORE: 'influxdb', INFLUX_URL: influxd.url, INFLUX_DATABASE: 'club' });
  });
  afterAll(async () => {
    await stack?.dispose();
    await influxd?.dispose();
  });

  it('queues what arrives during the outage and stores every sample exactly once when it returns', async () => {
    const simulation = runSimulation({
      brokerUrl: gatewayUrl(stack, DEMO_CLUB, 'steady'),
      club: DEMO_CLUB,
      gateway: 'steady',
      athletes: 20,
      seed: 3,
      durationMs: 45_000,
      pace: 'realtime',
      logger: testLogger,
    });
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    await influxd.stop();
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    // During the outage the queue grew, writes were retried, and nothing was refused upstream.
    expect(await readMetric(stack.apiUrl, 'sc_ingest_queue_points')).toBeGreaterThan(20 * 25);
    expect(await readMetric(stack.apiUrl, 'sc_ingest_store_write_retries_total')).toBeGreaterThan(0);
    expect(await readMetric(stack.apiUrl, 'sc_ingest_queue_oldest_age_seconds')).toBeGreaterThan(20);
    await influxd.start();

    const { published } = await simulation;
    await waitFor(async () => (await stack.stores.timeSeries.countPoints({ club: DEMO_CLUB })) === published, {
      timeoutMs: 60_000,
      what: 'every sample stored',
    });
    await waitFor(async () => (await readMetric(stack.apiUrl, 'sc_ingest_queue_points')) === 0, { what: 'queue drained' });
    expect(await stack.stores.timeSeries.countPoints({ club: DEMO_CLUB })).toBe(published);
    expect(await readMetric(stack.apiUrl, 'sc_ingest_samples_stored_total')).toBe(published);
  }, 120_000);
});
