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

/** How long ingest may still hold a batch it read before the erasure began (its flush interval, with margin). */
export const INGEST_SETTLE_MS = 5000;

/**
 * Erases an athlete from a club (GDPR art. 17): their samples in the time-series store by every interval
 * a device carried them (so samples stored before a strap was paired to them go too), the points still
 * queued in ingest, the dead letters from their devices in those times, the live view's memory of them,
 * and then every registry row about them. The registry goes last: an erasure interrupted halfway can be
 * run again and finds everything still to erase. A second pass over the store after ingest settles
 * catches a batch that was on its way while the first pass ran.
 */
export async function eraseAthlete(
  deps: Pick<ApiDeps, 'registry' | 'timeSeries' | 'ingestQueue' | 'deadLetters' | 'live'>,
  club: string,
  athlete: string,
  onProgress: (progress: Progress) => void,
  settleMs = INGEST_SETTLE_MS,
): Promise<ErasureResult> {
  const nowMs = Date.now();
  // From now on nothing new is theirs: their devices' pairings end before anything is deleted.
  const worn = deps.registry.everythingWorn(club, athlete, nowMs);
  for (const device of new Set(worn.map((wear) => wear.device))) deps.registry.endPairing(club, device, nowMs);
  const devices = new Set(worn.map((wear) => wear.device));
  const total = worn.length * 2 + 3;
  let done = 0;
  const step = (name: string) => onProgress({ done: ++done, total, step: name });
  const theirs = (device: string, timeMs: number) =>
    worn.some((wear) => wear.device === device && timeMs >= wear.fromMs && timeMs < wear.toMs);

  const queuedPoints = await deps.ingestQueue.erase(
    (point) => point.club === club && (point.athlete === athlete || theirs(point.device, point.timeMs)),
  );
  step('ingest queue');
  const deleteSamples = async (pass: string) => {
    for (const wear of worn) {
      await deps.timeSeries.deleteRange({ club, ...wear });
      step(pass);
    }
  };
  await deleteSamples('samples');
  await deps.timeSeries.deleteAthlete(club, athlete);
  const deadLetters = await deps.deadLetters.erase(club, (letter) => {
    const text = letter.payload.toString('utf8');
    return [...devices].some(
      (device) =>
        text.includes(`"${device}"`) &&
        worn.some(
          (wear) => wear.device === device && letter.receivedMs >= wear.fromMs - 3_600_000 && letter.receivedMs < wear.toMs + 3_600_000,
        ),
    );
  });
  step('dead letters');
  deps.live.forget(club, [...devices], athlete);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  await deleteSamples('samples, second pass');
  await deps.timeSeries.deleteAthlete(club, athlete);
  const { logins } = deps.registry.eraseAthlete(club, athlete);
  step('registry');
  return { intervals: worn.length, queuedPoints, deadLetters, logins };
}
