/** The part of a response an event stream writes to (http.ServerResponse, or a test's stand-in). */
export interface EventSink {
  write(chunk: string): boolean;
  on(event: 'drain', listener: () => void): unknown;
  /** Bytes written and not yet taken by the client. */
  readonly writableLength: number;
}

/** How much a client may leave unread before its stream skips updates. */
const DEFAULT_MAX_UNREAD_BYTES = 256 * 1024;

/**
 * One Server-Sent Events stream that honours back-pressure: while the client leaves more than
 * `maxUnreadBytes` unread, updates are skipped instead of queued (a slow client must not grow the
 * server's memory), and when it drains the client gets a fresh snapshot, so it catches up with the
 * latest state rather than the backlog. The check is made before writing: a snapshot larger than the
 * socket's buffer is written once, not taken for a slow client (which sent snapshot after snapshot to a
 * big club's screen and never an update).
 */
export class SseStream<Snapshot, Update> {
  private congested = false;

  constructor(
    private readonly sink: EventSink,
    private readonly snapshotNow: () => Snapshot,
    private readonly maxUnreadBytes = DEFAULT_MAX_UNREAD_BYTES,
  ) {
    sink.on('drain', () => {
      if (!this.congested) return;
      this.congested = false;
      this.send('snapshot', this.snapshotNow());
    });
  }

  /** Whether updates are being skipped until the client catches up. */
  get isCongested(): boolean {
    return this.congested;
  }

  sendSnapshot(): void {
    this.send('snapshot', this.snapshotNow());
  }

  sendUpdate(update: Update): void {
    if (this.hasRoom()) this.send('update', update);
  }

  heartbeat(): void {
    if (this.hasRoom()) this.sink.write(': keep-alive\n\n');
  }

  private hasRoom(): boolean {
    if (this.sink.writableLength > this.maxUnreadBytes) this.congested = true;
    return !this.congested;
  }

  private send(event: string, data: unknown): void {
    this.sink.write(`event: ${event}\ndata: ${jsonOf(data)}\n\n`);
  }
}

/** Every staff stream of a club is handed the same frame object: it is serialised once, not once per stream. */
const serialised = new WeakMap<object, string>();

function jsonOf(data: unknown): string {
  if (typeof data !== 'object' || data === null) return JSON.stringify(data);
  let text = serialised.get(data);
  if (text === undefined) {
    text = JSON.stringify(data);
    serialised.set(data, text);
  }
  return text;
}
