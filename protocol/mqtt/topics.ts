import { ClubId, GatewayId } from '../ids.ts';

// sc/v1/{club}/{gateway}/{channel} — see DESIGN.md "Topics and payloads (v1)".
export const TOPIC_ROOT = 'sc/v1';
export const CHANNELS = ['telemetry', 'status', 'devices'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface GatewayTopic {
  club: ClubId;
  gateway: GatewayId;
  channel: Channel;
}

export function buildTopic(club: ClubId, gateway: GatewayId, channel: Channel): string {
  return `${TOPIC_ROOT}/${club}/${gateway}/${channel}`;
}

export const buildTelemetryTopic = (club: ClubId, gateway: GatewayId) => buildTopic(club, gateway, 'telemetry');
export const buildStatusTopic = (club: ClubId, gateway: GatewayId) => buildTopic(club, gateway, 'status');
export const buildDevicesTopic = (club: ClubId, gateway: GatewayId) => buildTopic(club, gateway, 'devices');

/** Subscription filter for one channel of every gateway of one club, or of all clubs. */
export function buildChannelFilter(channel: Channel, club?: ClubId): string {
  return `${TOPIC_ROOT}/${club ?? '+'}/+/${channel}`;
}

/** Parses a topic of the v1 tree; null for anything else (including ids that break the id rules). */
export function parseTopic(topic: string): GatewayTopic | null {
  const levels = topic.split('/');
  if (levels.length !== 5 || `${levels[0]}/${levels[1]}` !== TOPIC_ROOT) return null;
  const [, , club, gateway, channel] = levels;
  if (!ClubId.safeParse(club).success || !GatewayId.safeParse(gateway).success) return null;
  if (!(CHANNELS as readonly string[]).includes(channel!)) return null;
  return { club: club!, gateway: gateway!, channel: channel as Channel };
}
