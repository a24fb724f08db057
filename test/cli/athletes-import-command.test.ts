import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openStores } from '../../cli/open-stores.ts';
import { testLogger } from '../helpers/silent-logger.ts';

const CLI = fileURLToPath(new URL('../../bin/sport-connect.js', import.meta.url));

// The club's spreadsheet into its roster, from the command line, as an administrator would run it.
describe('sport-connect athletes import', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sc-import-'));
  const env = { ...process.env, DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent' };
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
  const file = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports the good rows, reports each bad one with its line, and exits 1 so a script notices', async () => {
    expect(run('club', 'add', 'riverside', '--name', 'Riverside').status).toBe(0);
    const roster = file(
      'members.csv',
      'id,name,birth_year,max_hr_bpm\nelodie,"Élodie Brûlé",1992,\nmats,Mats Ødegård,1988,191\nbad row,Nobody,,\nold,Too Old,1850,\n',
    );
    const result = run('athletes', 'import', roster, '--club', 'riverside');
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({ club: 'riverside', created: 2, updated: 0, refused: 2 });
    expect(result.stderr).toContain(`${roster}:4: id:`);
    expect(result.stderr).toContain(`${roster}:5: birthYear:`);

    const again = run(
      'athletes',
      'import',
      file('fixed.csv', 'id,name\nelodie,Élodie Brûlé-Martin\nold,Old But Fine\n'),
      '--club',
      'riverside',
    );
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ club: 'riverside', created: 1, updated: 1, refused: 0 });

    const stores = await openStores(env.DATA_DIR, { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, testLogger);
    try {
      const athletes = stores.registry.listAthletes('riverside');
      expect(athletes.map((athlete) => [athlete.id, athlete.name, athlete.birthYear])).toEqual([
        ['elodie', 'Élodie Brûlé-Martin', 1992],
        ['mats', 'Mats Ødegård', 1988],
        ['old', 'Old But Fine', null],
      ]);
    } finally {
      await stores.close();
    }
  });

  it('refuses a file saved in another encoding than UTF-8, an unknown club, and a missing file, saying why', () => {
    const latin1 = run('athletes', 'import', file('latin1.csv', Buffer.from('id,name\nzoe,Zoë\n', 'latin1')), '--club', 'riverside');
    expect(latin1.status).toBe(2);
    expect(latin1.stderr).toMatch(/not UTF-8: save it from the spreadsheet as "CSV UTF-8"/);
    const unknownClub = run('athletes', 'import', file('ok.csv', 'id,name\nzoe,Zoe\n'), '--club', 'nowhere');
    expect(unknownClub.status).toBe(2);
    expect(unknownClub.stderr).toMatch(/no club "nowhere"/);
    const missing = run('athletes', 'import', join(dir, 'absent.csv'), '--club', 'riverside');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*absent\.csv: ENOENT/);
    expect(run('athletes', 'import', '--club', 'riverside').stderr).toMatch(/athletes import <file\.csv>/);
  });
});
