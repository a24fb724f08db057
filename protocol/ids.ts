import { z } from 'zod';

// Club and gateway ids appear as MQTT topic levels, so they exclude '/', '+', '#' and whitespace
// [MQTT-4.7.1]; lower-case keeps topic ACLs and URLs unambiguous.
export const TopicId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,47}$/, 'lower-case letters, digits, "-" or "_" (1-48 characters)');
export type TopicId = z.infer<typeof TopicId>;

export const ClubId = TopicId.describe('club id');
export type ClubId = z.infer<typeof ClubId>;
export const GatewayId = TopicId.describe('gateway id');
export type GatewayId = z.infer<typeof GatewayId>;

// A device id is what the gateway identifies a wearable by: a BLE address ("c4:7c:8d:6a:11:02"),
// noble's peripheral id, or a simulator's name.
export const DeviceId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/, 'letters, digits, ":", ".", "_" or "-" (1-64 characters)');
export type DeviceId = z.infer<typeof DeviceId>;

export const AthleteId = TopicId.describe('athlete (member) id');
export type AthleteId = z.infer<typeof AthleteId>;
