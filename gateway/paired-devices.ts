import type { Logger } from 'pino';
import { z } from 'zod';
import { Device } from '../protocol/api.ts';

const DevicesResponse = z.object({ devices: z.array(Device) });

/**
 * The club's paired wearables, read from the API: with GATEWAY_DEVICES=paired the gateway holds only
 * these, so a visitor's strap in the room is left alone. The last good list is kept while the API is
 * unreachable.
 */
export class PairedDevices {
  private ids = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private readonly log: Logger;

  constructor(private readonly options: { apiUrl: string; club: string; refreshMs: number; logger: Logger; brokerUrl?: string }) {
    this.log = options.logger.child({ module: 'pairings' });
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  async start(): Promise<void> {
    const api = new URL(this.options.apiUrl);
    if (
      api.protocol === 'http:' &&
      !['localhost', '127.0.0.1', '[::1]'].includes(api.hostname) &&
      this.options.brokerUrl &&
      new URL(this.options.brokerUrl).password
    ) {
      this.log.warn({ api: api.origin }, 'GATEWAY_API_URL is plain http: the gateway’s password travels unencrypted; use https');
    }
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The API knows the gateway by its MQTT credentials (the user name and password in MQTT_URL). */
  private authorization(): Record<string, string> {
    if (!this.options.brokerUrl) return {};
    const { username, password } = new URL(this.options.brokerUrl);
    if (!username) return {};
    const credentials = `${decodeURIComponent(username)}:${decodeURIComponent(password)}`;
    return { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` };
  }

  async refresh(): Promise<void> {
    const url = new URL(`/api/v1/clubs/${encodeURIComponent(this.options.club)}/devices`, this.options.apiUrl);
    try {
      const response = await fetch(url, { headers: this.authorization(), signal: AbortSignal.timeout(5000) });
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
      const { devices } = DevicesResponse.parse(await response.json());
      const paired = new Set(devices.filter((device) => device.athlete !== null).map((device) => device.id));
      if (paired.size !== this.ids.size || [...paired].some((id) => !this.ids.has(id)))
        this.log.info({ paired: paired.size }, 'paired devices updated');
      this.ids = paired;
    } catch (error) {
      this.log.warn({ err: error, kept: this.ids.size }, 'could not read the paired devices; keeping the last list');
    }
  }
}
