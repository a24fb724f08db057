/** Watches each gateway's sequence numbers to count lost and repeated messages. */
export class SequenceTracker {
  private readonly lastSeq = new Map<string, number>();

  /** Returns how many messages are missing before this one (gap) and whether it is a repeat. */
  observe(gatewayKey: string, seq: number): { missing: number; repeat: boolean } {
    const last = this.lastSeq.get(gatewayKey);
    if (last === undefined || seq > last) {
      this.lastSeq.set(gatewayKey, seq);
      return { missing: last === undefined ? 0 : seq - last - 1, repeat: false };
    }
    return { missing: 0, repeat: true };
  }
}
