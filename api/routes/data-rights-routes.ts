import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { AthleteParams, NoBody, NoQuery } from '../../protocol/api.ts';
import { AthleteId } from '../../protocol/ids.ts';
import { TimeZone } from '../../protocol/reports.ts';
import type { Api, ApiDeps, ApiSettings } from '../app.ts';
import { requireClubAccess, requireUser } from '../auth/club-access.ts';
import { writeArchive } from '../data-rights/archive.ts';
import { ErasureRunner } from '../data-rights/erasure-runner.ts';
import { type Job, Jobs, TooManyJobs } from '../data-rights/jobs.ts';
import { ApiError } from '../errors.ts';
import { meOf } from './auth-routes.ts';

const JobParams = z.object({ job: z.string().regex(/^j_[A-Za-z0-9_-]{16}$/, 'a job id') });
const JobView = z.object({
  id: z.string(),
  kind: z.enum(['export', 'erasure']),
  status: z.enum(['running', 'done', 'failed']),
  done: z.number(),
  total: z.number(),
  step: z.string(),
  startedMs: z.number(),
  finishedMs: z.number().nullable(),
  error: z.string().nullable(),
  /** Where to fetch an export's archive once it is done. */
  archive: z.string().nullable(),
});
/** The member's time zone (the page sends the browser's), for the local time of the archive's FIT files. */
const ArchiveQuery = z.object({ tz: TimeZone.default('UTC') }).strict();
/** Erasure cannot be undone: the request names the athlete again. */
const ErasureRequest = z.object({ confirm: AthleteId }).strict();

const viewOf = (job: Job) => ({
  id: job.id,
  kind: job.kind,
  status: job.status,
  done: job.done,
  total: job.total,
  step: job.step,
  startedMs: job.startedMs,
  finishedMs: job.finishedMs,
  error: job.error,
  archive: job.kind === 'export' && job.status === 'done' ? `/api/v1/jobs/${job.id}/archive` : null,
});

/**
 * A member's rights over their data (GDPR art. 15, 17 and 20): everything about them as one archive,
 * and erasure, asked by them or by their club's admin. Both run as jobs with progress for a long history;
 * the archive also streams at once from GET /api/v1/me/export. An erasure is recorded before it starts,
 * so an API that stops halfway resumes it at its next start.
 */
