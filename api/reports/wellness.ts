import type { Wellness } from '../../protocol/reports.ts';
import { READINESS_BASELINE_DAYS, readinessStatus } from '../../sport-science/readiness.ts';
import { dayOf, trainingLoad } from '../../sport-science/training-load.ts';
import { goalStreak, weekStartOf } from '../../sport-science/weekly-goals.ts';
import type { ReadinessCheck } from '../../store/readiness-checks.ts';
import type { ApiDeps } from '../app.ts';

const DAY_MS = 86_400_000;
/** Enough history for the 42-day fitness average to have settled before the 42 days shown. */
const LOAD_HISTORY_DAYS = 126;
const STREAK_HISTORY_DAYS = 371;
const LOAD_SHOWN_DAYS = 42;
const WEEKS_SHOWN = 8;
const RECENT_SHOWN = 10;

/** A member's page: their latest training, their weeks, their goal, their load and their readiness. */
export function buildWellness(
  deps: Pick<ApiDeps, 'trainingLog' | 'readiness'>,
  club: string,
  athlete: { id: string; weeklyPointsGoal: number | null },
  nowMs: number,
): Wellness {
  // A year for the goal's streak; the load needs 126 days of it.
  const entries = deps.trainingLog.list(club, athlete.id, nowMs - STREAK_HISTORY_DAYS * DAY_MS, nowMs + 1);
  const thisWeek = weekStartOf(nowMs);
  const weeks = Array.from({ length: WEEKS_SHOWN }, (_, index) => {
    const weekStartMs = thisWeek - (WEEKS_SHOWN - 1 - index) * 7 * DAY_MS;
    const inWeek = entries.filter((entry) => weekStartOf(entry.startMs) === weekStartMs);
    return {
      weekStartMs,
      sessions: inWeek.length,
      points: sum(inWeek.map((entry) => entry.metrics.points ?? 0)),
      kcal: Math.round(sum(inWeek.map((entry) => entry.metrics.kcal ?? 0))),
      timeInZoneS: [0, 1, 2, 3, 4].map((zone) =>
        sum(inWeek.map((entry) => entry.metrics.timeInZoneS[zone]!)),
      ) as Wellness['weeks'][number]['timeInZoneS'],
    };
  });
  const pointsByWeek = new Map<number, number>();
  for (const entry of entries)
    pointsByWeek.set(weekStartOf(entry.startMs), (pointsByWeek.get(weekStartOf(entry.startMs)) ?? 0) + (entry.metrics.points ?? 0));
  const dailyLoads = new Map<number, number>();
  for (const entry of entries)
    if (entry.metrics.trimpBanister !== null && entry.startMs >= nowMs - LOAD_HISTORY_DAYS * DAY_MS)
      dailyLoads.set(dayOf(entry.startMs), (dailyLoads.get(dayOf(entry.startMs)) ?? 0) + entry.metrics.trimpBanister);
  const checks = deps.readiness.list(club, athlete.id, nowMs - READINESS_BASELINE_DAYS * DAY_MS * 2, nowMs + 1);
  const recentChecks = checks.filter((check) => check.atMs >= nowMs - READINESS_BASELINE_DAYS * DAY_MS);
  const latest = checks.at(-1);
  return {
    athlete: athlete.id,
    recent: entries.slice(-RECENT_SHOWN).reverse(),
    weeks,
    goal: {
      weeklyPoints: athlete.weeklyPointsGoal,
      thisWeekPoints: pointsByWeek.get(thisWeek) ?? 0,
      streakWeeks: athlete.weeklyPointsGoal === null ? 0 : goalStreak(pointsByWeek, athlete.weeklyPointsGoal, nowMs),
    },
    load: trainingLoad(dailyLoads, dayOf(nowMs)).slice(-LOAD_SHOWN_DAYS),
    readiness: {
      latest: latest && latest.atMs >= nowMs - READINESS_BASELINE_DAYS * DAY_MS ? readinessOf(latest, checks) : null,
      history: recentChecks.map((check) => ({ atMs: check.atMs, lnRmssd: round(Math.log(check.rmssdMs)), restHrBpm: check.restHrBpm })),
    },
  };
}

/** One check against the athlete's baseline: their checks of the 30 days before it. */
export function readinessOf(check: ReadinessCheck, all: readonly ReadinessCheck[]): NonNullable<Wellness['readiness']['latest']> {
  const lnRmssd = Math.log(check.rmssdMs);
  const earlier = all
    .filter((other) => other.atMs < check.atMs && other.atMs >= check.atMs - READINESS_BASELINE_DAYS * DAY_MS)
    .map((other) => Math.log(other.rmssdMs));
  return { ...check, lnRmssd: round(lnRmssd), ...readinessStatus(lnRmssd, earlier) };
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const round = (value: number) => Math.round(value * 1000) / 1000;
