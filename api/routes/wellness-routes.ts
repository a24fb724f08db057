import { createHash } from 'node:crypto';
import { AthleteParams, NoBody, NoQuery } from '../../protocol/api.ts';
import { ReadinessRequest, ReadinessResult, UploadId, Wellness, WorkoutQuery, WorkoutUploaded } from '../../protocol/reports.ts';
import { readWorkoutFile, WORKOUT_MAX_POINTS, WorkoutFileError } from '../../protocol/workout-file.ts';
import { READINESS_BASELINE_DAYS } from '../../sport-science/readiness.ts';
import { rmssdMs } from '../../sport-science/rr-variability.ts';
import { computeSessionMetrics, physiologyOf } from '../../sport-science/session-metrics.ts';
import type { StoredPoint } from '../../store/time-series-store.ts';
import type { Api, ApiDeps, ApiSettings } from '../app.ts';
import { requireAthleteAccess, requireClubAccess, requireUser } from '../auth/club-access.ts';
import { ApiError } from '../errors.ts';
import { readingsOf } from '../reports/session-report.ts';
import { buildWellness, readinessOf } from '../reports/wellness.ts';

/** A watch's file of a long day fits; the API refuses more before reading it. */
export const WORKOUT_UPLOAD_MAX_BYTES = 16 * 1024 * 1024;
const WRITE_CHUNK = 5000;
const DAY_MS = 86_400_000;

/**
 * A member's own page: their week, load and readiness (staff may look too), the readiness check they take
 * in the morning, and workouts done outside the club, uploaded as a file.
 */
