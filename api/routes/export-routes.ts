import { z } from 'zod';
import { ClubParams } from '../../protocol/api.ts';
import type { ActivitySecond } from '../../protocol/fit-activity.ts';
import { AthleteId } from '../../protocol/ids.ts';
import { TimeZone } from '../../protocol/reports.ts';
import { SessionId } from '../../protocol/roster.ts';
import type { Api, ApiDeps, ApiSettings } from '../app.ts';
import { requireClubAccess } from '../auth/club-access.ts';
import { ApiError } from '../errors.ts';
import {
  athleteSeconds,
  extensionColumns,
  secondsCsv,
  secondsCsvHeader,
  secondsCsvRow,
  sessionFitActivity,
} from '../exports/athlete-seconds.ts';

const SessionParams = ClubParams.extend({ session: SessionId });
const AthleteSessionParams = SessionParams.extend({ athlete: AthleteId });
/** The wearer's time zone (the page sends the browser's), for the activity's local time. */
const ExportQuery = z.object({ tz: TimeZone.default('UTC') }).strict();

/**
 * A session's samples to take elsewhere: per athlete a FIT activity (Strava, Garmin Connect,
 * GoldenCheetah) or a CSV a second; per session (staff) one CSV of every athlete's seconds.
 */
export function registerExportRoutes(app: Api, deps: ApiDeps, settings: ApiSettings): void {
  // Each export reads a whole session's samples: limited like a write.
  const exportLimit = { rateLimit: { max: settings.writesPerMinute, timeWindow: 60_000 } };
  /** The session, when the caller may export this athlete's part of it (staff: any participant; an athlete: their own). */
  const sessionFor = (request: Parameters<typeof requireClubAccess>[0], club: string, id: string, athlete: string | null) => {
    const access = requireClubAccess(request, club, 'member');
    const session = deps.sessions.getSession(club, id);
    const takesPart = (who: string) => session?.participants.some((participant) => participant.athlete === who) ?? false;
    if (!session || (athlete !== null && !takesPart(athlete)) || (!access.staff && (athlete === null || access.athlete !== athlete)))
      throw new ApiError('SC_ERR_NOT_FOUND', 'no such session, or not yours');
    return { ...session, stopMs: session.stopMs ?? Date.now() };
  };

  app.get(
    '/api/v1/clubs/:club/sessions/:session/athletes/:athlete/export.fit',
    { config: exportLimit, schema: { params: AthleteSessionParams, querystring: ExportQuery } },
    async (request, reply) => {
      const { club, session: id, athlete } = request.params;
      const session = sessionFor(request, club, id, athlete);
      const seconds = await athleteSeconds(deps, club, athlete, session.startMs, session.stopMs);
      const file = sessionFitActivity(deps, club, athlete, seconds, session, request.query.tz);
      return reply
        .type('application/vnd.ant.fit')
        .header('content-disposition', `attachment; filename="${fileName(session, athlete)}.fit"`)
        .send(Buffer.from(file));
    },
  );

  app.get(
    '/api/v1/clubs/:club/sessions/:session/athletes/:athlete/export.csv',
    { config: exportLimit, schema: { params: AthleteSessionParams, querystring: ExportQuery } },
    async (request, reply) => {
      const { club, session: id, athlete } = request.params;
      const session = sessionFor(request, club, id, athlete);
      const seconds = await athleteSeconds(deps, club, athlete, session.startMs, session.stopMs);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${fileName(session, athlete)}.csv"`)
        .send(secondsCsv(seconds));
    },
  );

  app.get(
    '/api/v1/clubs/:club/sessions/:session/export.csv',
    { config: exportLimit, schema: { params: SessionParams, querystring: ExportQuery } },
    async (request, reply) => {
      const { club, session: id } = request.params;
      const session = sessionFor(request, club, id, null);
      const everyone: [string, ActivitySecond[]][] = [];
      for (const { athlete } of session.participants)
        everyone.push([athlete, await athleteSeconds(deps, club, athlete, session.startMs, session.stopMs)]);
      const extra = extensionColumns(everyone.flatMap(([, seconds]) => seconds));
      const rows: string[] = [`athlete,${secondsCsvHeader(extra)}`];
      for (const [athlete, seconds] of everyone) for (const second of seconds) rows.push(`${athlete},${secondsCsvRow(second, extra)}`);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${fileName(session, 'all')}.csv"`)
        .send(rows.join('\n'));
    },
  );
}

/** "2026-11-03-tuesday-intervals-ann": the date, the title as letters and digits, and whose. */
export function fileName(session: { startMs: number; title: string }, who: string): string {
  const title = session.title
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .slice(0, 40);
  return `${new Date(session.startMs).toISOString().slice(0, 10)}-${title || 'session'}-${who}`;
}