export function registerDataRightsRoutes(
  app: Api,
  deps: ApiDeps,
  settings: ApiSettings & { erasureSettleMs: number; erasureResumeEveryMs?: number },
): void {
  const jobs = new Jobs(deps.logger.child({ module: 'jobs' }));
  app.addHook('onClose', () => jobs.close());
  const limit = { rateLimit: { max: settings.writesPerMinute, timeWindow: 60_000 } };
  const startJob = (...args: Parameters<Jobs['start']>) => {
    try {
      return jobs.start(...args);
    } catch (error) {
      if (error instanceof TooManyJobs) throw new ApiError('SC_ERR_RATE_LIMITED', error.message);
      throw error;
    }
  };
  const archiveName = () => `sport-connect-${new Date().toISOString().slice(0, 10)}.zip`;
  /** Archives being streamed now, per person: one at a time (each reads a whole history). */
  const streaming = new Set<string>();
  // `actor` is who the audit names: an admin's id, or "the athlete" (never their login). That it happened,
  // and how much went: never who, nor what.
  const erasures = new ErasureRunner(
    deps,
    jobs,
    deps.logger.child({ module: 'erasure' }),
    settings.erasureSettleMs,
    (club, result, actor) =>
      deps.accounts.audit({
        actor,
        action: 'athlete-erased',
        club,
        subject: `${result.intervals} wear intervals, ${result.queuedPoints} queued points, ${result.deadLetters} dead letters, ${result.logins} logins`,
      }),
  );
  // Erasures nobody runs go on: left by an earlier run of this process or by a replica that died (their
  // requester may follow them again if still logged in). Checked at start and every minute.
  let resumer: NodeJS.Timeout | null = null;
  app.addHook('onReady', async () => {
    erasures.resume();
    resumer = setInterval(() => erasures.resume(), settings.erasureResumeEveryMs ?? 60_000);
    resumer.unref();
  });
  app.addHook('onClose', async () => {
    if (resumer) clearInterval(resumer);
    erasures.close();
  });

  app.get('/api/v1/me/export', { config: limit, schema: { querystring: ArchiveQuery } }, async (request, reply) => {
    const me = meOf(requireUser(request).user);
    if (streaming.has(me.user.id)) throw new ApiError('SC_ERR_RATE_LIMITED', 'your archive is being built already');
    streaming.add(me.user.id);
    const stream = new PassThrough();
    const write = (chunk: Uint8Array) =>
      stream.write(chunk) ? Promise.resolve() : new Promise<void>((resolve) => stream.once('drain', resolve));
    writeArchive(deps, me, request.query.tz, write, () => undefined)
      .then(
        () => stream.end(),
        (error: unknown) => {
          request.log.error({ err: error }, 'archive failed');
          stream.destroy(error as Error);
        },
      )
      .finally(() => streaming.delete(me.user.id));
    return reply.type('application/zip').header('content-disposition', `attachment; filename="${archiveName()}"`).send(stream);
  });

  app.post(
    '/api/v1/me/exports',
    { config: limit, schema: { querystring: ArchiveQuery, body: NoBody, response: { 202: JobView } } },
    async (request, reply) => {
      const me = meOf(requireUser(request).user);
      const job = startJob('export', me.user.id, async (progress) => {
        const directory = await mkdtemp(join(tmpdir(), 'sc-export-'));
        const file = join(directory, archiveName());
        const handle = await open(file, 'w');
        try {
          await writeArchive(
            deps,
            me,
            request.query.tz,
            async (chunk) => void (await handle.write(chunk)),
            ({ done, total, step }) => progress(done, total, step),
          );
        } catch (error) {
          // A half-written archive of health data does not stay on disk.
          await handle.close();
          await rm(directory, { recursive: true, force: true });
          throw error;
        }
        await handle.close();
        return file;
      });
      return reply.status(202).send(viewOf(job));
    },
  );

  app.get('/api/v1/jobs/:job', { schema: { params: JobParams, querystring: NoQuery, response: { 200: JobView } } }, async (request) => {
    const job = jobs.get(request.params.job, requireUser(request).user.id) ?? notFound();
    return viewOf(job);
  });

  app.get('/api/v1/jobs/:job/archive', { schema: { params: JobParams, querystring: NoQuery } }, async (request, reply) => {
    const job = jobs.get(request.params.job, requireUser(request).user.id);
    if (!job?.file || job.status !== 'done') notFound();
    return reply
      .type('application/zip')
      .header('content-disposition', `attachment; filename="${archiveName()}"`)
      .send(createReadStream(job!.file!));
  });

  // Asked by the athlete, or by their club's admin; the login that was only this athlete goes too.
  app.post(
    '/api/v1/clubs/:club/athletes/:athlete/erasure',
    { config: limit, schema: { params: AthleteParams, querystring: NoQuery, body: ErasureRequest, response: { 202: JobView } } },
    async (request, reply) => {
      const { club, athlete } = request.params;
      const access = requireClubAccess(request, club, 'member');
      if (access.athlete !== athlete && !access.manager)
        throw new ApiError(
          access.staff ? 'SC_ERR_FORBIDDEN' : 'SC_ERR_NOT_FOUND',
          'an erasure is asked by the athlete or the club’s admin',
        );
      // An athlete removed from the roster keeps their log until erased: their admin can still erase them.
      if (!deps.registry.hasTraces(club, athlete)) notFound();
      if (request.body.confirm !== athlete) throw new ApiError('SC_ERR_VALIDATION', 'confirm names the athlete to erase, exactly');
      const { user } = requireUser(request);
      const actor = access.athlete === athlete ? 'the athlete' : user.id;
      deps.registry.requestErasure(club, athlete, actor);
      let job: Job | null;
      try {
        job = erasures.start(club, athlete, user.id, actor);
      } catch (error) {
        if (error instanceof TooManyJobs) throw new ApiError('SC_ERR_RATE_LIMITED', error.message);
        throw error;
      }
      // Asked twice (a second click, or on another replica): the first is under way, and it is the one that counts.
      if (!job) throw new ApiError('SC_ERR_CONFLICT', 'an erasure of this athlete is under way already');
      return reply.status(202).send(viewOf(job));
    },
  );
}

function notFound(): never {
  throw new ApiError('SC_ERR_NOT_FOUND', 'no such job');
}
