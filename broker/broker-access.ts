import type { Aedes, AuthenticateError, Client } from 'aedes';
import type { Logger } from 'pino';
import { clientIdBelongsTo, type MqttIdentity, mayPublish, maySubscribe } from '../protocol/mqtt/access.ts';
import type { MqttAccounts } from '../store/mqtt-accounts.ts';

export interface BrokerAccessOptions {
  accounts: MqttAccounts;
  logger: Logger;
  /** How often revocations are looked for (the CLI may revoke from another process), ms. */
  revocationCheckMs?: number;
  /** Subscriptions one client may hold; a client asking for more is refused the rest. */
  maxSubscriptionsPerClient?: number;
}

/** What the access rules refused, for /metrics and tests. */
export interface AccessStats {
  refusedConnections: number;
  refusedPublishes: number;
  refusedSubscriptions: number;
  revokedDisconnects: number;
}

// CONNACK return codes of MQTT 3.1.1 [MQTT-3.2.2.3].
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/**
 * The embedded broker's doorman: every client authenticates with an account (anonymous ones are refused),
 * its client id must belong to that account, a gateway publishes only under its own club and id and
 * reads only its club's devices lists, services read what they need and publish nothing. A revoked
 * gateway is disconnected within a few seconds and cannot connect again.
 */
export function enforceBrokerAccess(aedes: Aedes, options: BrokerAccessOptions): { stats: AccessStats; stop(): void } {
  const log = options.logger.child({ module: 'broker-access' });
  const identities = new WeakMap<Client, { identity: MqttIdentity; connectedMs: number }>();
  const stats: AccessStats = { refusedConnections: 0, refusedPublishes: 0, refusedSubscriptions: 0, revokedDisconnects: 0 };
  const maxSubscriptions = options.maxSubscriptionsPerClient ?? 100;

  aedes.authenticate = (client, username, password, callback) => {
    let identity: MqttIdentity | null;
    try {
      identity = username && password ? options.accounts.authenticate(username, password.toString('utf8')) : null;
    } catch (error) {
      // The registry did not answer (its PostgreSQL away): the client is told to come back, not that it is unknown.
      log.warn({ err: error }, 'accounts unreadable');
      return refuseConnection(client, SERVER_UNAVAILABLE, 'the registry is unreachable', callback);
    }
    if (!identity) return refuseConnection(client, BAD_USERNAME_OR_PASSWORD, 'unknown user name or password', callback);
    if (!clientIdBelongsTo(identity, client.id))
      return refuseConnection(client, NOT_AUTHORIZED, `client id does not belong to ${identity.username}`, callback);
    // A Last Will is published later, by the broker itself (even after a restart, from Redis): check it now.
    const will = (client as Client & { _will?: { topic: string } })._will;
    if (will && !mayPublish(identity, will.topic)) {
      return refuseConnection(client, NOT_AUTHORIZED, 'last will on a topic this client may not publish', callback);
    }
    identities.set(client, { identity, connectedMs: Date.now() });
    callback(null, true);
  };

  aedes.authorizePublish = (client, packet, callback) => {
    const identity = client ? identities.get(client)?.identity : undefined;
    // Without a client the broker itself publishes ($SYS, and wills, each checked when its client connected).
    if (!client || (identity && mayPublish(identity, packet.topic))) return callback(null);
    stats.refusedPublishes++;
    log.warn({ clientId: client.id, topic: packet.topic.slice(0, 200) }, 'publish refused: not this client’s topic');
    callback(new Error('not authorized to publish on this topic'));
  };

  aedes.authorizeSubscribe = (client, subscription, callback) => {
    const identity = identities.get(client)?.identity;
    // aedes keeps a client's subscriptions on the client (not in its types).
    const held = Object.keys((client as Client & { subscriptions?: object }).subscriptions ?? {}).length;
    if (identity && maySubscribe(identity, subscription.topic) && held < maxSubscriptions) return callback(null, subscription);
    stats.refusedSubscriptions++;
    log.warn({ clientId: client.id, filter: subscription.topic.slice(0, 200) }, 'subscription refused');
    callback(null, null); // SUBACK 0x80 for this filter; the connection stays
  };

  let lastCheckMs = Date.now();
  const revocations = setInterval(() => {
    const sinceMs = lastCheckMs;
    let changed: Map<string, number>;
    try {
      changed = new Map(options.accounts.changedSince(sinceMs - 1000).map((account) => [account.username, account.changedMs]));
    } catch (error) {
      // Checked again on the next round, from the same time on: a revocation made meanwhile is not missed.
      log.warn({ err: error }, 'revocations not checked: the registry is unreachable');
      return;
    }
    lastCheckMs = Date.now();
    if (changed.size === 0) return;
    const connected = (aedes as Aedes & { clients: Record<string, Client> }).clients;
    for (const client of Object.values(connected)) {
      const held = identities.get(client);
      const changedMs = held ? changed.get(held.identity.username) : undefined;
      if (!held || changedMs === undefined || held.connectedMs >= changedMs) continue;
      stats.revokedDisconnects++;
      log.warn({ clientId: client.id, username: held.identity.username }, 'credentials revoked or replaced: disconnecting');
      client.close();
    }
  }, options.revocationCheckMs ?? 2000);
  revocations.unref();

  function refuseConnection(
    client: Client,
    returnCode: number,
    reason: string,
    callback: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    stats.refusedConnections++;
    log.warn(
      { clientId: client.id, address: client.conn && 'remoteAddress' in client.conn ? client.conn.remoteAddress : undefined, reason },
      'connection refused',
    );
    const error = Object.assign(new Error(reason), { returnCode }) as AuthenticateError;
    callback(error, false);
  }

  return { stats, stop: () => clearInterval(revocations) };
}
