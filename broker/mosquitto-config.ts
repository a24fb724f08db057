import { allowedFilters, type MqttIdentity } from '../protocol/mqtt/access.ts';
import { buildTopic, CHANNELS } from '../protocol/mqtt/topics.ts';

/**
 * Mosquitto's password file and ACL for the registry's live MQTT accounts: the same rules the embedded
 * broker enforces (protocol/mqtt/access.ts), written out. Revoked accounts are left out, so a revoked
 * gateway cannot log in once Mosquitto reloads the files (SIGHUP).
 */
export function mosquittoFiles(accounts: readonly { identity: MqttIdentity; mosquittoHash: string }[]): { passwd: string; acl: string } {
  const passwd = accounts.map(({ identity, mosquittoHash }) => `${identity.username}:${mosquittoHash}`);
  const acl = ['# Written by `sport-connect mosquitto-config` from the registry; regenerate it rather than edit it.', ''];
  for (const { identity } of accounts) {
    acl.push(`user ${identity.username}`);
    if (identity.kind === 'gateway') {
      // A gateway publishes only under its own club and id, and reads its club's devices lists (coordination).
      for (const channel of CHANNELS) acl.push(`topic write ${buildTopic(identity.club, identity.gateway, channel)}`);
    }
    for (const filter of allowedFilters(identity)) acl.push(`topic read ${filter}`);
    // The health check of docker-compose reads the broker's uptime as the api service.
    if (identity.kind === 'service') acl.push('topic read $SYS/broker/uptime');
    acl.push('');
  }
  return { passwd: `${passwd.join('\n')}\n`, acl: `${acl.join('\n')}\n` };
}
