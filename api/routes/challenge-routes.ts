import { z } from 'zod';
import { ClubParams, NoBody, NoQuery } from '../../protocol/api.ts';
import { AthleteId } from '../../protocol/ids.ts';
import { ChallengeCreate, ChallengeId, ChallengeView, Leaderboard } from '../../protocol/reports.ts';
import type { Challenge } from '../../store/challenges.ts';
import type { Api, ApiDeps, ApiSettings } from '../app.ts';
import { type ClubAccess, requireClubAccess, requireUser } from '../auth/club-access.ts';
import { ApiError } from '../errors.ts';
import { screenNameOf } from '../live/club-live-state.ts';

const ChallengeParams = ClubParams.extend({ challenge: ChallengeId });
const EntryParams = ChallengeParams.extend({ athlete: AthleteId });

/**
 * Club challenges (effort points over a period): staff set them up; athletes opt in themselves, because a
 * leaderboard shows health data to the club, and only those who opted in appear on it.
 */
export function registerChallengeRoutes(app: Api, deps: ApiDeps, settings: ApiSettings): void {
  const writeLimit = { rateLimit: { max: settings.writesPerMinute, timeWindow: 60_000 } };
  const viewOf = (challenge: Challenge, access: ClubAccess) => ({
    id: challenge.id,
    title: challenge.title,
    fromMs: challenge.fromMs,
    toMs: challenge.toMs,
    entrants: challenge.entrants.length,
    joined: access.athlete !== null && challenge.entrants.includes(access.athlete),
  });
  const challengeOr404 = (club: string, id: string) => deps.challenges.get(club, id) ?? notFound('no such challenge');

  app.get(
    '/api/v1/clubs/:club/challenges',
    { schema: { params: ClubParams, querystring: NoQuery, response: { 200: z.object({ challenges: z.array(ChallengeView) }) } } },
    async (request) => {
      const access = requireClubAccess(request, request.params.club, 'member');
      return { challenges: deps.challenges.list(request.params.club).map((challenge) => viewOf(challenge, access)) };
    },
  );

  app.post(
    '/api/v1/clubs/:club/challenges',
    { config: writeLimit, schema: { params: ClubParams, body: ChallengeCreate, response: { 201: ChallengeView } } },
    async (request, reply) => {
      const { club } = request.params;
      const access = requireClubAccess(request, club, 'staff');
      const challenge = deps.challenges.create(club, request.body);
      deps.accounts.audit({ actor: requireUser(request).user.id, action: 'challenge-created', club, subject: challenge.id });
      return reply.status(201).send(viewOf(challenge, access));
    },
  );

  app.delete(
    '/api/v1/clubs/:club/challenges/:challenge',
    { config: writeLimit, schema: { params: ChallengeParams, querystring: NoQuery, body: NoBody } },
    async (request, reply) => {
      const { club, challenge } = request.params;
      requireClubAccess(request, club, 'staff');
      if (!deps.challenges.remove(club, challenge)) notFound('no such challenge');
      deps.accounts.audit({ actor: requireUser(request).user.id, action: 'challenge-removed', club, subject: challenge });
      return reply.status(204).send();
    },
  );

  // Opting in and out is the athlete's own choice: nobody else, staff included, may do it for them.
  app.put(
    '/api/v1/clubs/:club/challenges/:challenge/entries/:athlete',
    { config: writeLimit, schema: { params: EntryParams, querystring: NoQuery, body: NoBody, response: { 200: ChallengeView } } },
    async (request) => {
      const { club, challenge: id, athlete } = request.params;
      const access = requireOwnChoice(requireClubAccess(request, club, 'member'), athlete);
      challengeOr404(club, id);
      deps.challenges.join(club, id, athlete);
      return viewOf(challengeOr404(club, id), access);
    },
  );

  app.delete(
    '/api/v1/clubs/:club/challenges/:challenge/entries/:athlete',
    { config: writeLimit, schema: { params: EntryParams, querystring: NoQuery, body: NoBody } },
    async (request, reply) => {
      const { club, challenge: id, athlete } = request.params;
      requireOwnChoice(requireClubAccess(request, club, 'member'), athlete);
      challengeOr404(club, id);
      deps.challenges.leave(club, id, athlete);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/clubs/:club/challenges/:challenge/leaderboard',
    { schema: { params: ChallengeParams, querystring: NoQuery, response: { 200: Leaderboard } } },
    async (request) => {
      const { club, challenge: id } = request.params;
      const access = requireClubAccess(request, club, 'member');
      const challenge = challengeOr404(club, id);
      // Shown to the club as each athlete chose to be shown on its screen.
      const names = new Map(deps.registry.listAthletes(club).map((athlete) => [athlete.id, screenNameOf(athlete) ?? 'an athlete']));
      const scored = challenge.entrants
        .filter((athlete) => names.has(athlete))
        .map((athlete) => ({
          athlete,
          name: names.get(athlete)!,
          points: deps.trainingLog
            .list(club, athlete, challenge.fromMs, challenge.toMs)
            .reduce((sum, entry) => sum + (entry.metrics.points ?? 0), 0),
        }))
        .sort((a, b) => b.points - a.points || a.name.localeCompare(b.name));
      const entries = scored.map((entry, index) => ({
        ...entry,
        // Equal points, equal rank.
        rank: index > 0 && scored[index - 1]!.points === entry.points ? 0 : index + 1,
      }));
      for (const [index, entry] of entries.entries()) if (entry.rank === 0) entry.rank = entries[index - 1]!.rank;
      return { challenge: viewOf(challenge, access), entries };
    },
  );
}

/** Only the athlete themselves opts in or out of a challenge. */
function requireOwnChoice(access: ClubAccess, athlete: string): ClubAccess {
  if (access.athlete === athlete) return access;
  throw new ApiError(access.staff ? 'SC_ERR_FORBIDDEN' : 'SC_ERR_NOT_FOUND', 'only the athlete opts in or out of a challenge');
}

function notFound(message: string): never {
  throw new ApiError('SC_ERR_NOT_FOUND', message);
}
