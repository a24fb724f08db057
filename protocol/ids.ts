import { z } from 'zod';

// Club and gateway ids appear as MQTT topic levels, so they exclude '/', '+', '#' and whitespace
// [MQTT-4.7.1]; lower-case keeps topic ACLs and URLs unambiguous.
export const TOPIC_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,47}$/;
export const TopicId = z.string().regex(TOPIC_ID_PATTERN, 'lower-case letters, digits, "-" or "_" (1-48 characters)');
export type TopicId = z.infer<typeof TopicId>;

export const ClubId = TopicId.describe('club id');
export type ClubId = z.infer<typeof ClubId>;
export const GatewayId = TopicId.describe('gateway id');
export type GatewayId = z.infer<typeof GatewayId>;

// A device id is what the gateway identifies a wearable by: a BLE address ("c4:7c:8d:6a:11:02"),
// noble's peripheral id, or a simulator's name.
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/;
export const DeviceId = z.string().regex(DEVICE_ID_PATTERN, 'letters, digits, ":", ".", "_" or "-" (1-64 characters)');
export type DeviceId = z.infer<typeof DeviceId>;

export const AthleteId = TopicId.describe('athlete (member) id');
export type AthleteId = z.infer<typeof AthleteId>;
