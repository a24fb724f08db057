/** Weeks start on Monday, UTC (ISO 8601 weeks). */
export function weekStartOf(timeMs: number): number {
  const day = new Date(timeMs);
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() - sinceMonday);
}

const WEEK_MS = 7 * 86_400_000;

/**
 * Consecutive weeks reaching the goal, counting back from the last finished week, plus the current week
 * once it reaches the goal too (a week still under way does not break the streak).
 */
export function goalStreak(pointsByWeek: ReadonlyMap<number, number>, goal: number, nowMs: number): number {
  const thisWeek = weekStartOf(nowMs);
  let streak = (pointsByWeek.get(thisWeek) ?? 0) >= goal ? 1 : 0;
  for (let week = thisWeek - WEEK_MS; (pointsByWeek.get(week) ?? 0) >= goal; week -= WEEK_MS) streak++;
  return streak;
}
