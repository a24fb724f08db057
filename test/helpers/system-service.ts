import { existsSync } from 'node:fs';

/**
 * Whether a system program a suite needs is installed. Missing on a developer's machine: the suite
 * skips and says how to install it. Missing under CI=true: the run fails, since CI must install it.
 */
export function requireSystemProgram(path: string, installHint: string): boolean {
  if (existsSync(path)) return true;
  const message = `${path} is not installed: ${installHint}`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI must install it; see .ci/run)`);
  console.warn(`skipping: ${message}`);
  return false;
}
