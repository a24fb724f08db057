import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { Scenario } from '../../protocol/scenario.ts';

/** A scenario file that cannot be read or is not valid, or a request a running scenario cannot follow; the message says why. */
export class ScenarioError extends Error {
  readonly code = 'SC_ERR_SCENARIO';
}

/** Scenario files are at most this big: a demo class, not a data set. */
const MAX_SCENARIO_BYTES = 256 * 1024;

/** A scenario from YAML or JSON text (JSON is YAML too). */
export function parseScenario(text: string, source: string): Scenario {
  if (Buffer.byteLength(text) > MAX_SCENARIO_BYTES) throw new ScenarioError(`${source}: larger than ${MAX_SCENARIO_BYTES} bytes`);
  let document: unknown;
  try {
    // maxAliasCount bounds alias expansion (the "billion laughs" of YAML).
    document = parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new ScenarioError(`${source}: not YAML or JSON: ${(error as Error).message}`);
  }
  const parsed = Scenario.safeParse(document);
  if (!parsed.success) throw new ScenarioError(`${source}: not a valid scenario:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function readScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ScenarioError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseScenario(text, path);
}

export interface ScenarioListing {
  /** The file's name without its extension: how the simulator page and API name it. */
  id: string;
  path: string;
  scenario: Scenario | null;
  /** Why the file is not usable, when it is not. */
  error: string | null;
}

const SCENARIO_FILE = /\.(ya?ml|json)$/;

/** The scenario files of these folders (a later folder's file replaces an earlier one of the same id). */
export function listScenarios(folders: readonly string[]): ScenarioListing[] {
  const byId = new Map<string, ScenarioListing>();
  for (const folder of folders) {
    let names: string[];
    try {
      names = readdirSync(folder).filter((name) => SCENARIO_FILE.test(name));
    } catch {
      continue; // a folder that does not exist holds no scenarios
    }
    for (const name of names.sort()) {
      const path = join(folder, name);
      const id = basename(name, extname(name));
      try {
        // Named by the file alone in what the page shows: a server's folders are nobody's business.
        byId.set(id, { id, path, scenario: parseScenario(readFileSync(path, 'utf8'), name), error: null });
      } catch (error) {
        byId.set(id, { id, path, scenario: null, error: (error as Error).message });
      }
    }
  }
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** The scenarios that come with Sport Connect. */
export const BUILT_IN_SCENARIOS_DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));
