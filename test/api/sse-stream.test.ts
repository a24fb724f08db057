import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SseStream } from '../../api/live/sse-stream.ts';

/** A socket stand-in whose client reads nothing until drained; its buffer says "full" past `room` bytes. */
class SlowSink extends EventEmitter {
  written: string[] = [];
  buffered = 0;
  get writableLength(): number {
    return this.buffered;
  }
  constructor(private readonly room: number) {
    super();
  }
  write(chunk: string): boolean {
    this.written.push(chunk);
    this.buffered += chunk.length;
    return this.buffered < this.room;
  }
  drain(): void {
    this.buffered = 0;
    this.emit('drain');
  }
}

describe('a live event stream to a slow client', () => {
  it('skips updates while the socket is full and sends a fresh snapshot when it drains', () => {
    const sink = new SlowSink(1000);
    let state = 0;
    const stream = new SseStream(sink, () => ({ state }), 1000);
    stream.sendSnapshot();
    for (state = 1; state <= 100; state++) stream.sendUpdate({ tick: state, padding: 'x'.repeat(100) });
    // Repro from issue 7: every tick was written, the backlog growing without bound.
    expect(stream.isCongested).toBe(true);
    expect(sink.written.length).toBeLessThan(12);
    const skippedFrom = sink.written.length;
    state = 4242;
    sink.drain();
    expect(sink.written[skippedFrom]).toBe('event: snapshot\ndata: {"state":4242}\n\n');
    expect(stream.isCongested).toBe(false);
    stream.sendUpdate({ tick: 4243 });
    expect(sink.written.at(-1)).toContain('"tick":4243');
  });

  it('sends no heartbeat into a full socket, and nothing on a drain it did not wait for', () => {
    const full = new SlowSink(10);
    const congested = new SseStream(full, () => 'now', 10);
    congested.sendSnapshot();
    congested.heartbeat();
    expect(full.written).toHaveLength(1);
    const roomy = new SlowSink(10_000);
    const stream = new SseStream(roomy, () => 'now', 10_000);
    stream.sendSnapshot();
    roomy.drain();
    expect(roomy.written).toHaveLength(1);
  });

  it('writes a snapshot larger than the socket buffer once, then updates, to a client that keeps up', () => {
    // Repro from issue 12: a big club's snapshot (60 tiles, ten minutes of chart) is more than the
    // socket takes at once; taken for a slow client, it was sent again on every drain, and never an update.
    const sink = new SlowSink(16 * 1024);
    const stream = new SseStream(sink, () => ({ chart: 'x'.repeat(50_000) }), 256 * 1024);
    stream.sendSnapshot();
    sink.drain(); // the client read it
    stream.sendUpdate({ tick: 1 });
    sink.drain();
    stream.sendUpdate({ tick: 2 });
    expect(sink.written.map((chunk) => chunk.slice(0, chunk.indexOf('\n')))).toEqual(['event: snapshot', 'event: update', 'event: update']);
  });
});
