import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/main.ts';
import { openStores } from '../../cli/open-stores.ts';
import { verifyPassword } from '../../store/secrets.ts';
import { testLogger } from '../helpers/silent-logger.ts';

const CLI = fileURLToPath(new URL('../../bin/sport-connect.js', import.meta.url));

describe('the registry from the command line', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-accounts-'));
  const env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    vi.spyOn(console, 'error').mockImplementation((line: string) => void err.push(line));
    return { out, err, json: () => out.map((line) => JSON.parse(line)) };
  }
  const registry = () => openStores(dataDir, { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, testLogger);

  it('adds a club and its first admin, whose password comes from SC_PASSWORD and works', async () => {
    const { json } = capture();
    expect(await runCli(['club', 'add', 'riverside', '--name', 'Riverside Running Club'], env)).toBe(0);
    expect(
      await runCli(['user', 'add', '--club', 'riverside', '--role', 'admin', '--email', 'Ada@Riverside.example'], {
        ...env,
        SC_PASSWORD: 'first admin password',
      }),
    ).toBe(0);
    expect(json()).toEqual([
      { club: 'riverside', name: 'Riverside Running Club' },
      { id: expect.stringMatching(/^u_/), email: 'ada@riverside.example', club: 'riverside', role: 'admin', platformAdmin: false },
    ]);
    const stores = await registry();
    const ada = stores.accounts.findByEmail('ada@riverside.example')!;
    expect(ada.memberships).toEqual([{ club: 'riverside', role: 'admin', athlete: null }]);
    expect(await verifyPassword('first admin password', ada.passwordHash!)).toBe(true);
    await stores.close();
  });

  it('reads the password from standard input when SC_PASSWORD is not set (never from a flag)', () => {
    const result = spawnSync(
      process.execPath,
      [CLI, 'user', 'add', '--club', 'riverside', '--role', 'coach', '--email', 'cole@riverside.example'],
      {
        env: { ...process.env, ...env },
        input: 'a piped-in password\n',
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ email: 'cole@riverside.example', role: 'coach' });
  });

  it('refuses a short password, an unknown club and an athlete without a member record, exiting 2', async () => {
    const { err } = capture();
    expect(
      await runCli(['user', 'add', '--club', 'riverside', '--role', 'coach', '--email', 'x@riverside.example'], {
        ...env,
        SC_PASSWORD: 'short',
      }),
    ).toBe(2);
    expect(
      await runCli(['user', 'add', '--club', 'nowhere', '--role', 'coach', '--email', 'x@riverside.example'], {
        ...env,
        SC_PASSWORD: 'long enough password',
      }),
    ).toBe(2);
    expect(
      await runCli(['user', 'add', '--club', 'riverside', '--role', 'athlete', '--email', 'x@riverside.example'], {
        ...env,
        SC_PASSWORD: 'long enough password',
      }),
    ).toBe(2);
    expect(err.join('\n')).toMatch(/at least 10 characters/);
    expect(err.join('\n')).toMatch(/no club "nowhere"/);
    expect(err.join('\n')).toMatch(/--athlete names the member record/);
  });

  it('issues gateway credentials once (only a hash is kept), and revokes them', async () => {
    const { json } = capture();
    expect(await runCli(['gateway', 'add', '--club', 'riverside', '--id', 'hall-1'], env)).toBe(0);
    const [credentials] = json();
    expect(credentials).toEqual({ username: 'riverside.hall-1', password: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const stores = await registry();
    expect(stores.mqttAccounts.authenticate(credentials.username, credentials.password)).toMatchObject({
      kind: 'gateway',
      club: 'riverside',
      gateway: 'hall-1',
    });
    const stored = stores.registryDb.prepare('SELECT * FROM mqtt_accounts WHERE username = ?').get('riverside.hall-1');
    expect(JSON.stringify(stored)).not.toContain(credentials.password);
    await stores.close();
    expect(await runCli(['gateway', 'revoke', '--club', 'riverside', '--id', 'hall-1'], env)).toBe(0);
    const after = await registry();
    expect(after.mqttAccounts.authenticate(credentials.username, credentials.password)).toBeNull();
    await after.close();
  });

  it('issues service credentials and writes Mosquitto’s password file and ACL', async () => {
    const { json } = capture();
    expect(await runCli(['service', 'add', 'ingest'], env)).toBe(0);
    expect(await runCli(['gateway', 'add', '--club', 'riverside', '--id', 'hall-2'], env)).toBe(0);
    const out = join(dataDir, 'mosquitto');
    expect(await runCli(['mosquitto-config', '--out', out], env)).toBe(0);
    expect(json()[2]).toEqual({ passwd: join(out, 'passwd'), acl: join(out, 'acl'), accounts: 2 });
    const passwd = readFileSync(join(out, 'passwd'), 'utf8');
    expect(passwd).toMatch(/^riverside\.hall-2:\$7\$101\$/m);
    expect(passwd).toMatch(/^sc-ingest:\$7\$101\$/m);
    expect(passwd).not.toMatch(/riverside\.hall-1/); // revoked above
    expect(statSync(join(out, 'passwd')).mode & 0o077).toBe(0);
    const acl = readFileSync(join(out, 'acl'), 'utf8');
    expect(acl).toContain('user riverside.hall-2\ntopic write sc/v1/riverside/hall-2/telemetry');
    expect(acl).toContain('topic read sc/v1/riverside/+/devices');
    expect(acl).not.toMatch(/topic (write|readwrite) sc\/v1\/\+/);
  });
});
