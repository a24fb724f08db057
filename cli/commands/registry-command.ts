import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { LogLevel, parseEnv } from '../../protocol/env.ts';
import { openDatabase } from '../../store/database.ts';
import { copyRegistry, emptyRegistry, RegistryCopyError } from '../../store/sql/copy-registry.ts';
import { RegistryConfigShape } from '../../store/store-config.ts';
import type { Command } from '../command.ts';
import { DATABASE_FILE, openPostgresRegistry } from '../open-stores.ts';
import { createProgressReporter } from '../progress.ts';
import { UsageError } from './decode-command.ts';

const CopyConfig = z.object({
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: RegistryConfigShape.DATABASE_URL.unwrap(),
  SC_REGISTRY_EMPTY_SOURCE: z.stringbool().default(false),
  LOG_LEVEL: LogLevel.default('warn'),
});

/**
 * `registry copy-to-postgres`: a club that grows into a region moves its registry (clubs, people and
 * their logins, athletes, devices, the pairing log, sessions, gateways' accounts, audit log, dead letters)
 * from its SQLite file to PostgreSQL, then runs every process with DATABASE_URL.
 */
export const registryCommand: Command = {
  name: 'registry',
  summary: 'registry copy-to-postgres: copies the registry of the SQLite file in DATA_DIR into an empty PostgreSQL (DATABASE_URL)',
  flags: {
    'data-dir': { env: 'DATA_DIR', description: 'the folder of the SQLite file to copy from' },
    'empty-source': {
      env: 'SC_REGISTRY_EMPTY_SOURCE',
      description: 'once copied, empty the registry in the SQLite file (its personal data would escape erasures on PostgreSQL)',
      boolean: true,
    },
  },
  positionals: 'copy-to-postgres',
  env: ['DATA_DIR', 'DATABASE_URL'],
  async run(env, positionals = []) {
    if (positionals[0] !== 'copy-to-postgres') throw new UsageError('say what to do: sport-connect registry copy-to-postgres');
    const config = parseEnv(CopyConfig, env);
    const file = join(config.DATA_DIR, DATABASE_FILE);
    if (!existsSync(file)) throw new UsageError(`no registry to copy: ${file} does not exist (set DATA_DIR)`);
    // Stop the services first: what they write during the copy would stay behind in the file.
    const from = openDatabase(file);
    const to = openPostgresRegistry(config.DATABASE_URL);
    const progress = createProgressReporter('copying the registry');
    try {
      const counts = copyRegistry(from, to, ({ done, total }) => progress.update({ done, total, unit: 'items', counters: {} }));
      progress.finish();
      if (config.SC_REGISTRY_EMPTY_SOURCE) emptyRegistry(from);
      else
        console.error(
          `${file} still holds the registry (logins, athletes, personal data), which erasures on PostgreSQL will not reach: ` +
            'copy with --empty-source (into a new database) to empty it there, once you no longer need it to go back.',
        );
      console.log(JSON.stringify({ copied: counts, sourceEmptied: config.SC_REGISTRY_EMPTY_SOURCE }));
      return 0;
    } catch (error) {
      if (error instanceof RegistryCopyError) throw new UsageError(error.message);
      throw error;
    } finally {
      from.close();
      to.close();
    }
  },
};
