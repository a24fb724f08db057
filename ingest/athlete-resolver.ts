import type { Registry } from '../store/registry.ts';

/** How long a club's pairings are trusted before they are read again. */
const PAIRINGS_TTL_MS = 1000;
/** Pairings read per club reach this far back; older samples (a long outbox replay) ask the registry one by one. */
const CACHED_SPAN_MS = 26 * 3_600_000;

interface ClubPairings {
  byDevice: Map<string, { athlete: string; fromMs: number; toMs: number }[]>;
  readMs: number;
  sinceMs: number;
}

/**
 * Who wore a device when a sample was taken, as the pairing log says, for every sample ingest stores.
 * One registry read per club and second instead of one per device and message: pairings change on a
 * human time scale, and the athlete tag is a hint (history and reports read the pairing log itself).
 */
export class AthleteResolver {
  private readonly clubs = new Map<string, ClubPairings>();

  constructor(
    private readonly registry: Pick<Registry, 'pairingLog' | 'resolveAthlete'>,
    private readonly now: () => number = Date.now,
  ) {}

  athleteAt(club: string, device: string, timeMs: number): string | null {
    const pairings = this.pairingsOf(club);
    if (timeMs < pairings.sinceMs) return this.registry.resolveAthlete(club, device, timeMs);
    const worn = pairings.byDevice.get(device);
    if (!worn) return null;
    for (const pairing of worn) if (timeMs >= pairing.fromMs && timeMs < pairing.toMs) return pairing.athlete;
    return null;
  }

  private pairingsOf(club: string): ClubPairings {
    const nowMs = this.now();
    const known = this.clubs.get(club);
    if (known && nowMs - known.readMs < PAIRINGS_TTL_MS) return known;
    const sinceMs = nowMs - CACHED_SPAN_MS;
    const byDevice = new Map<string, { athlete: string; fromMs: number; toMs: number }[]>();
    for (const pairing of this.registry.pairingLog(club, sinceMs, Number.MAX_SAFE_INTEGER)) {
      const list = byDevice.get(pairing.device) ?? [];
      list.push({ athlete: pairing.athlete, fromMs: pairing.fromMs, toMs: pairing.toMs ?? Number.POSITIVE_INFINITY });
      byDevice.set(pairing.device, list);
    }
    const fresh = { byDevice, readMs: nowMs, sinceMs };
    this.clubs.set(club, fresh);
    return fresh;
  }
}
