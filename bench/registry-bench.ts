/**
 * The registry's share of the work, per engine: what an API request or an ingest group asks of it, on
 * the club's SQLite file (the baseline) and on PostgreSQL on the same machine (a worker thread's round
 * trip per statement), in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores, type Stores } from '../cli/open-stores.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import { progress, quietLogger, round } from './lib.ts';

export interface RegistryRun {
  operation: string;
  engine: 'SQLite' | 'PostgreSQL';
  perSecond: number;
  /** PostgreSQL's rate as a fraction of SQLite's, in this run. */
  ratio?: number;
}

const ATHLETES = 40;
const T0 = Date.UTC(2026, 10, 1);

/** A club of 40, each wearing a strap, and a coach logged in. */
function seed(stores: Stores): { token: string } {
  stores.registry.upsertClub('bench', 'Bench club');
  for (let index = 0; index < ATHLETES; index++) {
    stores.registry.createAthlete('bench', { id: `a-${index}`, name: `Athlete ${index}`, birthYear: 1990 });
    stores.registry.createDevice('bench', { id: `strap-${index}`, profile: 'heart_rate', owner: `a-${index}` }, T0);
  }
  stores.registry.createDevice('bench', { id: 'loaner', profile: 'heart_rate' });
  const coach = stores.accounts.createUser({ email: 'coach@bench.sport-connect.invalid', name: 'Coach', passwordHash: null });
  stores.accounts.setMembership(coach.id, { club: 'bench', role: 'coach', athlete: null });
  return { token: stores.accounts.createSession(coach.id, 3_600_000) };
}

/** How many times `work` runs in `seconds`. */
function rate(seconds: number, work: (iteration: number) => void): number {
  const until = performance.now() + seconds * 1000;
  let iterations = 0;
  while (performance.now() < until) work(iterations++);
  return Math.round(iterations / seconds);
}

function operations(stores: Stores, token: string): [string, (iteration: number) => void][] {
  const handOversFrom = Date.now();
  return [
    [
      'a logged-in coach reads the roster (login check + 40 athletes with their devices)',
      () => {
        if (!stores.accounts.resolveSession(token)) throw new Error('the coach is not logged in');
        stores.registry.listAthletes('bench');
      },
    ],
    // Each a transaction of reads and writes, a millisecond after the one before (a hand-over in the same
    // millisecond is refused).
    [
      'a loaner strap is handed to another athlete',
      (iteration) => {
        const atMs = handOversFrom + iteration;
        stores.registry.pairDevice('bench', 'loaner', `a-${iteration % ATHLETES}`, atMs, atMs);
      },
    ],
    ['ingest asks whether the pairings changed (once per group of messages)', () => stores.registry.pairingsVersion()],
  ];
}

export async function benchRegistry(quick: boolean): Promise<RegistryRun[]> {
  const seconds = quick ? 0.5 : 3;
  const postgres = await startPostgres();
  const dirs = [mkdtempSync(join(tmpdir(), 'sc-bench-registry-')), mkdtempSync(join(tmpdir(), 'sc-bench-registry-pg-'))];
  const engines: [RegistryRun['engine'], Stores][] = [
    ['SQLite', await openStores(dirs[0]!, { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, quietLogger)],
    [
      'PostgreSQL',
      await openStores(
        dirs[1]!,
        { STORE: 'sqlite', INFLUX_WRITE_API: 'auto', DATABASE_URL: await postgres.createDatabase('bench') },
        quietLogger,
      ),
    ],
  ];
  try {
    const runs: RegistryRun[] = [];
    for (const [engine, stores] of engines) {
      const { token } = seed(stores);
      for (const [operation, work] of operations(stores, token)) {
        progress(`registry on ${engine}: ${operation} for ${seconds} s…`);
        const perSecond = rate(seconds, work);
        const baseline = runs.find((run) => run.engine === 'SQLite' && run.operation === operation);
        runs.push({
          operation,
          engine,
          perSecond,
          ...(baseline ? { ratio: round(perSecond / baseline.perSecond, 2) } : {}),
        });
        progress(`registry on ${engine}: ${perSecond.toLocaleString('en')} per second`);
      }
    }
    return runs;
  } finally {
    for (const [, stores] of engines) await stores.close();
    await postgres.dispose();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}