export function registerWellnessRoutes(app: Api, deps: ApiDeps, settings: ApiSettings): void {
  const writeLimit = { rateLimit: { max: settings.writesPerMinute, timeWindow: 60_000 } };
  /** The athlete asked about, when the caller is staff or that athlete; 404 otherwise. */
  const athleteFor = (request: Parameters<typeof requireUser>[0] & { params: { club: string; athlete: string } }) => {
    const { club, athlete } = request.params;
    requireAthleteAccess(requireClubAccess(request, club, 'member'), athlete);
    return deps.registry.getAthlete(club, athlete) ?? notFound('no such athlete');
  };

  app.get(
    '/api/v1/clubs/:club/athletes/:athlete/wellness',
    { schema: { params: AthleteParams, querystring: NoQuery, response: { 200: Wellness } } },
    async (request) => buildWellness(deps, request.params.club, athleteFor(request), Date.now()),
  );

  // The morning check: the window the athlete lay still with their strap on; its RR intervals give RMSSD.
  app.post(
    '/api/v1/clubs/:club/athletes/:athlete/readiness',
    { config: writeLimit, schema: { params: AthleteParams, body: ReadinessRequest, response: { 201: ReadinessResult } } },
    async (request, reply) => {
      const { club } = request.params;
      const athlete = athleteFor(request);
      const { fromMs, toMs } = request.body;
      const nowMs = Date.now();
      if (toMs > nowMs + 5000 || fromMs < nowMs - 3_600_000)
        throw new ApiError('SC_ERR_VALIDATION', 'a readiness check is sent within the hour it was taken');
      const readings = await readingsOf(deps, club, athlete.id, fromMs, toMs);
      const rmssd = rmssdMs(readings.flatMap((reading) => reading.rrIntervalsMs ?? []));
      const heartRates = readings.map((reading) => reading.heartRateBpm).filter((bpm): bpm is number => bpm !== null);
      // Most of the window must be there: a strap that dropped out for two of three minutes measured little.
      const coveredMs = readings.length > 1 ? readings.at(-1)!.timeMs - readings[0]!.timeMs : 0;
      if (rmssd === null || heartRates.length === 0 || coveredMs < 0.8 * (toMs - fromMs))
        throw new ApiError(
          'SC_ERR_VALIDATION',
          'too few clean heartbeats in that window: is your own strap on, paired to you, and sending RR intervals?',
        );
      const check = {
        atMs: fromMs,
        durationS: Math.round((toMs - fromMs) / 1000),
        rmssdMs: Math.round(rmssd * 10) / 10,
        restHrBpm: Math.round(heartRates.reduce((sum, bpm) => sum + bpm, 0) / heartRates.length),
      };
      deps.readiness.record(club, athlete.id, check);
      const baseline = deps.readiness.list(club, athlete.id, fromMs - READINESS_BASELINE_DAYS * DAY_MS, fromMs + 1);
      return reply.status(201).send(readinessOf(check, baseline));
    },
  );

  // A workout from a watch or bike computer (FIT) or a CSV of heart rates: into the athlete's history and load.
  app.post(
    '/api/v1/clubs/:club/athletes/:athlete/workouts',
    {
      config: writeLimit,
      bodyLimit: WORKOUT_UPLOAD_MAX_BYTES,
      schema: { params: AthleteParams, querystring: WorkoutQuery, response: { 201: WorkoutUploaded } },
    },
    async (request, reply) => {
      const { club } = request.params;
      const athlete = athleteFor(request);
      const body = request.body;
      const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.isBuffer(body) ? body : null;
      if (!bytes) throw new ApiError('SC_ERR_UNSUPPORTED_MEDIA_TYPE', 'send the file as application/octet-stream (FIT) or text/csv');
      let points: ReturnType<typeof readWorkoutFile>['points'];
      try {
        points = readWorkoutFile(bytes).points;
      } catch (error) {
        if (error instanceof WorkoutFileError) throw new ApiError('SC_ERR_VALIDATION', error.message);
        throw error;
      }
      const nowMs = Date.now();
      let startMs = Number.POSITIVE_INFINITY;
      let endMs = Number.NEGATIVE_INFINITY;
      for (const point of points) {
        startMs = Math.min(startMs, point.timeMs);
        endMs = Math.max(endMs, point.timeMs);
      }
      if (endMs > nowMs + 60_000 || startMs < Date.UTC(2000, 0, 1))
        throw new ApiError('SC_ERR_VALIDATION', 'the workout’s times are in the future or before 2000: is the watch’s clock set?');
      // The same file twice for one athlete is one workout; the same file for another athlete is theirs.
      const id = `u_${createHash('sha256').update(athlete.id).update('\0').update(bytes).digest('hex').slice(0, 24)}`;
      const title = request.query.title ?? 'Workout from a file';
      // A workout that overlaps one in the log (this file again, or a club session it also recorded) would count twice.
      const overlapping = deps.trainingLog
        .list(club, athlete.id, startMs - DAY_MS, endMs + 1)
        .find((entry) => entry.startMs <= endMs && entry.startMs + entry.metrics.durationS * 1000 > startMs);
      if (overlapping)
        throw new ApiError(
          'SC_ERR_CONFLICT',
          overlapping.sourceId === id
            ? 'this file was uploaded already'
            : `it overlaps “${overlapping.title}”, already in the training log`,
        );
      const device = `upload.${id}`;
      const stored: StoredPoint[] = points.slice(0, WORKOUT_MAX_POINTS).map((point) => ({
        club,
        device,
        athlete: athlete.id,
        kind: 'heart_rate',
        timeMs: point.timeMs,
        fields: {
          ...(point.heartRateBpm !== null ? { heartRateBpm: point.heartRateBpm } : { contact: 0 }),
          ...(point.rrIntervalsMs?.length ? { rrIntervalsMs: point.rrIntervalsMs.join(',') } : {}),
        },
      }));
      for (let index = 0; index < stored.length; index += WRITE_CHUNK)
        await deps.timeSeries.writePoints(stored.slice(index, index + WRITE_CHUNK));
      deps.registry.recordUpload(club, athlete.id, { id, device, fromMs: startMs, toMs: endMs + 1 });
      const zoneModel = deps.registry.clubSettings(club)?.zoneModel ?? 'percent-max';
      const metrics = computeSessionMetrics(points, physiologyOf(athlete, startMs), zoneModel);
      deps.trainingLog.record(club, athlete.id, { source: 'upload', sourceId: id, title, startMs, metrics });
      deps.accounts.audit({ actor: requireUser(request).user.id, action: 'workout-uploaded', club, subject: `${athlete.id} ${id}` });
      return reply.status(201).send({ id, title, startMs, metrics });
    },
  );

  // A workout uploaded by mistake goes away whole: its samples, its place in history and in the load.
  app.delete(
    '/api/v1/clubs/:club/athletes/:athlete/workouts/:workout',
    { config: writeLimit, schema: { params: AthleteParams.extend({ workout: UploadId }), querystring: NoQuery, body: NoBody } },
    async (request, reply) => {
      const { club, workout } = request.params;
      const athlete = athleteFor(request);
      const device = deps.registry.removeUpload(club, athlete.id, workout) ?? notFound('no such workout');
      await deps.timeSeries.deleteDevice(club, device);
      deps.trainingLog.forget(club, 'upload', workout);
      deps.accounts.audit({ actor: requireUser(request).user.id, action: 'workout-removed', club, subject: `${athlete.id} ${workout}` });
      return reply.status(204).send();
    },
  );
}

function notFound(message: string): never {
  throw new ApiError('SC_ERR_NOT_FOUND', message);
}
