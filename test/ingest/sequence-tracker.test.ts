import { describe, expect, it } from 'vitest';
import { MAX_TRACKED_GATEWAYS, SequenceTracker } from '../../ingest/sequence-tracker.ts';

describe('sequence tracking', () => {
  it('tells a gap, a late arrival that fills it, and a repeat apart', () => {
    const tracker = new SequenceTracker();
    const seen = [0, 1, 4, 2, 5, 4, 3].map((seq) => tracker.observe('club/gw', seq));
    expect(seen.map((s) => s.newlyMissing)).toEqual([0, 0, 2, 0, 0, 0, 0]);
    expect(seen.map((s) => s.late)).toEqual([false, false, false, true, false, false, true]);
    expect(seen.map((s) => s.repeat)).toEqual([false, false, false, false, false, true, false]);
    expect(tracker.missingCount()).toBe(0);
  });

  it('keeps gateways apart and counts what is still missing', () => {
    const tracker = new SequenceTracker();
    tracker.observe('a/gw', 10);
    tracker.observe('a/gw', 13);
    tracker.observe('b/gw', 10);
    expect(tracker.observe('b/gw', 11).newlyMissing).toBe(0);
    expect(tracker.missingCount()).toBe(2);
  });

  it('tracks a bounded number of gateways, forgetting the one heard from least recently', () => {
    const tracker = new SequenceTracker();
    tracker.observe('kept', 1);
    for (let i = 0; i < MAX_TRACKED_GATEWAYS + 500; i++) {
      tracker.observe(`made-up-${i}`, 0);
      if (i % 1000 === 0) tracker.observe('kept', 2 + i / 1000);
    }
    expect(tracker.trackedGateways).toBe(MAX_TRACKED_GATEWAYS);
    // The gateway that kept talking is still known: its next message is neither a gap nor a repeat.
    expect(tracker.observe('kept', 3 + (MAX_TRACKED_GATEWAYS + 499 - ((MAX_TRACKED_GATEWAYS + 499) % 1000)) / 1000)).toEqual({
      newlyMissing: 0,
      late: false,
      repeat: false,
    });
    expect(tracker.observe('made-up-0', 0).repeat).toBe(false); // forgotten: seen as new
  });
});
