import type { DevicesMessage } from '../protocol/mqtt/gateway-state.ts';

export interface CoordinatorOptions {
  /** A peer's list older than this is ignored (the peer is gone). */
  peerFreshMs: number;
  /** A peer must hear a device this much better to win it. */
  rssiMarginDb: number;
  now?: () => number;
}

export const defaultCoordinatorOptions: CoordinatorOptions = { peerFreshMs: 30_000, rssiMarginDb: 3 };

/**
 * Several gateways in one club share the air: each publishes the devices it sees (with RSSI) and holds
 * (retained devices topic); from the others' lists, a gateway decides whether a wearable is its to
 * take. A device held by a peer is left alone; among gateways that hear it advertising, the best RSSI
 * takes it. A gateway whose link fades lets go, and the best of the rest takes over.
 */
export class RoomCoordinator {
  private readonly peers = new Map<string, DevicesMessage & { receivedMs: number }>();
  private readonly now: () => number;

  constructor(private readonly options: CoordinatorOptions = defaultCoordinatorOptions) {
    this.now = options.now ?? Date.now;
  }

  onPeerDevices(message: DevicesMessage): void {
    this.peers.set(message.gateway, { ...message, receivedMs: this.now() });
  }

  hasPeers(): boolean {
    return this.freshPeers().length > 0;
  }

  /** Whether this gateway, hearing the device at rssiDbm, should connect to it. */
  mayTake(deviceId: string, rssiDbm: number): boolean {
    for (const peer of this.freshPeers()) {
      const seen = peer.devices.find((device) => device.id === deviceId);
      if (!seen) continue;
      if (seen.connected) return false;
      const recentlyHeard = this.now() - seen.lastSeenMs < this.options.peerFreshMs;
      if (recentlyHeard && seen.rssiDbm !== undefined && seen.rssiDbm > rssiDbm + this.options.rssiMarginDb) return false;
    }
    return true;
  }

  private freshPeers() {
    return [...this.peers.values()].filter((peer) => this.now() - peer.receivedMs < this.options.peerFreshMs);
  }
}
