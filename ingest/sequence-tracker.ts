/** How far back a gateway's missing sequence numbers are remembered (a longer gap is counted, not listed). */
const MAX_REMEMBERED_MISSING = 1000;
/** Gateways tracked at once; the one heard from least recently is forgotten first. */
export const MAX_TRACKED_GATEWAYS = 10_000;

export interface SequenceObservation {
  /** Messages skipped by this one (a gap opened). */
  newlyMissing: number;
  /** This message fills an earlier gap (it arrived after a later one). */
  late: boolean;
  /** Seen before, or not above the gateway's sequence (redelivery, or a gateway that restarted its count). */
  repeat: boolean;
}

/** Watches each gateway's sequence numbers: what is missing, what arrived late, what came twice. */
export class SequenceTracker {
  private readonly gateways = new Map<string, { highest: number; missing: Set<number> }>();

  observe(gatewayKey: string, seq: number): SequenceObservation {
    const state = this.gateways.get(gatewayKey);
    if (!state) {
      if (this.gateways.size >= MAX_TRACKED_GATEWAYS) this.gateways.delete(this.gateways.keys().next().value!);
      this.gateways.set(gatewayKey, { highest: seq, missing: new Set() });
      return { newlyMissing: 0, late: false, repeat: false };
    }
    // Most recently heard last: Map keeps insertion order, so the first key is the one to forget.
    this.gateways.delete(gatewayKey);
    this.gateways.set(gatewayKey, state);
    if (seq > state.highest) {
      const newlyMissing = seq - state.highest - 1;
      for (let skipped = Math.max(state.highest + 1, seq - MAX_REMEMBERED_MISSING); skipped < seq; skipped++) state.missing.add(skipped);
      while (state.missing.size > MAX_REMEMBERED_MISSING) state.missing.delete(state.missing.values().next().value!);
      state.highest = seq;
      return { newlyMissing, late: false, repeat: false };
    }
    if (state.missing.delete(seq)) return { newlyMissing: 0, late: true, repeat: false };
    return { newlyMissing: 0, late: false, repeat: true };
  }

  get trackedGateways(): number {
    return this.gateways.size;
  }

  /** Sequence numbers skipped and not (yet) arrived, over all gateways. */
  missingCount(): number {
    let total = 0;
    for (const state of this.gateways.values()) total += state.missing.size;
    return total;
  }
}
