import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/main.ts';
import { openStores } from '../../cli/open-stores.ts';
import { seedDemoClub } from '../../cli/seed-demo-club.ts';
import { createRoster } from '../../simulators/roster.ts';
import { hasPostgres, startPostgres } from '../helpers/postgres.ts';
import { testLogger } from '../helpers/silent-logger.ts';

describe('a production server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-production-'));
  const base = {
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    PORT: '0',
    MQTT_PORT: '0',
    HOST: '127.0.0.1',
    MQTT_HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
  };
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  function errors() {
    const lines: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(line));
    return lines;
  }

  it('refuses to create the demo club and its accounts', async () => {
    const lines = errors();
    expect(await runCli(['up'], base)).toBe(2);
    expect(lines.join('\n')).toMatch(/NODE_ENV=production refuses to start: SIM_ATHLETES would create the demo club/);
  });

  it('refuses while demo accounts exist, naming them and how to remove them', async () => {
    const stores = await openStores(dataDir, { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, testLogger);
    await seedDemoClub(stores, createRoster(2, 1));
    await stores.close();
    const lines = errors();
    expect(await runCli(['api'], base)).toBe(2);
    expect(lines.join('\n')).toMatch(
      /demo accounts exist \(athlete@demo\.sport-connect\.invalid, coach@demo\.sport-connect\.invalid\): remove them with `sport-connect user remove --email <email>`/,
    );
  });

  it('refuses secrets still holding the example’s value', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    for (const email of ['athlete@demo.sport-connect.invalid', 'coach@demo.sport-connect.invalid']) {
      expect(await runCli(['user', 'remove', '--email', email], { DATA_DIR: dataDir, LOG_LEVEL: 'silent' })).toBe(0);
    }
    const lines = errors();
    expect(await runCli(['api'], { ...base, METRICS_TOKEN: 'change-me-metrics-token' })).toBe(2);
    expect(lines.join('\n')).toMatch(/METRICS_TOKEN still hold the example's value/);
  });

  it.skipIf(!hasPostgres())('refuses a DATABASE_URL with the example’s password', async () => {
    const postgres = await startPostgres();
    try {
      const url = new URL(await postgres.createDatabase('production'));
      url.password = 'change-me-postgres'; // the test server trusts any password: only the check can refuse it
      const lines = errors();
      expect(await runCli(['api'], { ...base, DATABASE_URL: url.toString() })).toBe(2);
      expect(lines.join('\n')).toMatch(/DATABASE_URL still hold the example's value/);
    } finally {
      await postgres.dispose();
    }
  });
});
