import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { waitFor } from './wait-for.ts';

export interface RunningService {
  /** Stops the process (SIGTERM, waits for it), keeping its data: for outage scenarios. */
  stop(): Promise<void>;
  /** Starts it again with the same arguments and data. */
  start(): Promise<void>;
  /** Stops it and removes its temporary folder. */
  dispose(): Promise<void>;
  /** Freezes the process (SIGSTOP) and thaws it (SIGCONT): a server that hangs without closing its sockets. */
  pause(): void;
  resume(): void;
}

/**
 * A system service started by a test: spawned with its arguments, ready when isReady() says so, its
 * last output kept for the error when it exits early.
 */
export async function startChildService(options: {
  name: string;
  command: string;
  args: string[];
  dir: string;
  isReady: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** E.g. the user to run as (PostgreSQL refuses root). */
  spawnOptions?: { uid?: number; gid?: number };
  /** How to stop it (default SIGTERM; PostgreSQL waits for its clients on SIGTERM, SIGINT is its fast shutdown). */
  stopSignal?: NodeJS.Signals;
}): Promise<RunningService> {
  let child: ChildProcess | null = null;
  let output = '';

  async function start(): Promise<void> {
    child = spawn(options.command, options.args, { stdio: ['ignore', 'pipe', 'pipe'], ...options.spawnOptions });
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    await waitFor(
      async () => {
        if (child?.exitCode !== null) throw new Error(`${options.name} exited: ${output}`);
        return options.isReady();
      },
      { timeoutMs: options.readyTimeoutMs ?? 30_000, what: `${options.name} to be ready` },
    );
  }

  async function stop(): Promise<void> {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill(options.stopSignal ?? 'SIGTERM');
    });
  }

  await start();
  return {
    start,
    stop,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    async dispose() {
      await stop();
      rmSync(options.dir, { recursive: true, force: true });
    },
  };
}
