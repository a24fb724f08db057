import { z } from 'zod';
import { DeviceId, GatewayId } from '../ids.ts';
import { mqttLimits } from './limits.ts';

/** Retained on sc/v1/{club}/{gateway}/status; the broker publishes the "offline" Last Will. */
export const GatewayStatus = z
  .object({
    v: z.literal(1),
    gateway: GatewayId,
    state: z.enum(['online', 'offline']),
    atMs: z.number().int().min(0),
    software: z.string().max(64).optional(),
  })
  .strict();
export type GatewayStatus = z.infer<typeof GatewayStatus>;

/** The status payload a gateway publishes (retained) and leaves as its Last Will. */
export function buildStatusPayload(gateway: string, state: GatewayStatus['state'], software: string): string {
  return JSON.stringify({ v: 1, gateway, state, atMs: Date.now(), software } satisfies GatewayStatus);
}

export const SeenDevice = z
  .object({
    id: DeviceId,
    name: z.string().max(64).optional(),
    rssiDbm: z.number().int().min(-127).max(20).optional(),
    batteryPercent: z.number().int().min(0).max(100).optional(),
    connected: z.boolean(),
    lastSeenMs: z.number().int().min(0),
  })
  .strict();
export type SeenDevice = z.infer<typeof SeenDevice>;

/** Retained on sc/v1/{club}/{gateway}/devices: what one gateway sees and holds. */
export const DevicesMessage = z
  .object({
    v: z.literal(1),
    gateway: GatewayId,
    atMs: z.number().int().min(0),
    devices: z.array(SeenDevice).max(mqttLimits.maxDevicesPerGateway),
  })
  .strict();
export type DevicesMessage = z.infer<typeof DevicesMessage>;

/**
 * A devices message as it arrives, or null: too large, not JSON (an empty retained message clears the
 * topic), or out of contract. Every reader of the devices topics goes through it.
 */
export function parseDevicesMessage(payload: Uint8Array): DevicesMessage | null {
  if (payload.byteLength > mqttLimits.maxPayloadBytes) return null;
  try {
    const parsed = DevicesMessage.safeParse(JSON.parse(Buffer.from(payload).toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
