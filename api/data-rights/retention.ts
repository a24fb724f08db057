import type { Logger } from 'pino';
import type { ApiDeps } from '../app.ts';

/** The start of the day `months` calendar months before `nowMs` (UTC): what a club keeps begins there. */
export function retentionCutoff(nowMs: number, months: number): number {
  const now = new Date(nowMs);
  // The same day of the month, or the month's last day when it has fewer (31 May − 3 months: 28 or 29 February).
  const lastDay = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months + 1, 0)).getUTCDate();
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, Math.min(now.getUTCDate(), lastDay));
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
