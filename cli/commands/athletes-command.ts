import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { parseEnv } from '../../protocol/env.ts';
import { ClubId } from '../../protocol/ids.ts';
import { decodeRosterFile, parseRosterCsv, RosterFileError } from '../../protocol/roster-csv.ts';
import type { Command } from '../command.ts';
import { withStores } from './account-commands.ts';
import { UsageError } from './decode-command.ts';

/** Bigger than any club's membership list; a file past it is the wrong file. */
const ROSTER_FILE_MAX_BYTES = 16 * 1024 * 1024;

/** `athletes import <file.csv> --club <club>`: a club's spreadsheet of members into its roster. */
export const athletesCommand: Command = {
  name: 'athletes',
  summary: 'athletes import <file.csv> --club <club>: creates or updates a club’s athletes from a spreadsheet',
  flags: {
    club: { env: 'SC_ATHLETES_CLUB', description: 'the club the athletes belong to' },
    'data-dir': { env: 'DATA_DIR', description: 'where the registry (SQLite) lives, unless DATABASE_URL names a PostgreSQL' },
  },
  positionals: 'import <file.csv>',
  env: ['DATA_DIR', 'DATABASE_URL'],
  async run(env, positionals = []) {
    const [subcommand, file] = positionals;
    if (subcommand !== 'import' || !file)
      throw new UsageError('say what to import: sport-connect athletes import <file.csv> --club <club>');
    const { SC_ATHLETES_CLUB: club } = parseEnv(z.object({ SC_ATHLETES_CLUB: ClubId }), env);
    const text = readRosterFile(file);
    const { rows, errors } = parseRosterCsv(text);
    const result = await withStores(env, ({ registry, accounts }) => {
      if (!registry.hasClub(club)) throw new UsageError(`no club "${club}": add it first with sport-connect club add ${club} --name "…"`);
      const counts = registry.importAthletes(club, rows);
      accounts.audit({
        actor: 'cli',
        action: 'athletes-imported',
        club,
        subject: `${counts.created} created, ${counts.updated} updated, ${errors.length} refused`,
      });
      return counts;
    });
    for (const error of errors) console.error(`${file}:${error.line}: ${error.reason}`);
    console.log(JSON.stringify({ club, ...result, refused: errors.length }));
    // Good rows are in; a non-zero exit still tells a script that some were not.
    return errors.length > 0 ? 1 : 0;
  },
};

function readRosterFile(file: string): string {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (size > ROSTER_FILE_MAX_BYTES) throw new UsageError(`${file} is ${size} bytes: a roster is at most ${ROSTER_FILE_MAX_BYTES}`);
  try {
    return decodeRosterFile(readFileSync(file));
  } catch (error) {
    if (error instanceof RosterFileError) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
}
