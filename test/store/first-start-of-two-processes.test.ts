import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../store/database.ts';

const OPENER = fileURLToPath(new URL('../helpers/open-database-at.ts', import.meta.url));

/** Starts an opener process; resolves once it is loaded, with a function that lets it go and reports its outcome. */
function startOpener(file: string): Promise<() => Promise<string>> {
  return new Promise((resolveReady) => {
    const child = spawn(process.execPath, ['--import', 'tsx', OPENER, file], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const exited = new Promise<string>((resolveExit) => child.on('exit', () => resolveExit(output.replace('ready\n', '').trim())));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.startsWith('ready\n')) return;
      resolveReady(() => {
        child.stdin.write('go\n');
        return exited;
      });
    });
  });
}

// Repro from issue 11: api and ingest sharing one SQLite file (as in docker-compose) both migrated a new
// file at first start, and one failed with "table clubs already exists".
describe('two processes starting on one new SQLite file at the same moment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sc-migrate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('both open it, and the schema is created once', async () => {
    for (let round = 0; round < 3; round++) {
      const file = join(dir, `round-${round}.db`);
      // All four loaded first, then let go together: they open the new file within a millisecond or so.
      const openers = await Promise.all([0, 1, 2, 3].map(() => startOpener(file)));
      const results = await Promise.all(openers.map((go) => go()));
      expect(results).toEqual(['ok', 'ok', 'ok', 'ok']);
      const db = openDatabase(file);
      expect(db.pragma('user_version', { simple: true })).toBeGreaterThan(0);
      expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'clubs'").get()).toEqual({ n: 1 });
      db.close();
    }
  }, 60_000);
});
