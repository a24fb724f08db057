import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgressReporter, renderBar } from '../../cli/progress.ts';
import { useEmbeddedBroker } from '../helpers/emulated-gateway.ts';
import { freePort } from '../helpers/free-port.ts';

const CLI = fileURLToPath(new URL('../../bin/sport-connect.js', import.meta.url));

/** Runs the real command as a user would; resolves with its exit code and output once it has exited. */
function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, LOG_LEVEL: 'error', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sport-connect ${args.join(' ')} did not exit:\n${stderr}`));
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** One line saying what is wrong: no stack trace, no Node banner. */
const isOneLine = (stderr: string) => stderr.trim().split('\n').length === 1 && !/\n\s+at /.test(stderr) && !stderr.includes('Node.js v');

describe('the command line as a newcomer meets it', () => {
  const brokerUrl = useEmbeddedBroker();
  let taken: Server;
  let takenPort: number;
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-cli-'));

  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '0.0.0.0', resolve));
    takenPort = (taken.address() as { port: number }).port;
  });
  afterAll(() => {
    taken.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('up on an HTTP port already in use says so in one line, stops what it started, and exits 2', async () => {
    const result = await run([
      'up',
      '--port',
      String(takenPort),
      '--mqtt-port',
      String(await freePort()),
      '--athletes',
      '0',
      '--data-dir',
      dataDir,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^sport-connect up: port ${takenPort} is already in use .*PORT \\(--port\\)`));
    expect(isOneLine(result.stderr)).toBe(true);
  });

  it('up on an MQTT port already in use names the MQTT port variable', async () => {
    const result = await run(['up', '--port', '0', '--mqtt-port', String(takenPort), '--athletes', '0', '--data-dir', dataDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is already in use .*MQTT_PORT \(--mqtt-port\)/);
    expect(isOneLine(result.stderr)).toBe(true);
  });

  it('api with a PostgreSQL that does not answer says where it tried (without the password) and what to do, and exits 2', async () => {
    const port = await freePort();
    const result = await run(['api', '--port', '0', '--data-dir', dataDir], {
      DATABASE_URL: `postgres://sport:s3cret-word@127.0.0.1:${port}/registry`,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(`^sport-connect api: cannot reach PostgreSQL at postgres://sport:\\*\\*\\*@127.0.0.1:${port}/registry .*DATABASE_URL`),
    );
    expect(result.stderr).not.toContain('s3cret-word');
    expect(isOneLine(result.stderr)).toBe(true);
  });

  it('a DATABASE_URL that is not PostgreSQL’s is refused before anything starts', async () => {
    const result = await run(['api', '--port', '0', '--data-dir', dataDir], { DATABASE_URL: 'mysql://root@localhost/registry' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/DATABASE_URL: a PostgreSQL URL: postgres:\/\/user:password@host:5432\/database/);
  });

  it('simulate against an unreachable broker says where it tried and what to do, and exits 2', async () => {
    const port = await freePort();
    const result = await run(['simulate', '--broker', `mqtt://127.0.0.1:${port}`, '--duration', '5s']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(`^sport-connect simulate: cannot reach the MQTT broker at mqtt://127.0.0.1:${port} \\(ECONNREFUSED\\): .*--broker`),
    );
    expect(isOneLine(result.stderr)).toBe(true);
  });

  it('simulate shows its progress as JSON lines on stderr when not on a terminal, keeps stdout to the result, and has its own gateway id', async () => {
    const result = await run(['simulate', '--broker', brokerUrl(), '--athletes', '3', '--duration', '2m', '--pace', 'fast']);
    expect(result.code).toBe(0);
    const progress = result.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress[0]).toMatchObject({ progress: 'simulating', total: 120 });
    expect(progress.at(-1)).toMatchObject({ done: 120, total: 120, fraction: 1 });
    const outcome = JSON.parse(result.stdout);
    expect(outcome).toMatchObject({ gateway: 'sim-cli', simulatedS: 120 });
  });

  it('up answers /favicon.ico instead of a 404 on every page load', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [CLI, 'up', '--port', String(port), '--mqtt-port', '0', '--athletes', '0', '--data-dir', dataDir],
      { env: { ...process.env, LOG_LEVEL: 'error' }, stdio: 'ignore' },
    );
    try {
      let response: Response | null = null;
      for (let attempt = 0; attempt < 100 && !response; attempt++) {
        response = await fetch(`http://127.0.0.1:${port}/favicon.ico`).catch(() => null);
        if (!response) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(response?.status).toBe(200);
      expect(response?.headers.get('content-type')).toMatch(/^image\//);
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('progress of a long run', () => {
  it('redraws a bar on a terminal, at most five times a second', () => {
    const writes: string[] = [];
    let nowMs = 0;
    const stream = { isTTY: true, write: (text: string) => writes.push(text) } as unknown as NodeJS.WriteStream;
    const reporter = createProgressReporter('simulating', stream, () => nowMs);
    for (let second = 0; second <= 2700; second += 60) {
      reporter.update({ done: second, total: 2700, unit: 's', counters: { samples: second * 20 } });
      nowMs += 50;
    }
    reporter.finish();
    expect(writes.length).toBeLessThan(15);
    expect(writes[0]).toBe(`\r${renderBar('simulating', { done: 0, total: 2700, unit: 's', counters: { samples: 0 } })}\u001b[K`);
    expect(writes.at(-1)).toBe('\n');
  });

  it('says how far it got, out of how much', () => {
    expect(renderBar('simulating', { done: 1350, total: 2700, unit: 's', counters: { samples: 27_000 } })).toBe(
      'simulating [############------------]  50%  ·  22:30 / 45:00  ·  27,000 samples',
    );
    expect(renderBar('simulating', { done: 3725, total: null, unit: 's', counters: { samples: 5 } })).toBe(
      'simulating  ·  1:02:05 so far  ·  5 samples',
    );
  });
});
