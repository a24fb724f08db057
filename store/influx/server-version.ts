export type WriteEndpoint = 'v1' | 'v2';

export interface ServerVersion {
  /** As the server reports it in X-Influxdb-Version ("1.6.7~rc0", "v2.7.4", "3.0.1"), or null. */
  raw: string | null;
  major: number | null;
  minor: number | null;
}

/** Asks /ping who answers. Servers that do not say (VictoriaMetrics, proxies) come back with nulls. */
export async function pingServer(url: string, timeoutMs: number): Promise<ServerVersion> {
  const response = await fetch(new URL('/ping', url), { signal: AbortSignal.timeout(timeoutMs) });
  if (response.status !== 204 && response.status !== 200) throw new Error(`InfluxDB /ping answered ${response.status}`);
  return parseServerVersion(response.headers.get('x-influxdb-version'));
}

export function parseServerVersion(raw: string | null): ServerVersion {
  const match = raw ? /^v?(\d+)\.(\d+)/.exec(raw) : null;
  return { raw, major: match ? Number(match[1]) : null, minor: match ? Number(match[2]) : null };
}

/**
 * /api/v2/write exists from 1.8 on (and in 2.x, 3.x and compatible servers); 1.6 and 1.7, as Debian
 * ships, only have the v1 /write. An unknown version is taken as modern.
 */
export function chooseWriteEndpoint(version: ServerVersion): WriteEndpoint {
  if (version.major === 1 && (version.minor ?? 0) < 8) return 'v1';
  if (version.major !== null && version.major < 1) return 'v1';
  return 'v2';
}
