import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../bin/sport-connect.js', import.meta.url));

/** `sport-connect ingest` as its own process, so a test can SIGKILL it like a power cut would. */
export async function startIngestProcess(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; kill(): Promise<void>; stop(): Promise<void>; log(): string }> {
  const child = spawn(process.execPath, [CLI, 'ingest'], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ingest did not start:\n${log}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-8000);
      if (log.includes('ingest subscribed')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`ingest exited with ${code}:\n${log}`)));
  });
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(name);
    });
  };
  return {
    child,
    /** Its last log lines, for a failing test's message. */
    log: () => log,
    /** A power cut: SIGKILL. */
    kill: () => signal('SIGKILL'),
    /** An orchestrator's stop: SIGTERM, and the process ends its work and exits. */
    stop: () => signal('SIGTERM'),
  };
}
