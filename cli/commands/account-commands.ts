import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { mosquittoFiles } from '../../broker/mosquitto-config.ts';
import { Email, NewPassword } from '../../protocol/api.ts';
import { LogLevel, parseEnv } from '../../protocol/env.ts';
import { AthleteId, ClubId, GatewayId } from '../../protocol/ids.ts';
import { ClubRole } from '../../protocol/roles.ts';
import { hashPassword } from '../../store/secrets.ts';
import { RegistryConfigShape } from '../../store/store-config.ts';
import type { Command } from '../command.ts';
import { createLogger } from '../logger.ts';
import { openStores, type Stores } from '../open-stores.ts';
import { UsageError } from './decode-command.ts';

// The registry's people, clubs and MQTT accounts from the command line: for the first admin and for
// automation. Each writes the registry the server uses (the same SQLite file, WAL letting both at once, or
// the PostgreSQL of DATABASE_URL), while it runs.

const RegistryConfig = z.object({
  DATA_DIR: z.string().min(1).default('./data'),
  ...RegistryConfigShape,
  LOG_LEVEL: LogLevel.default('warn'),
});

export async function withStores<T>(env: Record<string, string | undefined>, work: (stores: Stores) => Promise<T> | T): Promise<T> {
  const config = parseEnv(RegistryConfig, env);
  const stores = await openStores(
    config.DATA_DIR,
    { STORE: 'sqlite', INFLUX_WRITE_API: 'auto', DATABASE_URL: config.DATABASE_URL },
    createLogger(config.LOG_LEVEL),
  );
  try {
    return await work(stores);
  } finally {
    await stores.close();
  }
}

function subcommandOf(positionals: string[], allowed: readonly string[], usage: string): string {
  const [subcommand] = positionals;
  if (!subcommand || !allowed.includes(subcommand)) throw new UsageError(`say what to do: ${usage}`);
  return subcommand;
}

const print = (value: unknown) => console.log(JSON.stringify(value));

export const clubCommand: Command = {
  name: 'club',
  summary: 'club add <club> --name "<display name>": registers a club',
  flags: {
    name: { env: 'SC_CLUB_NAME', description: 'the club’s display name' },
    'data-dir': { env: 'DATA_DIR', description: 'where the registry (SQLite) lives, unless DATABASE_URL names a PostgreSQL' },
  },
  positionals: 'add <club>',
  env: ['DATA_DIR', 'DATABASE_URL'],
  async run(env, positionals = []) {
    subcommandOf(positionals, ['add'], 'sport-connect club add <club> --name "<display name>"');
    const { club, name } = parseEnv(z.object({ club: ClubId, name: z.string().trim().min(1).max(80) }), {
      club: positionals[1],
      name: env.SC_CLUB_NAME,
    });
    await withStores(env, ({ registry }) => registry.upsertClub(club, name));
    print({ club, name });
    return 0;
  },
};

const UserAdd = z.object({
  club: ClubId,
  role: ClubRole,
  email: Email,
  name: z.string().trim().min(1).max(80).optional(),
  athlete: AthleteId.optional(),
  platformAdmin: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
});

export const userCommand: Command = {
  name: 'user',
  summary:
    'user add --club <club> --role admin|coach|athlete|partner --email <email> (password from SC_PASSWORD or stdin); user remove --email <email>',
  flags: {
    club: { env: 'SC_USER_CLUB', description: 'the club the role is in' },
    role: { env: 'SC_USER_ROLE', description: 'admin, coach, athlete or partner' },
    email: { env: 'SC_USER_EMAIL', description: 'the person’s email, their login' },
    name: { env: 'SC_USER_NAME', description: 'display name (default: the email)' },
    athlete: { env: 'SC_USER_ATHLETE', description: 'for an athlete: the member id they are' },
    'platform-admin': { env: 'SC_USER_PLATFORM_ADMIN', description: 'also an admin of the whole platform', boolean: true },
    'data-dir': { env: 'DATA_DIR', description: 'where the registry (SQLite) lives, unless DATABASE_URL names a PostgreSQL' },
  },
  positionals: 'add|remove',
  env: ['SC_PASSWORD', 'DATA_DIR', 'DATABASE_URL'],
  async run(env, positionals = []) {
    const subcommand = subcommandOf(
      positionals,
      ['add', 'remove'],
      'sport-connect user add --club <club> --role <role> --email <email>, or user remove --email <email>',
    );
    if (subcommand === 'remove') {
      const email = parseEnv(z.object({ SC_USER_EMAIL: Email }), env).SC_USER_EMAIL;
      const removed = await withStores(env, ({ accounts }) => accounts.removeUser(email));
      if (!removed) throw new UsageError(`no user with email ${email}`);
      print({ removed: email });
      return 0;
    }
    const user = parseEnv(UserAdd, {
      club: env.SC_USER_CLUB,
      role: env.SC_USER_ROLE,
      email: env.SC_USER_EMAIL,
      name: env.SC_USER_NAME,
      athlete: env.SC_USER_ATHLETE,
      platformAdmin: env.SC_USER_PLATFORM_ADMIN,
    });
    if ((user.role === 'athlete') !== (user.athlete !== undefined))
      throw new UsageError('--athlete names the member record of an athlete, and only of an athlete');
    // Never from a flag: a flag is in the shell history and in every process listing.
    const password = parseEnv(z.object({ password: NewPassword }), { password: env.SC_PASSWORD ?? readStdinLine() }).password;
    const passwordHash = await hashPassword(password);
    const saved = await withStores(env, ({ registry, accounts }) => {
      if (!registry.hasClub(user.club))
        throw new UsageError(`no club "${user.club}": add it first with sport-connect club add ${user.club} --name "…"`);
      if (user.athlete && !registry.hasMember(user.club, user.athlete))
        throw new UsageError(`no member "${user.athlete}" in club "${user.club}"`);
      const existing = accounts.findByEmail(user.email);
      const account =
        existing ??
        accounts.createUser({ email: user.email, name: user.name ?? user.email, passwordHash, platformAdmin: user.platformAdmin });
      if (existing) accounts.setPassword(existing.id, passwordHash);
      if (existing && user.platformAdmin) accounts.setPlatformAdmin(existing.id, true);
      accounts.setMembership(account.id, { club: user.club, role: user.role, athlete: user.athlete ?? null });
      accounts.audit({ actor: 'cli', action: 'user-added', club: user.club, subject: account.id });
      return account;
    });
    print({ id: saved.id, email: saved.email, club: user.club, role: user.role, platformAdmin: user.platformAdmin || saved.platformAdmin });
    return 0;
  },
};

