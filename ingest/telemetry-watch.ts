/**
 * Notices the silent failure: ingest connected, gateways saying they hold wearables, and yet no
 * telemetry arriving (a subscription the broker lost, an ACL that drops our reads). Gateways republish
 * their retained devices list every few seconds; one that lists a connected device is sending telemetry.
 * Ingest reads those lists on a connection of their own, apart from the session being watched.
 */
export class TelemetryWatch {
  private connectedSinceMs: number | null = null;
  private lastTelemetryMs: number | null = null;
  private lastGatewayHoldingMs: number | null = null;

  constructor(private readonly stallAfterMs: number) {}

  onConnected(nowMs: number): void {
    this.connectedSinceMs = nowMs;
  }

  onDisconnected(): void {
    this.connectedSinceMs = null;
  }

  onTelemetry(nowMs: number): void {
    this.lastTelemetryMs = nowMs;
  }

  /** A gateway's devices list arrived; holding: it lists at least one connected device. */
  onGatewayDevices(holding: boolean, nowMs: number): void {
    if (holding) this.lastGatewayHoldingMs = nowMs;
  }

  /** Connected for the whole window, a gateway held devices within it, and no telemetry within it. */
  isStalled(nowMs: number): boolean {
    if (this.connectedSinceMs === null || nowMs - this.connectedSinceMs < this.stallAfterMs) return false;
    if (this.lastGatewayHoldingMs === null || nowMs - this.lastGatewayHoldingMs > this.stallAfterMs) return false;
    return this.lastTelemetryMs === null || nowMs - this.lastTelemetryMs > this.stallAfterMs;
  }

  /** Seconds since the last telemetry message, or null before the first. */
  secondsSinceTelemetry(nowMs: number): number | null {
    return this.lastTelemetryMs === null ? null : (nowMs - this.lastTelemetryMs) / 1000;
  }
}
