import type { StoredPoint } from '../../store/time-series-store.ts';
import type { ApiDeps } from '../app.ts';

export interface Progress {
  done: number;
  total: number;
  step: string;
}

export interface ErasureResult {
  intervals: number;
  queuedPoints: number;
  deadLetters: number;
  logins: number;
}

/** How long an erasure waits at most for ingest to write the batches it had read before the erasure began. */
export const INGEST_SETTLE_MS = 30_000;

type ErasureDeps = Pick<ApiDeps, 'registry' | 'timeSeries' | 'ingestQueue' | 'deadLetters' | 'live' | 'ingestElsewhere'>;

/**
 * Erases an athlete from a club (GDPR art. 17). In order:
 * 1. their own open pairings end now, and every stretch of time a device carried them (the pairing log
 *    and their uploads, up to now) is remembered as erased: ingest drops anything that arrives for it later
 *    (a gateway's replay, a batch in flight);
 * 2. the points still queued in ingest, their samples in the time-series store by those stretches (so
 *    samples a strap sent before it was paired to them go too) and any sample tagged with them, the dead
 *    letters holding their samples, and what the live view holds of them;
 * 3. once ingest has written every batch it had read before step 1 (or `settleMs` passed), the store is
 *    swept again; then every registry row about them, and the request. Workers on other hosts (the
 *    registry on PostgreSQL) have queues this process cannot see: it waits the whole `settleMs`, by when
 *    each has read the erased stretches again (every few seconds) and drops what falls in them.
 * Interrupted, it is resumed from the request (the API does so at start): every step can run twice.
 */
export async function eraseAthlete(
  deps: ErasureDeps,
  club: string,
  athlete: string,
  onProgress: (progress: Progress) => void,
  settleMs = INGEST_SETTLE_MS,
): Promise<ErasureResult> {
  const nowMs = Date.now();
  deps.registry.endPairingsOf(club, athlete, nowMs);
  const worn = deps.registry.everythingWorn(club, athlete, nowMs);
  deps.registry.recordErasedIntervals(club, worn);
  const lastQueued = deps.ingestQueue.lastId();
  const devices = new Set(worn.map((wear) => wear.device));
  const total = worn.length * 2 + 4;
  let done = 0;
  const step = (name: string) => onProgress({ done: ++done, total, step: name });
  const theirs = (point: Pick<StoredPoint, 'club' | 'device' | 'athlete' | 'timeMs'>) =>
    point.club === club &&
    (point.athlete === athlete ||
      worn.some((wear) => wear.device === point.device && point.timeMs >= wear.fromMs && point.timeMs < wear.toMs));

  const queuedPoints = await deps.ingestQueue.erase(theirs);
  step('ingest queue');
  const sweep = async (pass: string) => {
    for (const wear of worn) {
      await deps.timeSeries.deleteRange({ club, ...wear });
      step(pass);
    }
    await deps.timeSeries.deleteAthlete(club, athlete);
  };
  await sweep('samples');
  // Letters are the club's already: a sample in one is theirs by device and time (or by their tag).
  const deadLetters = await deps.deadLetters.erase(club, (letter) =>
    letterIsTheirs(letter, devices, (sample) => theirs({ ...sample, club })),
  );
  step('dead letters');
  deps.live.forget(club, [...devices], athlete);
  const settledBy = Date.now() + settleMs;
  const settled = () => !deps.ingestElsewhere && deps.ingestQueue.drainedThrough(lastQueued);
  while (!settled() && Date.now() < settledBy) await new Promise((resolve) => setTimeout(resolve, 200));
  step('ingest settled');
  await sweep('samples, second pass');
  const { logins } = deps.registry.eraseAthlete(club, athlete);
  step('registry');
  return { intervals: worn.length, queuedPoints, deadLetters, logins };
}

/**
 * Whether a dead letter holds the athlete's samples: parsed when it is JSON (a whole message, or the points
 * a store refused), matched by device and sample time; a truncated preview, by one of their devices' ids.
 */
function letterIsTheirs(
  letter: { payload: Buffer },
  devices: ReadonlySet<string>,
  theirs: (sample: { device: string; athlete: string | null; timeMs: number }) => boolean,
): boolean {
  const text = letter.payload.toString('utf8');
  try {
    const parsed = JSON.parse(text) as { samples?: unknown } | unknown[];
    const items = Array.isArray(parsed) ? parsed : Array.isArray(parsed?.samples) ? parsed.samples : [];
    return items.some((item) => {
      const sample = item as { device?: unknown; athlete?: unknown; timeMs?: unknown };
      return (
        typeof sample.device === 'string' &&
        typeof sample.timeMs === 'number' &&
        theirs({ device: sample.device, athlete: typeof sample.athlete === 'string' ? sample.athlete : null, timeMs: sample.timeMs })
      );
    });
  } catch {
    return [...devices].some((device) => text.includes(`"${device}"`));
  }
}
