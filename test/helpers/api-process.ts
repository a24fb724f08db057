import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

const CLI = fileURLToPath(new URL('../../bin/sport-connect.js', import.meta.url));

/** `sport-connect api` as its own process (a replica), ready when its /health/ready says so. */
export async function startApiProcess(
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void>; log(): string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'api'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8000);
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/health/ready`).catch(() => null))?.ok === true, {
    what: 'the API replica',
    timeoutMs: 30_000,
  });
  return {
    url,
    child,
    /** Its last warnings and errors, for a failing test's message. */
    log: () => log,
    stop: () =>
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
  };
}

/**
 * Logs in through the API's login route (at `baseUrl`: a replica, or a proxy in front), as the page
 * would; its session cookie, or an error naming the status.
 */
export async function logIn(baseUrl: string, credentials: { email: string; password: string }): Promise<string> {
  const login = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: baseUrl },
    body: JSON.stringify(credentials),
  });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${await login.text()}`);
  return login.headers.get('set-cookie')!.split(';')[0]!;
}
