import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../store/database.ts';

const OPENER = fileURLToPath(new URL('../helpers/open-database-at.ts', import.meta.url));

function openAt(file: string, startAtMs: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', OPENER, file, String(startAtMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', () => resolve(output.trim()));
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
      // Far enough ahead for every process to have loaded and be spinning when the moment comes.
      const startAtMs = Date.now() + 2500;
      const results = await Promise.all([0, 1, 2, 3].map(() => openAt(file, startAtMs)));
      expect(results).toEqual(['ok', 'ok', 'ok', 'ok']);
      const db = openDatabase(file);
      expect(db.pragma('user_version', { simple: true })).toBeGreaterThan(0);
      expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'clubs'").get()).toEqual({ n: 1 });
      db.close();
    }
  }, 60_000);
});
