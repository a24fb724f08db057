import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameForAthlete } from '../../api/live/athlete-view.ts';
import { type LiveFrame, LiveHub } from '../../api/live/live-hub.ts';
import type { Stores } from '../../cli/open-stores.ts';
import { useEmbeddedBroker } from '../helpers/emulated-gateway.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { openTestStores } from '../helpers/test-stores.ts';
import { waitFor } from '../helpers/wait-for.ts';

const CLUB = 'push';
const PUSH_MS = 500;

describe('live tiles pushed on change', () => {
  const brokerUrl = useEmbeddedBroker();
  let stores: Stores;
  let live: LiveHub;
  let gateway: MqttClient;
  let seq = 0;

  const publish = (heartRateBpm: number, device = 'strap-1') =>
    gateway.publishAsync(
      `sc/v1/${CLUB}/gw-push/telemetry`,
      JSON.stringify({
        v: 1,
        gateway: 'gw-push',
        seq: seq++,
        sentAtMs: Date.now(),
        samples: [{ device, timeMs: Date.now(), kind: 'heart_rate', values: { heartRateBpm } }],
      }),
      { qos: 1 },
    );
  const heartRateOf = (message: LiveFrame, athlete: string) => message.update.athletes.find((tile) => tile.id === athlete)?.heartRateBpm;

  beforeAll(async () => {
    stores = await openTestStores();
    stores.registry.upsertClub(CLUB, 'Push club');
    for (const [member, device] of [
      ['ann', 'strap-1'],
      ['bob', 'strap-2'],
    ]) {
      stores.registry.upsertMember(CLUB, { id: member!, name: member!, restHrBpm: 50, maxHrBpm: 190 });
      stores.registry.createDevice(CLUB, { id: device!, profile: 'heart_rate', label: device!, owner: member! }, 0);
    }
    // The chart's tick is a minute away: whatever arrives before it was pushed because a sample changed a tile.
    live = new LiveHub({
      brokerUrl: brokerUrl(),
      registry: stores.registry,
      logger: testLogger,
      staleAfterMs: 10_000,
      windowMs: 600_000,
      tickMs: 60_000,
      pushMs: PUSH_MS,
    });
    await live.start();
    gateway = await mqtt.connectAsync(brokerUrl(), { clientId: 'gw-push' });
  });
  afterAll(async () => {
    await gateway?.endAsync();
    await live?.stop();
    await stores?.close();
  });

  it('reaches a watching stream as a tile update without waiting for the chart second', async () => {
    const received: LiveFrame[] = [];
    const unsubscribe = live.subscribe(CLUB, (message) => received.push(message));
    try {
      await publish(131);
      await waitFor(() => received.some((message) => heartRateOf(message, 'ann') === 131), { what: 'the tile update' });
      const pushed = received.find((message) => heartRateOf(message, 'ann') === 131)!;
      // Tiles only: the chart keeps its one column per second.
      expect(pushed.frame).toBeNull();
    } finally {
      unsubscribe();
    }
  });

  it('coalesces a burst of samples into a few pushes that end on the latest value', async () => {
    await new Promise((resolve) => setTimeout(resolve, PUSH_MS));
    const received: LiveFrame[] = [];
    const unsubscribe = live.subscribe(CLUB, (message) => received.push(message));
    try {
      for (let bpm = 100; bpm < 140; bpm++) await publish(bpm);
      await waitFor(() => received.some((message) => heartRateOf(message, 'ann') === 139), { what: 'the last value' });
      // 40 messages within well under a second at one push per 500 ms: the first at once, the rest together.
      expect(received.length).toBeLessThanOrEqual(5);
    } finally {
      unsubscribe();
    }
  });

  it("gives an athlete's stream only their own tile, with or without a chart column", () => {
    const { update } = live.snapshot(CLUB);
    const tilesOnly = frameForAthlete({ update, frame: null }, 'ann');
    expect(tilesOnly.frame).toBeNull();
    expect(tilesOnly.update.athletes.map((tile) => tile.id)).toEqual(['ann']);
    const withColumn = frameForAthlete({ update, frame: { ann: 120, bob: 130 } }, 'ann');
    expect(withColumn.frame).toEqual({ ann: 120 });
  });
});
