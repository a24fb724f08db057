import type { Session } from '../../protocol/roster.ts';
import type { ApiDeps } from '../app.ts';
import { recordSessionTraining } from '../reports/session-report.ts';

/**
 * Who took part in a time range: athletes who wore a device that sent samples in it, each joining with
 * their first sample (a late joiner shows as such). A session's participants while it runs, frozen when
 * it stops.
 */
export async function participantsOf(
  deps: Pick<ApiDeps, 'registry' | 'timeSeries'>,
  club: string,
  fromMs: number,
  toMs: number,
): Promise<Session['participants']> {
  const joined = new Map<string, number>();
  for (const pairing of deps.registry.pairingLog(club, fromMs, toMs)) {
    const start = Math.max(fromMs, pairing.fromMs);
    const end = Math.min(toMs, pairing.toMs ?? toMs, joined.get(pairing.athlete) ?? Number.POSITIVE_INFINITY);
    if (end <= start) continue;
    const first = await deps.timeSeries.firstPointMs({ club, device: pairing.device, fromMs: start, toMs: end });
    if (first !== null) joined.set(pairing.athlete, first);
  }
  return [...joined]
    .map(([athlete, joinedMs]) => ({ athlete, joinedMs }))
    .sort((a, b) => a.joinedMs - b.joinedMs || a.athlete.localeCompare(b.athlete));
}

/**
 * A late pairing attached a device's samples to an athlete: the sessions that stopped in the meantime
 * gain them as a participant where those samples fall inside (a frozen report would otherwise miss the
 * walk-in whose strap was paired after the class).
 */
export async function joinStoppedSessions(
  deps: Pick<ApiDeps, 'sessions' | 'timeSeries' | 'registry' | 'trainingLog'>,
  club: string,
  attached: { device: string; athlete: string; fromMs: number; toMs: number },
): Promise<void> {
  for (const session of deps.sessions.stoppedSessionsOverlapping(club, attached.fromMs, attached.toMs)) {
    const from = Math.max(session.startMs, attached.fromMs);
    const to = Math.min(session.stopMs!, attached.toMs);
    const first = await deps.timeSeries.firstPointMs({ club, device: attached.device, fromMs: from, toMs: to });
    if (first === null) continue;
    deps.sessions.addParticipant(club, session.id, attached.athlete, first);
    await recordSessionTraining(deps, club, deps.sessions.getSession(club, session.id)!, attached.athlete);
  }
}
