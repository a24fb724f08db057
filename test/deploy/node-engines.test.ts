import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const read = (file: string) => JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'));

// Repro from issue 11: npm install warned EBADENGINE (cookie and content-disposition wanted Node 22 while
// README promises 20.19). Every package the lock file installs must run on the oldest Node we declare.
describe('the Node version we declare', () => {
  const declared = read('package.json').engines.node as string;
  const oldest = semver.minVersion(declared)!.version;

  it('is what README asks for', () => {
    expect(read('package.json').engines.node).toBe(`>=${oldest}`);
    expect(readFileSync(new URL('../../README.md', import.meta.url), 'utf8')).toContain(`Node.js ${oldest.replace(/\.0$/, '')} or newer`);
  });

  it('satisfies the engines of every installed package', () => {
    const packages = Object.entries(read('package-lock.json').packages as Record<string, { engines?: { node?: string } }>);
    const refusing = packages
      .filter(([, entry]) => entry.engines?.node && !semver.satisfies(oldest, entry.engines.node))
      .map(([path, entry]) => `${path} wants node ${entry.engines!.node}`);
    expect(refusing).toEqual([]);
    expect(packages.length).toBeGreaterThan(100);
  });
});
