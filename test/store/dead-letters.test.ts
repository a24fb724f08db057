import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../store/database.ts';
import { DeadLetters } from '../../store/dead-letters.ts';

describe('dead letters', () => {
  it('keep a bounded preview of a rejected message, and the whole of points the store refused', () => {
    const letters = new DeadLetters(openDatabase(':memory:'), { keepPayloadBytes: 100, maxAgeMs: 60_000, maxCount: 1000 });
    // Repro from issue 7: a 100 MB publish was kept whole.
    letters.record({
      receivedMs: 1,
      topic: 'sc/v1/club-a/gw/telemetry',
      reason: 'payload_too_large',
      detail: 'big',
      payload: Buffer.alloc(5_000_000, 0x61),
    });
    letters.record({
      receivedMs: 2,
      topic: '(ingest queue)',
      club: 'club-a',
      reason: 'store_rejected',
      detail: 'refused',
      payload: Buffer.alloc(5000, 0x62),
    });
    const [refused, big] = letters.list({ limit: 10 });
    expect(big).toMatchObject({ club: 'club-a', payloadBytes: 5_000_000 });
    expect(big!.payload.length).toBe(100);
    expect(refused).toMatchObject({ club: 'club-a', payloadBytes: 5000 });
    expect(refused!.payload.length).toBe(5000);
  });

  it('forget letters past their age and beyond their number', () => {
    const letters = new DeadLetters(openDatabase(':memory:'), { keepPayloadBytes: 100, maxAgeMs: 10_000, maxCount: 50 });
    for (let i = 0; i < 250; i++)
      letters.record({
        receivedMs: i * 100,
        topic: 'sc/v1/c/gw/telemetry',
        reason: 'invalid_json',
        detail: '',
        payload: Buffer.from(String(i)),
      });
    letters.prune(25_000);
    const kept = letters.list({ limit: 1000 });
    expect(kept.length).toBeLessThanOrEqual(50);
    expect(kept.every((letter) => letter.receivedMs >= 15_000)).toBe(true);
    expect(kept[0]!.payload.toString()).toBe('249');
  });
});
