import { z } from 'zod';
import { ClubParams, NoBody, NoQuery } from '../../protocol/api.ts';
import { ReportQuery, SessionReport } from '../../protocol/reports.ts';
import {
  Group,
  GroupCreate,
  GroupId,
  GroupPatch,
  MAX_BACKDATE_MS,
  Session,
  SessionId,
  SessionListQuery,
  SessionPatch,
  SessionStart,
} from '../../protocol/roster.ts';
import type { Api, ApiDeps, ApiSettings } from '../app.ts';
import { auditAs, requireClubAccess, requireUser } from '../auth/club-access.ts';
import { ApiError } from '../errors.ts';
import { buildSessionReport, recordReportTraining, recordSessionTraining } from '../reports/session-report.ts';
import { participantsOf } from './session-participants.ts';

const GroupParams = ClubParams.extend({ group: GroupId });
const SessionParams = ClubParams.extend({ session: SessionId });

/** Groups (classes, teams) and sessions: staff run them; an athlete sees the sessions they took part in. */
export function registerSessionRoutes(app: Api, deps: ApiDeps, settings: ApiSettings): void {
  const writeLimit = { rateLimit: { max: settings.writesPerMinute, timeWindow: 60_000 } };
  const audit = auditAs(deps.accounts);
  /** A session as shown: a running one with who is taking part so far. */
  const withParticipants = async (club: string, session: Session): Promise<Session> =>
    session.stopMs === null ? { ...session, participants: await participantsOf(deps, club, session.startMs, Date.now() + 1) } : session;

  // ---- groups

  app.get(
    '/api/v1/clubs/:club/groups',
    { schema: { params: ClubParams, querystring: NoQuery, response: { 200: z.object({ groups: z.array(Group) }) } } },
    async (request) => {
      requireClubAccess(request, request.params.club, 'staff');
      return { groups: deps.sessions.listGroups(request.params.club) };
    },
  );

  app.post(
    '/api/v1/clubs/:club/groups',
    { config: writeLimit, schema: { params: ClubParams, body: GroupCreate, response: { 201: Group } } },
    async (request, reply) => {
      requireClubAccess(request, request.params.club, 'staff');
      const group = deps.sessions.createGroup(request.params.club, request.body);
      audit(request, 'group-created', request.params.club, group.id);
      return reply.status(201).send(group);
    },
  );

  app.get(
    '/api/v1/clubs/:club/groups/:group',
    { schema: { params: GroupParams, querystring: NoQuery, response: { 200: Group } } },
    async (request) => {
      requireClubAccess(request, request.params.club, 'staff');
      return deps.sessions.getGroup(request.params.club, request.params.group) ?? notFound('no such group');
    },
  );

  app.patch(
    '/api/v1/clubs/:club/groups/:group',
    { config: writeLimit, schema: { params: GroupParams, body: GroupPatch, response: { 200: Group } } },
    async (request) => {
      requireClubAccess(request, request.params.club, 'staff');
      const group = deps.sessions.updateGroup(request.params.club, request.params.group, request.body) ?? notFound('no such group');
      audit(request, 'group-updated', request.params.club, group.id);
      return group;
    },
  );

  app.delete(
    '/api/v1/clubs/:club/groups/:group',
    { config: writeLimit, schema: { params: GroupParams, querystring: NoQuery, body: NoBody } },
    async (request, reply) => {
      requireClubAccess(request, request.params.club, 'staff');
      if (!deps.sessions.deleteGroup(request.params.club, request.params.group)) notFound('no such group');
      audit(request, 'group-removed', request.params.club, request.params.group);
      return reply.status(204).send();
    },
  );

  // ---- sessions

  app.get(
    '/api/v1/clubs/:club/sessions',
    { schema: { params: ClubParams, querystring: SessionListQuery, response: { 200: z.object({ sessions: z.array(Session) }) } } },
    async (request) => {
      const access = requireClubAccess(request, request.params.club, 'member');
      const sessions = deps.sessions.listSessions(request.params.club, request.query);
      if (access.staff) return { sessions };
      // An athlete sees the sessions they took part in (the stopped ones: a running one is the coach's to show).
      return { sessions: sessions.filter((session) => session.participants.some((participant) => participant.athlete === access.athlete)) };
    },
  );

  app.post(
    '/api/v1/clubs/:club/sessions',
    { config: writeLimit, schema: { params: ClubParams, body: SessionStart, response: { 201: Session } } },
    async (request, reply) => {
      const { club } = request.params;
      requireClubAccess(request, club, 'staff');
      const nowMs = Date.now();
      const { title, group, startMs, plan } = request.body;
      // A session started late (the coach forgot to press start) may begin up to a day back, never ahead.
      if (startMs !== undefined && (startMs > nowMs || startMs < nowMs - MAX_BACKDATE_MS))
        throw new ApiError('SC_ERR_VALIDATION', 'startMs must be within the last 24 hours');
      const session = deps.sessions.startSession(
        club,
        { title, group: group ?? null, coach: requireUser(request).user.id, plan: plan ?? null },
        startMs ?? nowMs,
      );
      audit(request, 'session-started', club, session.id);
      return reply.status(201).send(session);
    },
  );

  app.get(
    '/api/v1/clubs/:club/sessions/:session',
    { schema: { params: SessionParams, querystring: NoQuery, response: { 200: Session } } },
    async (request) => {
      const { club, session: id } = request.params;
      const access = requireClubAccess(request, club, 'member');
      const session = deps.sessions.getSession(club, id);
      if (!session || (!access.staff && !session.participants.some((participant) => participant.athlete === access.athlete)))
        notFound('no such session');
      return withParticipants(club, session!);
    },
  );

  app.patch(
    '/api/v1/clubs/:club/sessions/:session',
    { config: writeLimit, schema: { params: SessionParams, body: SessionPatch, response: { 200: Session } } },
    async (request) => {
      const { club, session: id } = request.params;
      requireClubAccess(request, club, 'staff');
      const session = deps.sessions.updateSession(club, id, request.body) ?? notFound('no such session');
      if (request.body.title !== undefined) deps.trainingLog.retitle(club, 'session', id, request.body.title);
      audit(request, 'session-updated', club, id);
      return withParticipants(club, session);
    },
  );

  app.delete(
    '/api/v1/clubs/:club/sessions/:session',
    { config: writeLimit, schema: { params: SessionParams, querystring: NoQuery, body: NoBody } },
    async (request, reply) => {
      const { club, session } = request.params;
      requireClubAccess(request, club, 'manager');
      if (!deps.sessions.deleteSession(club, session)) notFound('no such session');
      deps.trainingLog.forget(club, 'session', session);
      audit(request, 'session-removed', club, session);
      return reply.status(204).send();
    },
  );

  // The report: every participant's numbers and curve for staff; an athlete who took part gets their own row.
  app.get(
    '/api/v1/clubs/:club/sessions/:session/report',
    // Each read reads every participant's samples: rate-limited like a write.
    { config: writeLimit, schema: { params: SessionParams, querystring: ReportQuery, response: { 200: SessionReport } } },
    async (request) => {
      const { club, session: id } = request.params;
      const access = requireClubAccess(request, club, 'member');
      const found = deps.sessions.getSession(club, id);
      if (!found || (!access.staff && !found.participants.some((participant) => participant.athlete === access.athlete)))
        notFound('no such session');
      const session = await withParticipants(club, found!);
      const report = await buildSessionReport(deps, club, session, {
        widthPx: request.query.width,
        only: access.staff ? null : access.athlete,
        nowMs: Date.now(),
      });
      recordReportTraining(deps, club, report);
      return report;
    },
  );

  // Stopping freezes who took part and the time range, and gives the pool belts back to the pool.
  app.post(
    '/api/v1/clubs/:club/sessions/:session/stop',
    { config: writeLimit, schema: { params: SessionParams, querystring: NoQuery, body: NoBody, response: { 200: Session } } },
    async (request) => {
      const { club, session: id } = request.params;
      requireClubAccess(request, club, 'staff');
      const session = deps.sessions.getSession(club, id) ?? notFound('no such session');
      const stoppedAlready = () => new ApiError('SC_ERR_CONFLICT', 'this session has stopped already');
      if (session.stopMs !== null) throw stoppedAlready();
      const participants = await participantsOf(deps, club, session.startMs, Date.now() + 1);
      // The stop time is taken after the store answered: a check-in meanwhile belongs to the next session.
      const nowMs = Date.now();
      if (!deps.sessions.stopSession(club, id, participants, nowMs)) throw stoppedAlready();
      for (const device of deps.registry.listDevices(club, nowMs))
        if (device.owner === null && device.athlete !== null) deps.registry.endPairing(club, device.id, nowMs);
      audit(request, 'session-stopped', club, id);
      const stopped = deps.sessions.getSession(club, id)!;
      // The stop stands even when the store cannot be read now: reading the report later writes the log.
      await recordSessionTraining(deps, club, stopped).catch((error: unknown) =>
        request.log.warn({ err: error, session: id }, 'training log not written at stop; the next read of the report writes it'),
      );
      return stopped;
    },
  );
}

function notFound(message: string): never {
  throw new ApiError('SC_ERR_NOT_FOUND', message);
}
