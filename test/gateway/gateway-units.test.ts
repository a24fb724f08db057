import { describe, expect, it } from 'vitest';
import { RoomCoordinator } from '../../gateway/room-coordinator.ts';
import { TelemetryOutbox } from '../../gateway/telemetry-outbox.ts';
import { backoffDelayMs } from '../../protocol/backoff.ts';
import type { TelemetryMessage } from '../../protocol/mqtt/telemetry.ts';

const message = (seq: number): TelemetryMessage => ({
  v: 1,
  gateway: 'gw',
  seq,
  sentAtMs: 0,
  samples: [{ device: 'd', timeMs: 946684800000 + seq, kind: 'battery', values: { batteryPercent: 50 } }],
});

describe('reconnect back-off', () => {
  it('doubles from the initial delay up to the cap, within the jitter', () => {
    const options = { initialMs: 1000, maxMs: 30_000, jitter: 0.3 };
    expect([1, 2, 3, 4, 5, 6, 10].map((failures) => backoffDelayMs(failures, options, () => 0.5))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
    expect(backoffDelayMs(3, options, () => 0)).toBe(2800);
    expect(backoffDelayMs(3, options, () => 1)).toBe(5200);
  });
});

describe('telemetry outbox', () => {
  it('numbers messages in order and hands them out oldest first until acknowledged', () => {
    const outbox = new TelemetryOutbox(':memory:', 100);
    for (let i = 0; i < 3; i++) outbox.append(message);
    expect(outbox.peek(10).map((entry) => entry.seq)).toEqual([0, 1, 2]);
    outbox.acknowledge(0);
    expect(outbox.peek(10).map((entry) => JSON.parse(entry.payload).seq)).toEqual([1, 2]);
  });

  it('drops the oldest when full, and says how many', () => {
    const outbox = new TelemetryOutbox(':memory:', 100);
    for (let i = 0; i < 100; i++) outbox.append(message);
    expect(outbox.append(message)).toEqual({ seq: 100, dropped: 1 });
    expect(outbox.size()).toBe(100);
    expect(outbox.peek(1)[0]!.seq).toBe(1);
  });
});

describe('room coordination between gateways', () => {
  const peer = (devices: { id: string; rssiDbm: number; connected: boolean }[], atMs = 1000) => ({
    v: 1 as const,
    gateway: 'peer',
    atMs,
    devices: devices.map((d) => ({ ...d, lastSeenMs: atMs })),
  });

  it('leaves a device a peer holds, and one a peer hears clearly better', () => {
    const coordinator = new RoomCoordinator({ peerFreshMs: 30_000, rssiMarginDb: 3, now: () => 2000 });
    coordinator.onPeerDevices(
      peer([
        { id: 'held', rssiDbm: -80, connected: true },
        { id: 'near-them', rssiDbm: -50, connected: false },
        { id: 'tie', rssiDbm: -62, connected: false },
      ]),
    );
    expect(coordinator.mayTake('held', -40)).toBe(false);
    expect(coordinator.mayTake('near-them', -70)).toBe(false);
    expect(coordinator.mayTake('tie', -60)).toBe(true); // within the margin: whoever asks first
    expect(coordinator.mayTake('unknown', -90)).toBe(true);
  });

  it('forgets a peer that stopped reporting', () => {
    let now = 2000;
    const coordinator = new RoomCoordinator({ peerFreshMs: 30_000, rssiMarginDb: 3, now: () => now });
    coordinator.onPeerDevices(peer([{ id: 'held', rssiDbm: -80, connected: true }]));
    now += 31_000;
    expect(coordinator.hasPeers()).toBe(false);
    expect(coordinator.mayTake('held', -70)).toBe(true);
  });
});

describe('gateway configuration', () => {
  it('refuses GATEWAY_DEVICES=paired without an API to read the pairings from, naming the variable', async () => {
    const { loadGatewayConfig } = await import('../../gateway/config.ts');
    expect(() => loadGatewayConfig({ GATEWAY_CLUB: 'demo', GATEWAY_ID: 'gw', GATEWAY_DEVICES: 'paired' })).toThrow(
      /GATEWAY_API_URL: GATEWAY_DEVICES=paired needs GATEWAY_API_URL/,
    );
    expect(loadGatewayConfig({ GATEWAY_CLUB: 'demo', GATEWAY_ID: 'gw', GATEWAY_HCI: '0,1' }).GATEWAY_HCI).toEqual([0, 1]);
    expect(() => loadGatewayConfig({ GATEWAY_CLUB: 'Demo Club', GATEWAY_ID: 'gw' })).toThrow(/GATEWAY_CLUB/);
  });
});
