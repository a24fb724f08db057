import type { MqttClient } from 'mqtt';

/**
 * A gateway's steady load: `messages` telemetry messages (QoS 1), one per second of sample time from
 * `startMs`, each with a heart rate from straps `strap-0`… `strap-{straps-1}`, `pauseMs` apart in real
 * time. `onPublished` hears how many went so far.
 */
export async function publishSteadily(
  gateway: MqttClient,
  load: { club: string; messages: number; straps: number; startMs: number; pauseMs: number; onPublished?: (count: number) => void },
): Promise<void> {
  for (let seq = 0; seq < load.messages; seq++) {
    const samples = Array.from({ length: load.straps }, (_, strap) => ({
      device: `strap-${strap}`,
      timeMs: load.startMs + seq * 1000,
      kind: 'heart_rate',
      values: { heartRateBpm: 60 + (seq % 100) },
    }));
    await gateway.publishAsync(
      `sc/v1/${load.club}/gw/telemetry`,
      JSON.stringify({ v: 1, gateway: 'gw', seq, sentAtMs: Date.now(), samples }),
      {
        qos: 1,
      },
    );
    load.onPublished?.(seq + 1);
    await new Promise((resolve) => setTimeout(resolve, load.pauseMs));
  }
}
