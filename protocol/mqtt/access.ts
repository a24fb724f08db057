import type { ClubId, GatewayId } from '../ids.ts';
import { parseTopic, TOPIC_ROOT } from './topics.ts';

// Who may do what on the broker: the one set of rules the embedded broker enforces and the Mosquitto
// ACL generator writes out (DESIGN "Tenants are isolated").

export type MqttService = 'ingest' | 'api';

export type MqttIdentity =
  | { kind: 'gateway'; username: string; club: ClubId; gateway: GatewayId }
  | { kind: 'service'; username: string; service: MqttService };

/** The broker URL with these credentials in it (mqtt://user:password@host:port), as every client takes them. */
export function brokerUrlWith(url: string, credentials: { username: string; password: string }): string {
  const withCredentials = new URL(url);
  withCredentials.username = encodeURIComponent(credentials.username);
  withCredentials.password = encodeURIComponent(credentials.password);
  return withCredentials.toString();
}

/** A gateway logs in as "{club}.{gateway}": ids never contain a dot, so the name says both. */
export function gatewayUsername(club: ClubId, gateway: GatewayId): string {
  return `${club}.${gateway}`;
}

/** Services log in as sc-ingest and sc-api (or a name starting so, one per process); client ids start with it. */
export function serviceUsername(service: MqttService): string {
  return `sc-${service}`;
}

export function isServiceUsername(service: MqttService, username: string): boolean {
  const base = serviceUsername(service);
  return username === base || (/^[a-z0-9_-]{1,48}$/.test(username.slice(base.length + 1)) && username.startsWith(`${base}-`));
}

/**
 * A client id belongs to its credentials: a gateway's is its user name (one connection per gateway, so
 * nobody else can take over its session); a service's is its user name or starts with it and a dash.
 */
export function clientIdBelongsTo(identity: MqttIdentity, clientId: string): boolean {
  if (identity.kind === 'gateway') return clientId === identity.username;
  return clientId === identity.username || clientId.startsWith(`${identity.username}-`);
}

/** A gateway publishes only under its own club and id: telemetry, and its retained status and devices. */
export function mayPublish(identity: MqttIdentity, topic: string): boolean {
  if (identity.kind !== 'gateway') return false;
  const where = parseTopic(topic);
  return where !== null && where.club === identity.club && where.gateway === identity.gateway;
}

/** The filters each kind of client may subscribe to, exactly (no wider wildcard is granted). */
export function allowedFilters(identity: MqttIdentity): string[] {
  if (identity.kind === 'gateway') return [`${TOPIC_ROOT}/${identity.club}/+/devices`];
  const channels = identity.service === 'ingest' ? ['telemetry', 'devices'] : ['telemetry', 'devices', 'status'];
  return channels.map((channel) => `${TOPIC_ROOT}/+/+/${channel}`);
}

/**
 * A subscription is allowed when the filter is one of the allowed ones or a narrower form of one (a
 * gateway reading one peer's devices topic); a shared subscription ($share/{group}/…) is judged by its filter.
 */
export function maySubscribe(identity: MqttIdentity, filter: string): boolean {
  const plain = filter.startsWith('$share/') ? filter.split('/').slice(2).join('/') : filter;
  return allowedFilters(identity).some((allowed) => isWithin(plain, allowed));
}

/** Whether every topic the filter matches is also matched by `allowed` (levels compared one by one). */
function isWithin(filter: string, allowed: string): boolean {
  const wanted = filter.split('/');
  const granted = allowed.split('/');
  if (wanted.length !== granted.length) return false;
  return wanted.every((level, index) => {
    const grant = granted[index]!;
    if (level === '#') return false;
    if (grant === '+') return true;
    return level === grant;
  });
}
