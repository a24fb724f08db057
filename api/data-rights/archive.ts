import { strToU8, Zip, ZipDeflate } from 'fflate';
import type { Me } from '../../protocol/api.ts';
import type { ApiDeps } from '../app.ts';
import { athleteSeconds, secondsCsv, sessionFitActivity } from '../exports/athlete-seconds.ts';
import { fileName } from '../routes/export-routes.ts';
import type { Progress } from './erasure.ts';

type ArchiveDeps = Pick<ApiDeps, 'registry' | 'sessions' | 'trainingLog' | 'readiness' | 'challenges' | 'timeSeries'>;

const README = `Everything Sport Connect holds about you, as of the date of this archive (GDPR art. 15 and 20).

account.json              your login: email, name, your roles in each club
<club>/profile.json       your athlete profile there, with the date you consented to health-data processing
<club>/pairings.json      which device carried your samples when (the pairing log), and workouts you uploaded
<club>/sessions.json      the sessions you took part in, with your numbers (docs/metrics.md)
<club>/training-log.json  every session and uploaded workout with its numbers
<club>/readiness.json     your morning readiness checks
<club>/challenges.json    the challenges you joined
<club>/sessions/*.fit     each session as a FIT activity (Strava, Garmin Connect, GoldenCheetah import it)
<club>/sessions/*.csv     the same, one row a second
<club>/samples/YYYY-MM.csv  every sample of yours, month by month, one row a second
`;

/**
 * Writes a person's archive as a zip, file by file, calling `write` with each chunk and waiting on its
 * promise (back-pressure from a slow download or a disk), and reporting progress. Samples are read a
 * month at a time, so memory stays bounded however long the history.
 */
export async function writeArchive(
  deps: ArchiveDeps,
  me: Me,
  timeZone: string,
  write: (chunk: Uint8Array) => Promise<void>,
  onProgress: (progress: Progress) => void,
): Promise<void> {
  const chunks: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else chunks.push(chunk);
  });
  const flush = async () => {
    if (failure) throw failure;
    while (chunks.length) await write(chunks.shift()!);
  };
  const add = async (name: string, content: string | Uint8Array) => {
    const file = new ZipDeflate(name, { level: 6 });
    zip.add(file);
    file.push(typeof content === 'string' ? strToU8(content) : content, true);
    await flush();
  };
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

  const clubs = me.memberships.filter((membership) => membership.role === 'athlete' && membership.athlete !== null);
  const plans = await Promise.all(
    clubs.map(async (membership) => {
      const athlete = membership.athlete!;
      const worn = deps.registry.everythingWorn(membership.club, athlete);
      const months = await monthsOf(deps, membership.club, worn);
      const sessions = deps.sessions.sessionsOf(membership.club, athlete);
      return { club: membership.club, athlete, worn, months, sessions };
    }),
  );
  const total = 2 + plans.reduce((sum, plan) => sum + 1 + plan.sessions.length + plan.months.length, 0);
  let done = 0;
  const step = (name: string) => onProgress({ done: ++done, total, step: name });

  await add('README.txt', README);
  await add('account.json', json({ email: me.user.email, name: me.user.name, memberships: me.memberships }));
  step('account');
  for (const plan of plans) {
    const { club, athlete } = plan;
    const profile = deps.registry.getAthlete(club, athlete);
    await add(`${club}/profile.json`, json(profile));
    await add(`${club}/pairings.json`, json(plan.worn));
    const log = deps.trainingLog.list(club, athlete, 0, Date.now() + 86_400_000);
    await add(`${club}/training-log.json`, json(log));
    await add(`${club}/readiness.json`, json(deps.readiness.list(club, athlete, 0, Date.now() + 86_400_000)));
    await add(
      `${club}/challenges.json`,
      json(
        deps.challenges
          .list(club)
          .filter((challenge) => challenge.entrants.includes(athlete))
          .map(({ entrants: _, ...rest }) => rest),
      ),
    );
    await add(
      `${club}/sessions.json`,
      // Their own part of each session: who else took part is not theirs to take away.
      json(
        plan.sessions.map(({ participants, ...session }) => ({
          ...session,
          joinedMs: participants.find((participant) => participant.athlete === athlete)?.joinedMs ?? null,
          mine: log.find((entry) => entry.sourceId === session.id)?.metrics ?? null,
        })),
      ),
    );
    step(`${club}: profile and logs`);
    for (const session of plan.sessions) {
      const stopMs = session.stopMs ?? Date.now();
      const seconds = await athleteSeconds(deps, club, athlete, session.startMs, stopMs);
      const name = `${club}/sessions/${fileName(session, session.id)}`;
      await add(`${name}.csv`, secondsCsv(seconds));
      await add(`${name}.fit`, sessionFitActivity(deps, club, athlete, seconds, { startMs: session.startMs, stopMs }, timeZone));
      step(`${club}: session ${session.title}`);
    }
    for (const month of plan.months) {
      const seconds = await athleteSeconds(deps, club, athlete, month.fromMs, month.toMs, { uploads: true });
      if (seconds.length > 0) await add(`${club}/samples/${new Date(month.fromMs).toISOString().slice(0, 7)}.csv`, secondsCsv(seconds));
      step(`${club}: samples ${new Date(month.fromMs).toISOString().slice(0, 7)}`);
    }
  }
  zip.end();
  await flush();
  step('done');
}

/** The calendar months (UTC) from the first stored sample of any wear interval to now that a wear interval touches. */
async function monthsOf(
  deps: Pick<ApiDeps, 'timeSeries'>,
  club: string,
  worn: readonly { device: string; fromMs: number; toMs: number }[],
): Promise<{ fromMs: number; toMs: number }[]> {
  // A strap paired "since ever" (the demo's) would otherwise mean fifty years of empty months. One query
  // at a time: an athlete of years has hundreds of wear intervals.
  const known: number[] = [];
  for (const wear of worn) {
    const first = await deps.timeSeries.firstPointMs({ club, device: wear.device, fromMs: wear.fromMs, toMs: wear.toMs });
    if (first !== null) known.push(first);
  }
  if (known.length === 0) return [];
  const months: { fromMs: number; toMs: number }[] = [];
  for (let cursor = Math.min(...known); cursor <= Date.now(); ) {
    const at = new Date(cursor);
    const fromMs = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
    const toMs = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
    if (worn.some((wear) => wear.fromMs < toMs && wear.toMs > fromMs)) months.push({ fromMs, toMs });
    cursor = toMs;
  }
  return months;
}
