import type { Logger } from 'pino';
import type { ApiDeps } from '../app.ts';

/** The start of the day `months` calendar months before `nowMs` (UTC): what a club keeps begins there. */
export function retentionCutoff(nowMs: number, months: number): number {
  const now = new Date(nowMs);
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, now.getUTCDate());
}

/**
 * Deletes, club by club, the samples older than each club keeps (a club setting). Runs at start and
 * hourly in the API; deletes in small transactions (SQLite) or one delete per club (InfluxDB), so ingest
 * keeps writing. The training log's numbers stay: they are what the member's page shows.
 */
export async function applyRetention(deps: Pick<ApiDeps, 'registry' | 'timeSeries'>, logger: Logger, nowMs = Date.now()): Promise<void> {
  for (const { club, months } of deps.registry.clubsWithRetention()) {
    const beforeMs = retentionCutoff(nowMs, months);
    await deps.timeSeries.deleteOlderThan(club, beforeMs);
    logger.info({ club, months, before: new Date(beforeMs).toISOString() }, 'retention applied');
  }
}
