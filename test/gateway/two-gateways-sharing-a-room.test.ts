import { describe, expect, it } from 'vitest';
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
  useEmbeddedBroker,
} from '../helpers/emulated-gateway.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('two gateways sharing a room', () => {
  const brokerUrl = useEmbeddedBroker();

  it('hold each strap exactly once, the nearer gateway wins, and a fading link is handed over', async () => {
    const url = brokerUrl();
    const room = new EmulatedRoom();
    const lesson = new VirtualClassInRoom(room, {
      athletes: 4,
      seed: 8,
      startMs: Date.now(),
      imperfections: { contactLossPerHour: 0, dropoutPerHour: 0 },
    });
    // Gateway "near" hears every strap at -50 dBm, "far" at -80 dBm.
    for (const strap of lesson.straps) {
      strap.rssiByAdapter.set('near0', -50);
      strap.rssiByAdapter.set('far0', -80);
    }
    const near = createEmulatedAdapter(room, { adapter: 'near0' });
    const far = createEmulatedAdapter(room, { adapter: 'far0' });
    const dirs = [temporaryDir('sc-gw-near-'), temporaryDir('sc-gw-far-')];
    const ingest = await startCountingIngest(url);
    // The far gateway starts first and waits a moment, as a real one might; it must still leave the straps to the near one.
    const farGateway = new GatewayService(
      gatewayConfig({ MQTT_URL: url, GATEWAY_ID: 'far', GATEWAY_DATA_DIR: dirs[1]!.path }),
      [far],
      testLogger,
    );
    const nearGateway = new GatewayService(
      gatewayConfig({ MQTT_URL: url, GATEWAY_ID: 'near', GATEWAY_DATA_DIR: dirs[0]!.path }),
      [near],
      testLogger,
    );
    await nearGateway.start();
    await waitFor(() => connectedCount(nearGateway) === 4, { what: 'near gateway holds the straps' });
    await farGateway.start();
    lesson.start(250);
    try {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(connectedCount(nearGateway)).toBe(4);
      expect(connectedCount(farGateway)).toBe(0);

      // One strap's wearer moves to the far end: the near link fades, the far gateway takes over.
      const mover = lesson.straps[0]!;
      mover.rssiByAdapter.set('near0', -97);
      mover.rssiByAdapter.set('far0', -55);
      await waitFor(() => far.binding.connectedIds.includes(mover.id), { what: 'hand-over to the far gateway', timeoutMs: 20_000 });
      expect(near.binding.connectedIds).not.toContain(mover.id);
      await waitFor(() => (far.binding.delivered.get(mover.id) ?? 0) > 3, { what: 'notifications through the far gateway' });

      lesson.stop();
      await new Promise((resolve) => setTimeout(resolve, 300));
      nearGateway.flushBatch();
      farGateway.flushBatch();
      const delivered = deliveredCount([near, far]);
      await waitFor(async () => (await ingest.stores.timeSeries.countPoints({ club: 'demo', kind: 'heart_rate' })) === delivered, {
        what: 'every notification stored once',
      });
      // Never held twice: what both adapters delivered adds up to what was stored, no more.
      expect(await ingest.stores.timeSeries.countPoints({ club: 'demo', kind: 'heart_rate', device: mover.id })).toBe(
        deliveredCount([near, far], mover.id),
      );
    } finally {
      lesson.stop();
      await nearGateway.stop();
      await farGateway.stop();
      await ingest.stop();
      for (const dir of dirs) dir.remove();
    }
  });
});
