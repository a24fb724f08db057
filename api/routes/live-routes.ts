import { ClubParams, NoQuery } from '../../protocol/api.ts';
import type { Api, ApiDeps, ApiSettings } from '../app.ts';
import { requireClubAccess, requireUser } from '../auth/club-access.ts';
import { ApiError } from '../errors.ts';
import { chartForAthlete, frameForAthlete, updateForAthlete } from '../live/athlete-view.ts';
import type { LiveFrame } from '../live/live-hub.ts';
import { SseStream } from '../live/sse-stream.ts';

const HEARTBEAT_MS = 15_000;
/** How soon a stream ends after its session did (logout, password change, removed person). */
const SESSION_RECHECK_MS = 5000;

/**
 * Server-Sent Events, one stream per open page: `snapshot` (tiles and the chart so far) at once,
 * then `update` once per second. EventSource reconnects by itself, and each reconnect gets a
 * fresh snapshot, so no event ids are needed. Staff see the whole club; an athlete sees their own tile.
 * A client that does not keep up gets no backlog: its updates are skipped until the socket drains,
 * then it gets a fresh snapshot. Each person may hold a few streams at once.
 */
export function registerLiveRoutes(app: Api, deps: ApiDeps, settings: ApiSettings): void {
  const openStreams = new Map<string, number>();
  /** Every stream open now: a stopping API ends them (EventSource reconnects, to another replica). */
  const streams = new Set<NodeJS.WritableStream & { end(): void }>();
  // Otherwise the server's close waits for them: a coach watching live would keep a SIGTERMed replica up.
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.end();
  });

  app.get('/api/v1/clubs/:club/live', { schema: { params: ClubParams, querystring: NoQuery } }, (request, reply) => {
    const { club } = request.params;
    const access = requireClubAccess(request, club, 'member');
    const { user, sessionToken } = requireUser(request);
    const open = openStreams.get(user.id) ?? 0;
    if (open >= settings.liveMaxStreamsPerUser) {
      throw new ApiError('SC_ERR_RATE_LIMITED', `at most ${settings.liveMaxStreamsPerUser} live streams at once: close a page`);
    }
    openStreams.set(user.id, open + 1);
    const athlete = access.staff ? null : access.athlete!;
    const snapshotNow = () => {
      const { update, chart } = deps.live.snapshot(club);
      return athlete ? { update: updateForAthlete(update, athlete), chart: chartForAthlete(chart, athlete) } : { update, chart };
    };

    reply.hijack();
    const stream = reply.raw;
    stream.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // nginx in front must not buffer the stream
    });
    streams.add(stream);
    const events = new SseStream(stream, snapshotNow);
    const unsubscribe = deps.live.subscribe(club, (frame: LiveFrame) =>
      events.sendUpdate(athlete ? frameForAthlete(frame, athlete) : frame),
    );
    events.sendSnapshot();
    const heartbeat = setInterval(() => events.heartbeat(), HEARTBEAT_MS);
    // Access was checked when the stream opened; a session that ended since must not keep it flowing.
    const recheck = setInterval(() => {
      try {
        if (!deps.accounts.resolveSession(sessionToken)) stream.end();
      } catch {
        // The registry is unreachable: nobody can log out meanwhile either; checked again next round.
      }
    }, SESSION_RECHECK_MS);
    // The response closes when the client goes (the request may have closed long before: it had no body).
    stream.on('close', () => {
      streams.delete(stream);
      clearInterval(heartbeat);
      clearInterval(recheck);
      unsubscribe();
      const left = (openStreams.get(user.id) ?? 1) - 1;
      if (left > 0) openStreams.set(user.id, left);
      else openStreams.delete(user.id);
    });
  });
}
