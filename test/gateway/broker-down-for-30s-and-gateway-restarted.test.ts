import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatedRoom } from '../../simulators/emulated-ble/emulated-room.ts';
import { VirtualClassInRoom } from '../../simulators/emulated-ble/virtual-strap.ts';
import {
  connectedCount,
  createEmulatedAdapter,
  deliveredCount,
  GatewayService,
  gatewayConfig,
  startCountingIngest,
  temporaryDir,
} from '../helpers/emulated-gateway.ts';
import { hasMosquitto, type RunningMosquitto, startMosquitto } from '../helpers/mosquitto.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

// On Mosquitto (Debian, persistence on): ingest's session survives the broker's restart, so what the
// gateway replays afterwards has a subscriber. This is also the "Mosquitto instead of aedes" scenario.
describe.skipIf(!hasMosquitto())('the broker down for 30 s, and the gateway restarted during the outage (Mosquitto)', () => {
  let mosquitto: RunningMosquitto;
  beforeAll(async () => {
    mosquitto = await startMosquitto();
  });
  afterAll(async () => void (await mosquitto?.dispose()));

  it('delivers every sample exactly once, in sequence, with its original timestamp', async () => {
    const room = new EmulatedRoom();
    const lesson = new VirtualClassInRoom(room, {
      athletes: 5,
      seed: 12,
      startMs: Date.now(),
      imperfections: { contactLossPerHour: 0, dropoutPerHour: 0 },
    });
    const dir = temporaryDir('sc-gw-outage-');
    const ingest = await startCountingIngest(mosquitto.url);
    const config = gatewayConfig({ MQTT_URL: mosquitto.url, GATEWAY_DATA_DIR: dir.path });
    const adapter = createEmulatedAdapter(room, { adapter: 'hci0' });
    let gateway = new GatewayService(config, [adapter], testLogger);
    await gateway.start();
    lesson.start(250);
    const times: number[] = [];
    try {
      await waitFor(() => connectedCount(gateway) === 5, { what: 'straps connected' });
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await mosquitto.stop();
      const outageStartedMs = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 12_000));

      // The gateway restarts in the middle of the outage; its outbox is on disk.
      const queuedAtRestart = gateway.outbox.size();
      expect(queuedAtRestart).toBeGreaterThan(10);
      await gateway.stop();
      const secondAdapter = createEmulatedAdapter(room, { adapter: 'hci0' });
      gateway = new GatewayService(config, [secondAdapter], testLogger);
      await gateway.start();
      expect(gateway.outbox.size()).toBeGreaterThanOrEqual(queuedAtRestart);
      await waitFor(() => connectedCount(gateway) === 5, { what: 'straps reconnected after the restart' });

      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 30_000 - (Date.now() - outageStartedMs))));
      await mosquitto.start();
      await waitFor(() => gateway.uplink.connected, { what: 'gateway back on the broker', timeoutMs: 15_000 });
      lesson.stop();
      await new Promise((resolve) => setTimeout(resolve, 300));
      gateway.flushBatch();

      const delivered = deliveredCount([adapter, secondAdapter]);
      await waitFor(async () => (await ingest.stores.timeSeries.countPoints({ club: 'demo', kind: 'heart_rate' })) === delivered, {
        what: 'every sample stored',
        timeoutMs: 30_000,
      });
      await waitFor(() => gateway.outbox.size() === 0, { what: 'outbox empty' });
      // Sequence numbers went on across the restart: no gap, and nothing arrived twice.
      expect((await ingest.ingest.metrics.sequenceGaps.get()).values[0]?.value ?? 0).toBe(0);
      expect((await ingest.ingest.metrics.sequenceRepeats.get()).values[0]?.value ?? 0).toBe(0);
      // Samples kept the time the gateway stamped them, during the outage too.
      const rows = ingest.stores.db.prepare("SELECT time_ms FROM samples WHERE kind = 'heart_rate' ORDER BY time_ms").all() as {
        time_ms: number;
      }[];
      times.push(...rows.map((row) => row.time_ms));
      expect(times.some((t) => t > outageStartedMs + 1000 && t < outageStartedMs + 25_000)).toBe(true);
    } finally {
      lesson.stop();
      await gateway.stop();
      await ingest.stop();
      dir.remove();
    }
  }, 90_000);
});
