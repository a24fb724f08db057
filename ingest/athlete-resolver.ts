import type { Registry } from '../store/registry.ts';

/** Pairings read per club reach this far back; an older sample (a long outbox replay) has them read again from its time. */
const CACHED_SPAN_MS = 26 * 3_600_000;
/** How often a club's cached span moves on with the clock, with no change to the pairings. */
const SPAN_REFRESH_MS = 60_000;

interface ClubPairings {
  /** Per device, its pairings by start, oldest first. */
  byDevice: Map<string, { athlete: string; fromMs: number; toMs: number }[]>;
  readMs: number;
  sinceMs: number;
}

/**
 * Who wore a device when a sample was taken, as the pairing log says, for every sample ingest stores.
 * The log is read once per club, not once per device and message, and read again as soon as it changed
 * (a counter the database bumps on every change, checked once per group of messages): a sample is never
 * tagged with a pairing that has ended, an erased athlete's included.
 */
export class AthleteResolver {
  private readonly clubs = new Map<string, ClubPairings>();
  private version: number | null = null;

  constructor(
    private readonly registry: Pick<Registry, 'pairingLog' | 'pairingsVersion'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Forgets what it holds if the pairing log changed since it was read. */
  refreshIfPairingsChanged(): void {
    const version = this.registry.pairingsVersion();
    if (version !== this.version) this.clubs.clear();
    this.version = version;
  }

  athleteAt(club: string, device: string, timeMs: number): string | null {
    return this.wearersIn(club)(device, timeMs);
  }

  /** Who wore which device in a club: the club's pairings looked up once for a whole message. */
  wearersIn(club: string): (device: string, timeMs: number) => string | null {
    let pairings = this.pairingsOf(club);
    return (device, timeMs) => {
      // Once for a whole replay of old messages, not once per sample.
      if (timeMs < pairings.sinceMs) pairings = this.read(club, timeMs, pairings.readMs);
      const worn = pairings.byDevice.get(device);
      if (!worn) return null;
      // The latest start first, as the registry answers when pairings overlap.
      for (let index = worn.length - 1; index >= 0; index--) {
        const pairing = worn[index]!;
        if (timeMs >= pairing.fromMs && timeMs < pairing.toMs) return pairing.athlete;
      }
      return null;
    };
  }

  private pairingsOf(club: string): ClubPairings {
    const nowMs = this.now();
    const known = this.clubs.get(club);
    if (known && nowMs - known.readMs < SPAN_REFRESH_MS) return known;
    return this.read(club, nowMs - CACHED_SPAN_MS, nowMs);
  }

  /** The club's pairings from `sinceMs` on, kept as its cache (read at `readMs`). */
  private read(club: string, sinceMs: number, readMs: number): ClubPairings {
    const byDevice = new Map<string, { athlete: string; fromMs: number; toMs: number }[]>();
    for (const pairing of this.registry.pairingLog(club, sinceMs, Number.MAX_SAFE_INTEGER)) {
      const list = byDevice.get(pairing.device) ?? [];
      list.push({ athlete: pairing.athlete, fromMs: pairing.fromMs, toMs: pairing.toMs ?? Number.POSITIVE_INFINITY });
      byDevice.set(pairing.device, list);
    }
    const fresh = { byDevice, readMs, sinceMs };
    this.clubs.set(club, fresh);
    return fresh;
  }
}
