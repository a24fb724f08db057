import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AcknowledgementHold } from '../../ingest/acknowledgement-hold.ts';
import { TelemetryWatch } from '../../ingest/telemetry-watch.ts';

describe('holding an acknowledgement while the ingest queue is full', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  function setUp() {
    const calls: string[] = [];
    const client = { sendPing: () => calls.push('ping'), reschedulePing: () => calls.push('alive') };
    let room = false;
    const hold = new AcknowledgementHold(client, () => room, { keepaliveS: 10, recheckMs: 1000 });
    return { hold, calls, setRoom: (value: boolean) => (room = value) };
  }

  it('pings the broker every half keep-alive and tells MQTT.js the link lives, until there is room', async () => {
    const { hold, calls, setRoom } = setUp();
    const resumed = vi.fn();
    hold.hold(resumed);
    // At once: a PINGRESP held up behind this message must not make MQTT.js give up on the link.
    expect(calls).toEqual(['alive']);
    await vi.advanceTimersByTimeAsync(60_000);
    // Twelve half keep-alives in a minute: no 1.5 × keep-alive without traffic, on either side.
    expect(calls.filter((call) => call === 'ping')).toHaveLength(12);
    expect(calls.filter((call) => call === 'alive')).toHaveLength(13);
    expect(resumed).not.toHaveBeenCalled();
    setRoom(true);
    hold.resumeIfRoom();
    hold.resumeIfRoom();
    expect(resumed).toHaveBeenCalledTimes(1);
    expect(hold.holding).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('finds room by itself when nobody says so', async () => {
    const { hold, setRoom } = setUp();
    const resumed = vi.fn();
    hold.hold(resumed);
    setRoom(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(resumed).toHaveBeenCalledTimes(1);
  });

  it('leaves nothing running once released (stopping, or the connection that delivered it closed)', async () => {
    const { hold, calls, setRoom } = setUp();
    const resumed = vi.fn();
    hold.hold(resumed);
    hold.release();
    expect(vi.getTimerCount()).toBe(0);
    setRoom(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(resumed).not.toHaveBeenCalled();
    expect(calls).toEqual(['alive']); // only the one at the start of the hold
  });
});

describe('noticing that telemetry stopped', () => {
  it('reports a stall only when connected for the window, a gateway held wearables within it, and no telemetry came', () => {
    const watch = new TelemetryWatch(60_000);
    watch.onConnected(0);
    watch.onGatewayDevices(true, 50_000);
    expect(watch.isStalled(59_000)).toBe(false); // not connected for a whole window yet
    expect(watch.isStalled(61_000)).toBe(true);
    watch.onTelemetry(62_000);
    expect(watch.isStalled(100_000)).toBe(false);
    expect(watch.secondsSinceTelemetry(100_000)).toBe(38);
    watch.onGatewayDevices(false, 110_000);
    expect(watch.isStalled(200_000)).toBe(false); // no gateway held anything lately: silence is expected
    watch.onGatewayDevices(true, 190_000);
    expect(watch.isStalled(200_000)).toBe(true);
    watch.onDisconnected();
    expect(watch.isStalled(200_000)).toBe(false); // disconnected is its own state, not a stall
  });
});
