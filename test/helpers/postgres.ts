import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type RunningService, startChildService } from './child-service.ts';
import { freePort } from './free-port.ts';
import { requireSystemProgram } from './system-service.ts';

/** Debian's server binaries live under their major version. */
function postgresBinDir(): string {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  return versions.length > 0 ? `/usr/lib/postgresql/${versions[0]}/bin` : '/usr/lib/postgresql/15/bin';
}

export const hasPostgres = () =>
  requireSystemProgram(join(postgresBinDir(), 'postgres'), 'apt-get install postgresql (the tests start their own server)');

/** PostgreSQL refuses to run as root: under root (CI) the server runs as the package's postgres user. */
function serverUser(): { uid: number; gid: number } | null {
  if (userInfo().uid !== 0) return null;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

export interface RunningPostgres extends RunningService {
  /** The server's own database, for creating others. */
  adminUrl: string;
  /** A new empty database on this server, and its URL. */
  createDatabase(name: string): Promise<string>;
}

/** A real PostgreSQL in a temporary data directory, on a free port of 127.0.0.1. */
export async function startPostgres(): Promise<RunningPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-postgres-'));
  const user = serverUser();
  if (user) chownSync(dir, user.uid, user.gid);
  const bin = postgresBinDir();
  const initdb = spawnSync(
    join(bin, 'initdb'),
    // A locale that sorts text as people read it (ICU, English), as servers usually are: the registry's schema
    // must keep SQLite's byte order anyway.
    [
      '-D',
      join(dir, 'data'),
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale-provider=icu',
      '--icu-locale=en-US',
      '--locale=C.UTF-8',
      '--no-sync',
    ],
    { encoding: 'utf8', ...(user ?? {}) },
  );
  if (initdb.status !== 0) throw new Error(`initdb failed: ${initdb.stderr}`);
  const port = await freePort();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const service = await startChildService({
    name: 'postgres',
    command: join(bin, 'postgres'),
    args: ['-D', join(dir, 'data'), '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'],
    dir,
    spawnOptions: user ?? {},
    stopSignal: 'SIGINT',
    isReady: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => {});
      }
    },
  });
  return {
    ...service,
    adminUrl,
    createDatabase: (name: string) => createDatabaseOn(adminUrl, name),
  };
}

/** A new empty database on the server of `adminUrl`, and its URL. */
export async function createDatabaseOn(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name.replaceAll('"', '')}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}
