import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from '../../store/registry.ts';
import { type ErasureResult, eraseAthlete } from './erasure.ts';
import type { Job, Jobs } from './jobs.ts';

/** How long a replica holds an erasure it runs before another may take it over (renewed every quarter of it). */
const ERASURE_CLAIM_MS = 120_000;

type ErasureDeps = Parameters<typeof eraseAthlete>[0] & { registry: Registry };

/**
 * Runs erasures as jobs, one replica per erasure: the replica running one holds it in the registry
 * (claimed under its own id until a time it renews), lets it go when it fails or stops, and any replica
 * takes over one nobody holds, at start and every minute (`resume`).
 */
export class ErasureRunner {
  /** This replica, as the registry's claims name it. */
  private readonly runner = `api-${randomBytes(6).toString('base64url')}`;
  /** Erasures this replica runs now, with their renewal timers. */
  private readonly running = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly deps: ErasureDeps,
    private readonly jobs: Jobs,
    private readonly logger: Logger,
    private readonly settleMs: number,
    private readonly onDone: (club: string, result: ErasureResult, actor: string) => void,
  ) {}

  /**
   * Starts the erasure asked for (the request recorded) unless it runs already, here or on another replica:
   * then null. `owner` follows the job; `actor` is who the audit names.
   */
  start(club: string, athlete: string, owner: string, actor: string): Job | null {
    const key = `${club}\u0000${athlete}`;
    if (this.running.has(key)) return null;
    const { registry } = this.deps;
    if (!registry.claimErasure(club, athlete, this.runner, Date.now() + ERASURE_CLAIM_MS)) return null;
    let lost = false;
    const renewal = setInterval(() => {
      try {
        if (!registry.renewErasureClaim(club, athlete, this.runner, Date.now() + ERASURE_CLAIM_MS)) lost = true;
      } catch (error) {
        this.logger.warn({ err: error, club }, 'erasure claim not renewed; tried again shortly');
      }
    }, ERASURE_CLAIM_MS / 4);
    renewal.unref();
    this.running.set(key, renewal);
    const finish = () => {
      clearInterval(renewal);
      this.running.delete(key);
    };
    try {
      return this.jobs.start('erasure', owner, async (progress) => {
        try {
          const result = await eraseAthlete(
            this.deps,
            club,
            athlete,
            ({ done, total, step }) => progress(done, total, step),
            this.settleMs,
          );
          // Taken over meanwhile (this replica stalled past its hold): the other run says it happened.
          if (!lost) this.onDone(club, result, actor);
          return null;
        } catch (error) {
          this.release(club, athlete);
          throw error;
        } finally {
          finish();
        }
      });
    } catch (error) {
      // Not started (too many jobs for this person): free for the next look, here or elsewhere.
      finish();
      this.release(club, athlete);
      throw error;
    }
  }

  /** Takes over the pending erasures nobody holds (left by an earlier run, or by a replica that died). */
  resume(): void {
    let pending: ReturnType<Registry['pendingErasures']>;
    try {
      pending = this.deps.registry.pendingErasures();
    } catch (error) {
      this.logger.warn({ err: error }, 'pending erasures not checked; tried again in a minute');
      return;
    }
    for (const { club, athlete, requestedBy } of pending) {
      try {
        // An athlete's own erasure is followed by nobody now (their login may be gone): a job owner of its own.
        const owner = requestedBy === 'the athlete' ? `erasure of ${club}/${athlete}` : requestedBy;
        if (this.start(club, athlete, owner, requestedBy)) this.logger.warn({ club }, 'resuming an unfinished erasure');
      } catch (error) {
        this.logger.warn({ err: error, club }, 'unfinished erasure not resumed; tried again in a minute');
      }
    }
  }

  /** The replica stops: the erasures it holds are let go, for another replica to take over at once. */
  close(): void {
    for (const [key, renewal] of this.running) {
      clearInterval(renewal);
      const [club, athlete] = key.split('\u0000') as [string, string];
      this.release(club, athlete);
    }
    this.running.clear();
  }

  private release(club: string, athlete: string): void {
    try {
      this.deps.registry.releaseErasureClaim(club, athlete, this.runner);
    } catch (error) {
      this.logger.warn({ err: error, club }, 'erasure claim not let go: it lapses by itself');
    }
  }
}