/** `gateway add|revoke --club --id`: the MQTT credentials of one gateway (the gateway command itself runs one). */
export async function runGatewayAccountCommand(subcommand: 'add' | 'revoke', env: Record<string, string | undefined>): Promise<number> {
  const { GATEWAY_CLUB: club, GATEWAY_ID: gateway } = parseEnv(z.object({ GATEWAY_CLUB: ClubId, GATEWAY_ID: GatewayId }), env);
  if (subcommand === 'add') {
    const credentials = await withStores(env, ({ registry, mqttAccounts, accounts }) => {
      if (!registry.hasClub(club)) throw new UsageError(`no club "${club}": add it first with sport-connect club add ${club} --name "…"`);
      accounts.audit({ actor: 'cli', action: 'gateway-credentials-issued', club, subject: gateway });
      return mqttAccounts.issueGateway(club, gateway);
    });
    // Shown once: only a hash is kept.
    print(credentials);
    return 0;
  }
  const revoked = await withStores(env, ({ mqttAccounts, accounts }) => {
    accounts.audit({ actor: 'cli', action: 'gateway-credentials-revoked', club, subject: gateway });
    return mqttAccounts.revokeGateway(club, gateway);
  });
  if (!revoked) throw new UsageError(`no live credentials for gateway "${gateway}" of club "${club}"`);
  print({ revoked: `${club}.${gateway}` });
  return 0;
}

export const serviceCommand: Command = {
  name: 'service',
  summary: 'service add ingest|api [--name sc-api-2]: MQTT credentials for a service process, printed once',
  flags: {
    name: { env: 'SC_SERVICE_NAME', description: 'its user name (default sc-ingest or sc-api; one per process or group)' },
    'data-dir': { env: 'DATA_DIR', description: 'where the registry (SQLite) lives, unless DATABASE_URL names a PostgreSQL' },
  },
  positionals: 'add ingest|api',
  env: ['DATA_DIR', 'DATABASE_URL'],
  async run(env, positionals = []) {
    subcommandOf(positionals, ['add'], 'sport-connect service add ingest|api');
    const service = parseEnv(z.object({ service: z.enum(['ingest', 'api']) }), { service: positionals[1] }).service;
    const credentials = await withStores(env, ({ mqttAccounts }) => {
      try {
        return mqttAccounts.issueService(service, env.SC_SERVICE_NAME);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    });
    print(credentials);
    return 0;
  },
};

export const mosquittoConfigCommand: Command = {
  name: 'mosquitto-config',
  summary: 'writes Mosquitto’s password file and ACL (passwd, acl) from the registry’s MQTT accounts',
  flags: {
    out: { env: 'SC_MOSQUITTO_DIR', description: 'the folder to write passwd and acl into (default deploy/mosquitto)' },
    'data-dir': { env: 'DATA_DIR', description: 'where the registry (SQLite) lives, unless DATABASE_URL names a PostgreSQL' },
  },
  env: ['DATA_DIR', 'DATABASE_URL'],
  async run(env) {
    const out = env.SC_MOSQUITTO_DIR ?? 'deploy/mosquitto';
    const files = await withStores(env, ({ mqttAccounts }) => mosquittoFiles(mqttAccounts.live()));
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'passwd'), files.passwd, { mode: 0o600 });
    writeFileSync(join(out, 'acl'), files.acl);
    print({ passwd: join(out, 'passwd'), acl: join(out, 'acl'), accounts: files.passwd.trim().split('\n').filter(Boolean).length });
    return 0;
  },
};

/** The first line of standard input (a password piped in, or typed at a prompt). */
function readStdinLine(): string | undefined {
  if (process.stdin.isTTY) process.stderr.write('password: ');
  try {
    return readFileSync(0, 'utf8').split(/\r?\n/)[0];
  } catch {
    return undefined;
  }
}
