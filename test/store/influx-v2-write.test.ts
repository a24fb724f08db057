import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfluxTimeSeriesStore } from '../../store/influx/influx-time-series-store.ts';
import type { StoredPoint } from '../../store/time-series-store.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { hasVictoriaMetrics, startVictoriaMetrics } from '../helpers/victoria-metrics.ts';
import { waitFor } from '../helpers/wait-for.ts';

// Recent but not too recent: VictoriaMetrics drops data older than its retention (1 month by default)
// and hides the last 30 s from searches.
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;

describe.skipIf(!hasVictoriaMetrics())('the /api/v2/write path (InfluxDB 1.8+, 2.x, 3.x) against a real server', () => {
  let server: Awaited<ReturnType<typeof startVictoriaMetrics>>;
  beforeAll(async () => {
    server = await startVictoriaMetrics();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('writes points with @influxdata/influxdb-client that read back with their tags, values and millisecond times', async () => {
    const store = await InfluxTimeSeriesStore.connect(
      { url: server.url, bucket: 'club_data', org: 'federation', token: 'unused' },
      testLogger,
    );
    // The server does not announce an InfluxDB version, so it is treated as modern.
    expect(store.writeEndpoint).toBe('v2');
    const points: StoredPoint[] = Array.from({ length: 50 }, (_, i) => ({
      club: 'demo',
      device: 'hrm-1',
      athlete: 'ann',
      kind: 'heart_rate',
      timeMs: T0 + i * 1000 + 7, // the +7 ms proves millisecond precision survives
      fields: { heartRateBpm: 100 + i, rrIntervalsMs: '600,601' },
    }));
    await store.writePoints(points);
    await store.close();

    const series = await waitFor(
      async () => {
        const found = await server.exportSeries('{__name__="heart_rate_heartRateBpm"}');
        return found.reduce((total, one) => total + one.values.length, 0) === 50 ? found : undefined;
      },
      { what: '50 points readable' },
    );
    // (Overwrite on replay is InfluxDB's property, covered by the contract suite; this server keeps both.)
    for (const one of series)
      expect(one.metric).toEqual({ __name__: 'heart_rate_heartRateBpm', club: 'demo', device: 'hrm-1', athlete: 'ann' });
    const read = series.flatMap((one) => one.timestamps.map((t, i) => [t, one.values[i]])).sort((a, b) => a[0]! - b[0]!);
    expect(read).toEqual(points.map((p) => [p.timeMs, p.fields.heartRateBpm]));
  });

  it('reports an unreachable server as a retryable write error', async () => {
    const store = await InfluxTimeSeriesStore.connect({ url: server.url, bucket: 'b', org: 'o', token: 't' }, testLogger);
    await server.dispose();
    await expect(
      store.writePoints([{ club: 'demo', device: 'd', athlete: null, kind: 'battery', timeMs: T0, fields: { batteryPercent: 5 } }]),
    ).rejects.toMatchObject({
      code: 'SC_ERR_STORE_WRITE',
      retryable: true,
    });
    server = await startVictoriaMetrics();
  });
});
