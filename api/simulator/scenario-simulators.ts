import type { Logger } from 'pino';
import { type InstalledProfiles, rosterProfileOf } from '../../protocol/device-kit/installed-profiles.ts';
import type { ScenarioStatus, ScenarioSummary, SimulatorFault } from '../../protocol/scenario.ts';
import { BUILT_IN_SCENARIOS_DIR, listScenarios, ScenarioError } from '../../simulators/scenario/scenario-file.ts';
import { type EnrolledAthlete, ScenarioRun } from '../../simulators/scenario/scenario-run.ts';
import type { Registry } from '../../store/registry.ts';

/** The gateway id scenarios publish under in every club (its credentials come with brokerUrlFor). */
export const SCENARIO_GATEWAY = 'sim-scenario';

export interface ScenarioSimulatorsOptions {
  /** Clubs where scenarios may run (they register their athletes and devices: demo clubs only). */
  clubs: readonly string[];
  /** Folders of scenario files besides the built-in ones. */
  folders: readonly string[];
  profiles: InstalledProfiles;
  registry: Registry;
  /** The broker URL with credentials of this club's scenario gateway. */
  brokerUrlFor(club: string): string;
  dataDir: string;
  logger: Logger;
}

/**
 * The simulator page's scenarios, one running at a time per demo club, in the process that holds the
 * broker (`up`). Each run registers its athletes and pairs their devices in the club, so the live view
 * shows them by name.
 */
export class ScenarioSimulators {
  private readonly runs = new Map<string, ScenarioRun>();

  constructor(private readonly options: ScenarioSimulatorsOptions) {}

  allows(club: string): boolean {
    return this.options.clubs.includes(club);
  }

  scenarios(): ScenarioSummary[] {
    return listScenarios([BUILT_IN_SCENARIOS_DIR, ...this.options.folders]).map(({ id, scenario, error }) => {
      const profiles = [...new Set(scenario?.athletes.flatMap((athlete) => athlete.devices.map((device) => device.profile)) ?? [])];
      const missing = profiles.filter((profile) => !this.options.profiles.find(profile));
      return {
        id,
        name: scenario?.name ?? null,
        description: scenario?.description ?? '',
        athletes: scenario?.athletes.length ?? 0,
        speed: scenario?.speed ?? null,
        profiles,
        error:
          error ??
          (missing.length ? `needs the device plugin${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (DEVICE_PLUGINS)` : null),
      };
    });
  }

  status(club: string): ScenarioStatus | null {
    return this.runs.get(club)?.status() ?? null;
  }

  async start(club: string, id: string): Promise<ScenarioStatus> {
    if (this.runs.has(club)) throw new ScenarioError(`a scenario is running in ${club}: stop it first`);
    const listing = listScenarios([BUILT_IN_SCENARIOS_DIR, ...this.options.folders]).find((candidate) => candidate.id === id);
    if (!listing) throw new ScenarioError(`no scenario "${id}"`);
    if (!listing.scenario) throw new ScenarioError(listing.error ?? `scenario "${id}" is not valid`);
    const run = new ScenarioRun({
      id,
      scenario: listing.scenario,
      profiles: this.options.profiles,
      brokerUrl: this.options.brokerUrlFor(club),
      club,
      gateway: SCENARIO_GATEWAY,
      dataDir: this.options.dataDir,
      logger: this.options.logger.child({ module: 'scenario', club }),
      onEnrol: (athletes) => this.enrol(club, athletes),
    });
    this.runs.set(club, run);
    try {
      await run.start();
    } catch (error) {
      this.runs.delete(club);
      await run.stop();
      throw error;
    }
    // A scenario with a duration ends by itself; the club is free for the next one then.
    void run.done.then(() => {
      if (this.runs.get(club) === run) this.runs.delete(club);
    });
    return run.status();
  }

  async stop(club: string): Promise<boolean> {
    const run = this.runs.get(club);
    if (!run) return false;
    this.runs.delete(club);
    await run.stop();
    return true;
  }

  addDevice(club: string, request: { profile: string; athlete?: string | undefined }): string {
    return this.running(club).addDevice(request);
  }

  inject(club: string, fault: SimulatorFault): void {
    this.running(club).inject(fault);
  }

  async close(): Promise<void> {
    await Promise.all([...this.runs.keys()].map((club) => this.stop(club)));
  }

  private running(club: string): ScenarioRun {
    const run = this.runs.get(club);
    if (!run) throw new ScenarioError(`no scenario is running in ${club}`);
    return run;
  }

  /**
   * The scenario's athletes join the club's roster (ids "sim-…"), each wearing their devices from now on. A
   * member of that id who is someone else, or a device registered already, is left as it is.
   */
  private enrol(club: string, athletes: readonly EnrolledAthlete[]): void {
    const { registry } = this.options;
    const nowMs = Date.now();
    for (const athlete of athletes) {
      const existing = registry.hasMember(club, athlete.id) ? registry.getAthlete(club, athlete.id, nowMs) : null;
      if (existing && existing.name !== athlete.name) continue;
      registry.upsertAthlete(club, { id: athlete.id, name: athlete.name, restHrBpm: athlete.restHrBpm, maxHrBpm: athlete.maxHrBpm }, nowMs);
      for (const device of athlete.devices) {
        if (registry.hasDevice(club, device.id)) continue;
        const installed = this.options.profiles.find(device.profile);
        const profile = installed ? rosterProfileOf(installed) : device.profile;
        registry.createDevice(
          club,
          { id: device.id, profile, label: `${device.profile} of ${athlete.name}`.slice(0, 40), owner: athlete.id },
          nowMs,
        );
      }
    }
  }
}
