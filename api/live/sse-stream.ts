/** The part of a response an event stream writes to (http.ServerResponse, or a test's stand-in). */
export interface EventSink {
  write(chunk: string): boolean;
  on(event: 'drain', listener: () => void): unknown;
}

/**
 * One Server-Sent Events stream that honours back-pressure: once the socket's buffer is full, updates
 * are skipped instead of queued (a slow client must not grow the server's memory), and when it drains
 * the client gets a fresh snapshot, so it catches up with the latest state rather than the backlog.
 */
export class SseStream<Snapshot, Update> {
  private congested = false;

  constructor(
    private readonly sink: EventSink,
    private readonly snapshotNow: () => Snapshot,
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
    if (!this.congested) this.send('update', update);
  }

  heartbeat(): void {
    if (!this.congested) this.write(': keep-alive\n\n');
  }

  private send(event: string, data: unknown): void {
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private write(chunk: string): void {
    if (!this.sink.write(chunk)) this.congested = true;
  }
}
