import type { MqttClient } from 'mqtt';

/** The part of MQTT.js a hold needs: its keep-alive controls (public methods of MqttClient). */
export type KeepAliveControls = Pick<MqttClient, 'sendPing' | 'reschedulePing'>;

export interface AcknowledgementHoldOptions {
  /** The MQTT keep-alive of the connection, seconds. */
  keepaliveS: number;
  /** How often to look for room when nothing said there is some (a safety net for a missed notification), ms. */
  recheckMs?: number;
}

/**
 * Holds one message's acknowledgement while the ingest queue is full. MQTT.js reads the next packet
 * only after `done()`, so holding it is what makes the broker keep the backlog; but a PINGRESP is a
 * packet too, and MQTT.js would call the connection dead after 1.5 × keep-alive without one and
 * reconnect. So while holding, the hold sends the PINGREQs itself (the broker sees a live client) and
 * tells MQTT.js's keep-alive timer that the link is alive: liveness then rests on those writes, which
 * fail when the broker is gone.
 */
export class AcknowledgementHold {
  private held: { resume: () => void } | null = null;
  private pinger: NodeJS.Timeout | null = null;
  private recheck: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: KeepAliveControls,
    private readonly hasRoom: () => boolean,
    private readonly options: AcknowledgementHoldOptions,
  ) {}

  get holding(): boolean {
    return this.held !== null;
  }

  /** Keeps `resume` until there is room again (it then runs once); keeps the link alive meanwhile. */
  hold(resume: () => void): void {
    this.release();
    this.held = { resume };
    // A PINGRESP may already sit behind the held message: count the link alive from now, not from the last one read.
    this.client.reschedulePing(true);
    const pingEveryMs = Math.max(100, (this.options.keepaliveS * 1000) / 2);
    this.pinger = setInterval(() => {
      this.client.sendPing();
      this.client.reschedulePing(true);
    }, pingEveryMs);
    this.recheck = setInterval(() => this.resumeIfRoom(), this.options.recheckMs ?? 1000);
  }

  /** Called when the queue shrank: resumes the held message if it fits now. */
  resumeIfRoom(): void {
    if (!this.held || !this.hasRoom()) return;
    const { resume } = this.held;
    this.release();
    resume();
  }

  /** Forgets the held message without resuming it (stopping: the broker redelivers it to the next session). */
  release(): void {
    if (this.pinger) clearInterval(this.pinger);
    if (this.recheck) clearInterval(this.recheck);
    this.pinger = null;
    this.recheck = null;
    this.held = null;
  }
}
