import { describe, expect, it } from 'vitest';
import { SequenceTracker } from '../../ingest/sequence-tracker.ts';

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
});
