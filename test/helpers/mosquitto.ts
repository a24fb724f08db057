import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { type RunningService, startChildService } from './child-service.ts';
import { freePort } from './free-port.ts';
import { requireSystemProgram } from './system-service.ts';

export const MOSQUITTO = '/usr/sbin/mosquitto';
const MOSQUITTO_PASSWD = '/usr/bin/mosquitto_passwd';
export const hasMosquitto = () => requireSystemProgram(MOSQUITTO, 'apt-get install mosquitto (the tests start their own instance)');

export interface RunningMosquitto extends RunningService {
  url: string;
}

export interface MosquittoOptions {
  /** With users, anonymous clients are refused and each logs in with its password. */
  users?: { username: string; password: string }[];
  /** A password file's content, as `sport-connect mosquitto-config` writes it (instead of users). */
  passwd?: string;
  /** An acl_file's content. */
  acl?: string;
  /** More lines of mosquitto.conf (the bench's tuning, say). */
  extraConfig?: string[];
}

/** A real Mosquitto on a free port, persistence on (sessions and QoS 1 queues survive a restart). */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<RunningMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-mosquitto-'));
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  const access: string[] = [];
  if (options.users) {
    const passwords = join(dir, 'passwd');
    writeFileSync(passwords, '');
    for (const user of options.users) execFileSync(MOSQUITTO_PASSWD, ['-b', passwords, user.username, user.password]);
    access.push('allow_anonymous false', `password_file ${passwords}`);
  }
  if (options.passwd !== undefined) {
    const passwords = join(dir, 'passwd');
    writeFileSync(passwords, options.passwd);
    access.push('allow_anonymous false', `password_file ${passwords}`);
  }
  if (options.acl !== undefined) {
    writeFileSync(join(dir, 'acl'), options.acl);
    access.push(`acl_file ${join(dir, 'acl')}`);
  }
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      ...(access.length ? access : ['allow_anonymous true']),
      // Started as root, mosquitto would switch to its own user and fail to write the persistence file
      // into this private temporary folder: stay the user that runs the tests.
      `user ${userInfo().username}`,
      'persistence true',
      `persistence_location ${dir}/`,
      'autosave_interval 1',
      // A club's backlog while ingest is away: far above the default 1000 per client.
      'max_queued_messages 1000000',
      'log_dest none',
      ...(options.extraConfig ?? []),
    ].join('\n'),
  );
  const url = `mqtt://127.0.0.1:${port}`;
  // SIGTERM on stop: mosquitto writes its persistence file on the way out.
  const service = await startChildService({
    name: 'mosquitto',
    command: MOSQUITTO,
    args: ['-c', config],
    dir,
    readyTimeoutMs: 15_000,
    isReady: async () => {
      // Any answer will do (a refused login too): the broker is up once it speaks MQTT.
      const client = await mqtt
        .connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500 })
        .catch((error: { code?: number }) => (typeof error.code === 'number' ? 'refused' : null));
      if (client && client !== 'refused') await client.endAsync();
      return client !== null;
    },
  });
  return { url, ...service };
}
