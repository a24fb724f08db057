import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { BleCentral } from '../../gateway/ble-central.ts';
import { encodeHeartRateMeasurement } from '../../protocol/gatt/heart-rate.ts';
import { GATT } from '../../protocol/gatt/uuids.ts';
import { DevicesMessage } from '../../protocol/mqtt/gateway-state.ts';
import { mqttLimits } from '../../protocol/mqtt/limits.ts';
import { buildDevicesTopic } from '../../protocol/mqtt/topics.ts';
import { EmulatedRoom } from '../../simulators/emulated-ble/emulated-room.ts';
import { VirtualPeripheral } from '../../simulators/emulated-ble/virtual-peripheral.ts';
import { VirtualClassInRoom } from '../../simulators/emulated-ble/virtual-strap.ts';
import { connectedCount, createEmulatedAdapter, startScenario, useEmbeddedBroker } from '../helpers/emulated-gateway.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** Wristbands of passers-by that broadcast their heart rate: heard, never connected to. */
function addBroadcasters(room: EmulatedRoom, count: number): string[] {
  const ids = Array.from({ length: count }, (_, i) => `band-${String(i).padStart(3, '0')}`);
  for (const id of ids) {
    room.add(
      new VirtualPeripheral({
        id,
        address: id,
        localName: 'Band',
        services: [],
        advertisedServices: [],
        connectable: false,
        serviceData: () => [
          { uuid: GATT.heartRateService, data: Buffer.from(encodeHeartRateMeasurement({ heartRateBpm: 90, sensorContact: 'detected' })) },
        ],
      }),
    );
  }
  return ids;
}

describe('a crowd of wearables passing by the gateway', () => {
  const brokerUrl = useEmbeddedBroker();

  it('publishes a devices list within the contract (the held strap first), which peers accept', async () => {
    const scenario = await startScenario({ brokerUrl: brokerUrl(), straps: 1 });
    addBroadcasters(scenario.room, 300);
    const peer = await mqtt.connectAsync(brokerUrl());
    const lists: unknown[] = [];
    peer.on('message', (_topic, payload) => lists.push(JSON.parse(payload.toString())));
    await peer.subscribeAsync(buildDevicesTopic(scenario.config.GATEWAY_CLUB, scenario.config.GATEWAY_ID));
    try {
      await waitFor(() => connectedCount(scenario.gateway) === 1, { what: 'the strap connected' });
      await waitFor(() => scenario.gateway.centrals[0]!.trackedDevices === 301, { what: 'the crowd heard' });
      const before = lists.length;
      const list = await waitFor(() => lists.slice(before).at(-1), { what: 'a devices list with the crowd', timeoutMs: 5000 });
      const parsed = DevicesMessage.safeParse(list);
      expect(parsed.success).toBe(true);
      expect(parsed.data!.devices).toHaveLength(mqttLimits.maxDevicesPerGateway);
      expect(parsed.data!.devices[0]).toMatchObject({ id: scenario.lesson.straps[0]!.id, connected: true });
    } finally {
      await peer.endAsync();
      await scenario.stop();
    }
  });

  it('forgets devices it has not heard for a while, but never one it holds', async () => {
    const room = new EmulatedRoom();
    const ids = addBroadcasters(room, 300);
    const lesson = new VirtualClassInRoom(room, {
      athletes: 1,
      seed: 1,
      startMs: Date.now(),
      imperfections: { contactLossPerHour: 0, dropoutPerHour: 0 },
    });
    const strap = lesson.straps[0]!.id;
    const { noble } = createEmulatedAdapter(room, { adapter: 'hci0' });
    const central = new BleCentral({
      noble,
      adapter: 'hci0',
      maxConnections: 5,
      shouldConnect: ({ id }) => id === strap,
      forgetAfterMs: 1000,
      logger: testLogger,
    });
    central.start();
    lesson.start(250);
    try {
      await waitFor(() => central.trackedDevices === 301 && central.isHolding(strap), { what: 'the crowd heard and the strap held' });
      for (const id of ids.slice(0, 250)) room.walkOut(id);
      // The held strap stops advertising while linked: it is unheard too, but held.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(
        central
          .seenDevices()
          .map((device) => device.id)
          .sort(),
      ).toEqual([...ids.slice(250), strap].sort());
      expect(central.trackedDevices).toBe(51);
    } finally {
      lesson.stop();
      await central.stop();
    }
  });

  it('stays within its bound in a crowd bigger than it, and still takes a member’s strap that arrives last', async () => {
    const room = new EmulatedRoom();
    addBroadcasters(room, 80);
    const lesson = new VirtualClassInRoom(room, {
      athletes: 1,
      seed: 2,
      startMs: Date.now(),
      imperfections: { contactLossPerHour: 0, dropoutPerHour: 0 },
    });
    const strap = lesson.straps[0]!.id;
    room.walkOut(strap);
    const { noble } = createEmulatedAdapter(room, { adapter: 'hci0' });
    const central = new BleCentral({
      noble,
      adapter: 'hci0',
      maxConnections: 5,
      maxTrackedDevices: 50,
      shouldConnect: ({ id }) => id === strap,
      logger: testLogger,
    });
    central.start();
    lesson.start(250);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(central.trackedDevices).toBe(50);
      room.walkIn(strap);
      await waitFor(() => central.isHolding(strap), { what: 'the member’s strap held despite the crowd' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(central.trackedDevices).toBeLessThanOrEqual(50);
      expect(central.isHolding(strap)).toBe(true);
    } finally {
      lesson.stop();
      await central.stop();
    }
  });
});
