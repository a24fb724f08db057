import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { InstalledProfiles } from '../protocol/device-kit/installed-profiles.ts';
import { createLogger } from './logger.ts';

/** A plugin module that has not loaded by then (a top-level await that never settles) is refused. */
const IMPORT_TIMEOUT_MS = 10_000;

function withinTime<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`it did not load within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Module files a plugin folder may hold (tests and type declarations are not plugins). */
const isPluginFile = (name: string) => /\.(m?js|ts)$/.test(name) && !/\.(test|spec|d)\.[mc]?[jt]s$/.test(name);
const isPath = (entry: string) => entry.startsWith('.') || entry.startsWith('/') || /^[A-Za-z]:[\\/]/.test(entry);

/** The modules one DEVICE_PLUGINS entry names: a file, every plugin in a folder, or an installed npm package. */
function modulesOf(entry: string, cwd: string): { source: string; specifier: string }[] {
  if (!isPath(entry)) return [{ source: entry, specifier: entry }];
  const path = resolve(cwd, entry);
  // A folder holding a package.json or an index is one plugin; any other folder holds plugins.
  if (
    !statSync(path).isDirectory() ||
    existsSync(join(path, 'package.json')) ||
    readdirSync(path).some((name) => /^index\.(m?js|ts)$/.test(name))
  )
    return [{ source: path, specifier: pathToFileURL(path).href }];
  const children = readdirSync(path, { withFileTypes: true })
    .filter((child) => (child.isFile() && isPluginFile(child.name)) || (child.isDirectory() && !child.name.startsWith('.')))
    .map((child) => join(path, child.name))
    .sort();
  // A sub-folder is a plugin package of its own (its package.json's entry, or index.*).
  return children.map((child) => ({ source: child, specifier: pathToFileURL(child).href }));
}

/** A plugin package folder's entry: package.json "exports" or "main", or index.* (Node does not import folders itself). */
function entryOfFolder(folder: string): string {
  const manifest = join(folder, 'package.json');
  if (existsSync(manifest)) {
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { main?: string; exports?: unknown };
    const exported = typeof pkg.exports === 'string' ? pkg.exports : (pkg.exports as Record<string, unknown> | undefined)?.['.'];
    const entry =
      typeof exported === 'string'
        ? exported
        : ((exported as { import?: string; default?: string } | undefined)?.import ??
          (exported as { default?: string } | undefined)?.default ??
          pkg.main);
    if (entry) return join(folder, entry);
  }
  const index = readdirSync(folder).find((name) => /^index\.(m?js|ts)$/.test(name));
  if (!index) throw new Error(`${folder} has no package.json entry and no index.js or index.ts`);
  return join(folder, index);
}

function packageFolderOf(name: string, cwd: string): string | null {
  for (let folder = resolve(cwd); ; folder = dirname(folder)) {
    const candidate = join(folder, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(folder) === folder) return null;
  }
}

async function importModule(specifier: string, source: string, cwd: string): Promise<Record<string, unknown>> {
  if (!specifier.startsWith('file:')) {
    // An npm package is looked up in the node_modules folders from where Sport Connect runs up, as Node
    // would for a script there; otherwise from Sport Connect's own.
    const folder = packageFolderOf(specifier, cwd);
    const entry = folder ? pathToFileURL(entryOfFolder(folder)).href : specifier;
    return (await import(entry)) as Record<string, unknown>;
  }
  const file = statSync(source).isDirectory() ? entryOfFolder(source) : source;
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/**
 * Loads the device plugins DEVICE_PLUGINS names (comma-separated: files, folders of plugins, npm
 * packages installed next to Sport Connect) after the built-in profiles. A plugin that cannot be
 * imported or fails its checks is refused with the reason, logged, and left out: the process goes on.
 */
export async function loadDeviceProfiles(
  entries: string | undefined,
  logger: Logger,
  cwd: string = process.cwd(),
): Promise<InstalledProfiles> {
  const profiles = InstalledProfiles.builtIn();
  for (const entry of (entries ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    let modules: { source: string; specifier: string }[];
    try {
      modules = modulesOf(entry, cwd);
    } catch (error) {
      profiles.refused.push({ source: entry, name: null, reason: `cannot read it: ${(error as Error).message}` });
      continue;
    }
    for (const { source, specifier } of modules) {
      let exported: Record<string, unknown>;
      try {
        exported = await withinTime(importModule(specifier, source, cwd), IMPORT_TIMEOUT_MS);
      } catch (error) {
        profiles.refused.push({ source, name: null, reason: `cannot import it: ${(error as Error).message}` });
        continue;
      }
      const candidates = exported.default ?? exported.profiles;
      if (candidates === undefined) {
        profiles.refused.push({ source, name: null, reason: 'it exports no profile (a default export, or "profiles")' });
        continue;
      }
      for (const candidate of Array.isArray(candidates) ? candidates : [candidates]) {
        const installed = profiles.add(candidate, source);
        if (installed)
          logger.info(
            { profile: installed.manifest.name, source, kinds: installed.manifest.kinds.map((kind) => kind.name) },
            'device plugin loaded',
          );
      }
    }
  }
  for (const refusal of profiles.refused) logger.error(refusal, `device plugin refused: ${refusal.reason}`);
  return profiles;
}

/** The installed profiles for a command-line tool: refused plugins are reported on stderr, not logged. */
export async function loadProfilesForTool(plugins: string | undefined): Promise<InstalledProfiles> {
  const profiles = await loadDeviceProfiles(plugins, createLogger('silent'));
  for (const refusal of profiles.refused) console.error(`device plugin refused (${refusal.source}): ${refusal.reason}`);
  return profiles;
}
