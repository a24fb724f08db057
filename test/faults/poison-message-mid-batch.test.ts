import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasInfluxd, type RunningInfluxd, startInfluxd } from '../helpers/influxd.ts';
import { readMetric } from '../helpers/metrics.ts';
import { connectAsGateway, startTestStack } from '../helpers/up-stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe.skipIf(!hasInfluxd())('a poison message in the middle of a batch', () => {
  let influxd: RunningInfluxd;
  let stack: Awaited<ReturnType<typeof startTestStack>>;

  beforeAll(async () => {
    influxd = await startInfluxd();
    // A long flush interval puts the neighbours of the poison message in one store write.
    stack = await startTestStack({ STORE: 'influxdb', INFLUX_URL: influxd.url, INFLUX_DATABASE: 'club', INGEST_FLUSH_INTERVAL: '2s' });
  });
  afterAll(async () => {
    await stack?.dispose();
    await influxd?.dispose();
  });

  it('is dead-lettered with its reason while the messages around it are stored', async () => {
    const now = Date.now();
    const message = (seq: number, bpm: unknown) =>
      JSON.stringify({
        v: 1,
        gateway: 'gw',
        seq,
        sentAtMs: now,
        samples: [{ device: 'strap', timeMs: now - 10_000 + seq, kind: 'heart_rate', values: { heartRateBpm: bpm } }],
      });
    const client = await connectAsGateway(stack, 'club-p', 'gw');
    for (let seq = 0; seq < 10; seq++)
      await client.publishAsync('sc/v1/club-p/gw/telemetry', seq === 5 ? message(seq, -1) : message(seq, 100 + seq), { qos: 1 });
    await client.endAsync();

    await waitFor(async () => (await stack.stores.timeSeries.countPoints({ club: 'club-p' })) === 9, { what: 'nine neighbours stored' });
    expect(await readMetric(stack.apiUrl, 'sc_ingest_batches_total')).toBe(1);
    const letters = stack.stores.deadLetters.list({ limit: 10 });
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ reason: 'schema_violation', topic: 'sc/v1/club-p/gw/telemetry' });
    expect(letters[0]!.detail).toMatch(/heartRateBpm/);
    expect(JSON.parse(letters[0]!.payload.toString()).seq).toBe(5);
  });

  it('keeps the batch when InfluxDB refuses one point of it: the refused point is dead-lettered, the rest stored', async () => {
    const now = Date.now();
    // Another tool wrote energyExpendedKj as a string into this shard: InfluxDB now refuses it as a float.
    const line = `heart_rate,club=club-q,device=legacy energyExpendedKj="n/a",samples=1 ${now - 60_000}`;
    const written = await fetch(`${influxd.url}/write?db=club&precision=ms`, { method: 'POST', body: line });
    expect(written.status).toBe(204);
    // One gateway in each club (a gateway publishes only under its own club).
    const clients = { 'club-q': await connectAsGateway(stack, 'club-q', 'gw'), 'club-r': await connectAsGateway(stack, 'club-r', 'gw') };
    for (let seq = 0; seq < 20; seq++) {
      const club = seq % 2 === 0 ? 'club-q' : 'club-r';
      const values = seq === 7 ? { heartRateBpm: 120, energyExpendedKj: 15 } : { heartRateBpm: 100 + seq };
      const message = {
        v: 1,
        gateway: 'gw',
        seq,
        sentAtMs: now,
        samples: [{ device: `strap-${seq}`, timeMs: now - 10_000 + seq, kind: 'heart_rate', values }],
      };
      await clients[club].publishAsync(`sc/v1/${club}/gw/telemetry`, JSON.stringify(message), { qos: 1 });
    }
    for (const client of Object.values(clients)) await client.endAsync();

    // club-q: its ten samples plus the legacy point; club-r: nine, its seventh message being refused.
    await waitFor(async () => (await stack.stores.timeSeries.countPoints({ club: 'club-q' })) === 11, { what: 'club-q stored' });
    await waitFor(async () => (await stack.stores.timeSeries.countPoints({ club: 'club-r' })) === 9, {
      what: 'club-r stored but the refused point',
    });
    await waitFor(() => stack.stores.deadLetters.list({ limit: 10, reason: 'store_rejected' }).length === 1, {
      what: 'the refused point dead-lettered',
    });
    const [letter] = stack.stores.deadLetters.list({ limit: 10, reason: 'store_rejected' });
    expect(letter!.detail).toMatch(/^1 point\(s\) refused by the store: InfluxDB \/write answered 400: .*field type conflict/);
    expect(JSON.parse(letter!.payload.toString())).toEqual([
      expect.objectContaining({ club: 'club-r', device: 'strap-7', fields: { heartRateBpm: 120, energyExpendedKj: 15 } }),
    ]);
    expect(stack.ingest.queue.depth().points).toBe(0);
  });
});
