import uPlot from 'uplot';
import type { ReadinessResult, SessionMetrics, Wellness } from '../../protocol/reports.ts';
import type { Athlete } from '../../protocol/roster.ts';
import { button, dateTime, duration, formFields, listItem, reportTo, rowOf } from './dom.ts';
import { onLiveUpdate } from './live-view.ts';
import type { ClubContext, Page } from './pages.ts';
import { exportLinks } from './report-view.ts';
import { apiGet, apiSend, apiUpload } from './session.ts';

// What a member sees on their phone: their week against their goal, their training load, a morning
// readiness check with their own strap, their latest training (and workouts from their watch), the
// club's challenges they may opt into, and how they appear on the club's screen. Staff may look at any
// athlete's. The numbers come from the API (docs/metrics.md); the page lays them out.

const section = document.querySelector<HTMLElement>('#wellness')!;
const athleteSelect = section.querySelector<HTMLSelectElement>('#wellness-athlete')!;
const weekCard = section.querySelector<HTMLElement>('[data-testid="week-card"]')!;
const loadCard = section.querySelector<HTMLElement>('[data-testid="load-card"]')!;
const readinessCard = section.querySelector<HTMLElement>('[data-testid="readiness-card"]')!;
const weeksElement = section.querySelector<HTMLElement>('[data-testid="weeks"]')!;
const recentRows = section.querySelector<HTMLTableSectionElement>('[data-testid="recent"] tbody')!;
const uploadForm = section.querySelector<HTMLFormElement>('#workout-upload')!;
const uploadResult = section.querySelector<HTMLElement>('[data-testid="upload-result"]')!;
const challengesElement = section.querySelector<HTMLElement>('[data-testid="challenges"]')!;
const challengeForm = section.querySelector<HTMLFormElement>('#challenge-add')!;
const privacyForm = section.querySelector<HTMLFormElement>('#privacy')!;
const report = reportTo(section.querySelector<HTMLElement>('.error')!);
const ZONE_COLOURS = ['#5b7083', '#2f7fd8', '#21a35b', '#f08c1d', '#e0383e'];
const READINESS_S = 180;
const STATUS_TEXT: Record<ReadinessResult['status'], string> = {
  'baseline-building': 'building your baseline (5 checks)',
  'as-usual': 'as usual',
  'lower-than-usual': 'lower than usual: more strain or less recovery than usual',
  'higher-than-usual': 'higher than usual',
};

interface ChallengeView {
  id: string;
  title: string;
  fromMs: number;
  toMs: number;
  entrants: number;
  joined: boolean;
}

let loadChart: uPlot | null = null;
let readinessTimer: ReturnType<typeof setInterval> | null = null;
let stopListening: (() => void) | null = null;

export const wellnessPage: Page = {
  async open(context) {
    for (const element of section.querySelectorAll<HTMLElement>('.staff-only')) element.hidden = !context.staff;
    if (context.staff) {
      const { athletes } = await apiGet<{ athletes: Athlete[] }>(`${context.base}/athletes`);
      const chosen = athleteSelect.value;
      athleteSelect.replaceChildren(...athletes.map((athlete) => new Option(athlete.name, athlete.id)));
      if (athletes.some((athlete) => athlete.id === chosen)) athleteSelect.value = chosen;
      athleteSelect.onchange = () => void report(() => render(context, athleteSelect.value));
    }
    const athlete = context.athlete ?? athleteSelect.value;
    section.querySelector('h2')!.textContent = context.athlete ? 'My week' : 'Athlete’s week';
    if (!athlete) return;
    await report(() => render(context, athlete));
  },
  close() {
    if (readinessTimer) clearInterval(readinessTimer);
    readinessTimer = null;
    stopListening?.();
    stopListening = null;
    loadChart?.destroy();
    loadChart = null;
  },
};

async function render(context: ClubContext, athleteId: string): Promise<void> {
  const base = `${context.base}/athletes/${encodeURIComponent(athleteId)}`;
  const [wellness, athlete, { challenges }] = await Promise.all([
    apiGet<Wellness>(`${base}/wellness`),
    apiGet<Athlete>(base),
    apiGet<{ challenges: ChallengeView[] }>(`${context.base}/challenges`),
  ]);
  const rerender = () => report(() => render(context, athleteId));
  renderWeek(wellness);
  renderLoad(wellness);
  renderReadiness(context, wellness, base, athleteId === context.athlete, rerender);
  renderRecent(context, athleteId, wellness.recent);
  renderChallenges(context, challenges, athleteId, rerender);
  uploadForm.onsubmit = async (event) => {
    event.preventDefault();
    const file = uploadForm.querySelector<HTMLInputElement>('input[type=file]')!.files?.[0];
    if (!file) return;
    const title = String(new FormData(uploadForm).get('title') ?? '').trim();
    uploadResult.textContent = `Uploading ${file.name}…`;
    try {
      const type = file.name.toLowerCase().endsWith('.csv') ? 'text/csv' : 'application/octet-stream';
      const uploaded = await apiUpload<{ title: string; metrics: SessionMetrics }>(
        `${base}/workouts${title ? `?title=${encodeURIComponent(title)}` : ''}`,
        file,
        type,
      );
      uploadResult.textContent = `${uploaded.title}: ${duration(uploaded.metrics.durationS * 1000)}, ${uploaded.metrics.points ?? '—'} points added`;
      uploadForm.reset();
      await rerender();
    } catch (error) {
      uploadResult.textContent = (error as Error).message;
    }
  };
  // How they appear on the club's screen, and their goal, are the athlete's own choices.
  privacyForm.hidden = athleteId !== context.athlete;
  section.querySelector<HTMLElement>('#privacy-title')!.hidden = privacyForm.hidden;
  renderDataRights(context, athleteId);
  renderPrivacy(athlete, base, rerender);
}

function renderWeek(wellness: Wellness): void {
  const week = wellness.weeks.at(-1)!;
  weekCard.querySelector('.points')!.textContent = String(week.points);
  const { goal } = wellness;
  weekCard.querySelector('.goal')!.textContent =
    goal.weeklyPoints === null
      ? 'No weekly goal yet (set one below).'
      : `Goal ${goal.weeklyPoints} · ${goal.thisWeekPoints >= goal.weeklyPoints ? 'reached' : `${goal.weeklyPoints - goal.thisWeekPoints} to go`} · streak ${goal.streakWeeks} week${goal.streakWeeks === 1 ? '' : 's'}`;
  weekCard.querySelector('.kcal')!.textContent = `${week.sessions} session${week.sessions === 1 ? '' : 's'} · ${week.kcal} kcal`;
  const total = week.timeInZoneS.reduce((sum, seconds) => sum + seconds, 0);
  const bar = weekCard.querySelector<HTMLElement>('.zone-bar')!;
  bar.replaceChildren(
    ...week.timeInZoneS.map((seconds, zone) => {
      const segment = document.createElement('span');
      segment.style.width = `${total ? (seconds / total) * 100 : 0}%`;
      segment.style.background = ZONE_COLOURS[zone]!;
      segment.title = `Z${zone + 1}: ${Math.round(seconds / 60)} min`;
      return segment;
    }),
  );
  const most = Math.max(1, ...wellness.weeks.map((one) => one.points));
  weeksElement.replaceChildren(
    ...wellness.weeks.map((one) => {
      const column = document.createElement('div');
      column.className = 'week';
      column.dataset.points = String(one.points);
      const barElement = document.createElement('span');
      barElement.className = 'bar';
      barElement.style.height = `${(one.points / most) * 100}%`;
      if (goal.weeklyPoints !== null && one.points >= goal.weeklyPoints) barElement.classList.add('reached');
      const label = document.createElement('small');
      label.textContent = `${new Date(one.weekStartMs).toLocaleDateString([], { day: 'numeric', month: 'short' })}\n${one.points}`;
      column.append(barElement, label);
      return column;
    }),
  );
}

function renderLoad(wellness: Wellness): void {
  const today = wellness.load.at(-1);
  loadCard.querySelector('.form')!.textContent = today
    ? `Fitness ${today.fitness} · fatigue ${today.fatigue} · form ${today.form > 0 ? '+' : ''}${today.form}`
    : 'No training recorded yet.';
  loadCard.querySelector('.trend')!.textContent =
    today?.trend === 'rising-fast'
      ? `Load rising fast (acute:chronic ${today.acwr}): more than your body is used to lately.`
      : today?.trend === 'falling'
        ? `Load falling (acute:chronic ${today.acwr}).`
        : today?.trend === 'steady'
          ? `Load steady (acute:chronic ${today.acwr}).`
          : today
            ? 'The load trend shows after 28 days of training.'
            : '';
  loadChart?.destroy();
  loadChart = null;
  const chartElement = loadCard.querySelector<HTMLElement>('.load-chart')!;
  chartElement.replaceChildren();
  if (wellness.load.length < 2) return;
  loadChart = new uPlot(
    {
      width: Math.min(520, chartElement.clientWidth || 320),
      height: 160,
      scales: { x: { time: true } },
      axes: [
        { stroke: '#93a1b0', grid: { stroke: '#26313d' } },
        { stroke: '#93a1b0', grid: { stroke: '#26313d' } },
      ],
      series: [
        {},
        { label: 'fitness', stroke: '#2f81f7', width: 2 },
        { label: 'fatigue', stroke: '#e0383e', width: 1.5 },
        { label: 'form', stroke: '#21a35b', width: 1.5 },
      ],
      // The legend names the lines; the values are on the card above.
      legend: { live: false },
    },
    [
      wellness.load.map((day) => day.dayMs / 1000),
      wellness.load.map((day) => day.fitness),
      wellness.load.map((day) => day.fatigue),
      wellness.load.map((day) => day.form),
    ],
    chartElement,
  );
}

function renderReadiness(context: ClubContext, wellness: Wellness, base: string, own: boolean, rerender: () => Promise<unknown>): void {
  const latest = wellness.readiness.latest;
  readinessCard.querySelector('.readiness-latest')!.textContent = latest
    ? `${dateTime(latest.atMs)}: RMSSD ${latest.rmssdMs} ms (ln ${latest.lnRmssd}), ${STATUS_TEXT[latest.status]}`
    : 'No check in the last 30 days.';
  const history = wellness.readiness.history;
  readinessCard.querySelector('.resting')!.textContent = history.length
    ? `Resting heart rate, last checks: ${history
        .slice(-7)
        .map((check) => check.restHrBpm)
        .join(' · ')} bpm`
    : '';
  const start = readinessCard.querySelector<HTMLButtonElement>('.readiness-start')!;
  const countdown = readinessCard.querySelector<HTMLElement>('.readiness-countdown')!;
  start.hidden = !own;
  start.onclick = () => {
    const fromMs = Date.now();
    start.disabled = true;
    let heartRate: number | null = null;
    stopListening?.();
    stopListening = onLiveUpdate((update) => {
      heartRate = update.athletes.find((tile) => tile.id === context.athlete)?.heartRateBpm ?? heartRate;
    });
    readinessTimer = setInterval(async () => {
      const leftS = READINESS_S - Math.floor((Date.now() - fromMs) / 1000);
      countdown.textContent = `Lie still… ${leftS} s${heartRate === null ? ' (no heart rate from your strap yet)' : ` · ${heartRate} bpm`}`;
      if (leftS > 0) return;
      if (readinessTimer) clearInterval(readinessTimer);
      readinessTimer = null;
      stopListening?.();
      start.disabled = false;
      const result = await report(() => apiSend<ReadinessResult>('POST', `${base}/readiness`, { fromMs, toMs: Date.now() }));
      countdown.textContent = result ? `Done: RMSSD ${result.rmssdMs} ms, ${STATUS_TEXT[result.status]}` : '';
      await rerender();
    }, 1000);
  };
}

function renderRecent(context: ClubContext, athleteId: string, recent: Wellness['recent']): void {
  recentRows.replaceChildren(
    ...recent.map((entry) => {
      const row = rowOf([
        new Date(entry.startMs).toLocaleDateString([], { day: 'numeric', month: 'short' }),
        entry.title,
        duration(entry.metrics.durationS * 1000),
        entry.metrics.avgHr,
        entry.metrics.points,
        entry.metrics.kcal,
      ]);
      row.dataset.source = entry.source;
      const action = row.insertCell();
      if (entry.source === 'session')
        action.append(
          button('Report', () => {
            location.hash = `report:${entry.sourceId}`;
          }),
          ...exportLinks(context, entry.sourceId, athleteId),
        );
      return row;
    }),
  );
  if (recent.length === 0) recentRows.append(rowOf(['No training yet.']));
}

function renderChallenges(context: ClubContext, challenges: ChallengeView[], athleteId: string, rerender: () => Promise<unknown>): void {
  challengesElement.replaceChildren(
    ...challenges.map((challenge) => {
      const card = document.createElement('article');
      card.className = 'card challenge';
      card.dataset.challenge = challenge.id;
      const title = document.createElement('h4');
      title.textContent = `${challenge.title} · ${new Date(challenge.fromMs).toLocaleDateString()} – ${new Date(challenge.toMs).toLocaleDateString()} · ${challenge.entrants} taking part`;
      const board = document.createElement('ol');
      board.className = 'leaderboard';
      const entries = `${context.base}/challenges/${encodeURIComponent(challenge.id)}`;
      const showBoard = async () => {
        const { entries: ranked } = await apiGet<{ entries: { rank: number; name: string; points: number }[] }>(`${entries}/leaderboard`);
        board.replaceChildren(...ranked.map((entry) => listItem(`${entry.rank}. ${entry.name} · ${entry.points} points`)));
      };
      card.append(title);
      // Joining is the athlete's own choice: the leaderboard shows their points to the club.
      if (context.athlete === athleteId)
        card.append(
          button(challenge.joined ? 'Leave' : 'Join (my points appear on the leaderboard)', async () => {
            await report(() => apiSend(challenge.joined ? 'DELETE' : 'PUT', `${entries}/entries/${encodeURIComponent(athleteId)}`));
            await rerender();
          }),
        );
      if (context.staff)
        card.append(
          button('Remove', async () => {
            await report(() => apiSend('DELETE', entries));
            await rerender();
          }),
        );
      card.append(board);
      void report(showBoard);
      return card;
    }),
  );
  if (challenges.length === 0) challengesElement.textContent = 'No challenge in the club right now.';
  challengeForm.onsubmit = async (event) => {
    event.preventDefault();
    const { id, title, from, to } = formFields(challengeForm);
    const created = await report(() =>
      apiSend('POST', `${context.base}/challenges`, {
        id,
        title,
        fromMs: Date.parse(String(from)),
        toMs: Date.parse(String(to)) + 86_400_000,
      }),
    );
    if (created) challengeForm.reset();
    await rerender();
  };
}

function renderPrivacy(athlete: Athlete, base: string, rerender: () => Promise<unknown>): void {
  privacyForm.querySelector<HTMLSelectElement>('select[name=screenPrivacy]')!.value = athlete.screenPrivacy;
  privacyForm.querySelector<HTMLInputElement>('input[name=alias]')!.value = athlete.alias ?? '';
  privacyForm.querySelector<HTMLInputElement>('input[name=screenHideKcal]')!.checked = athlete.screenHideKcal;
  privacyForm.querySelector<HTMLInputElement>('input[name=weeklyPointsGoal]')!.value = athlete.weeklyPointsGoal?.toString() ?? '';
  privacyForm.onsubmit = async (event) => {
    event.preventDefault();
    const fields = formFields(privacyForm, ['weeklyPointsGoal']);
    await report(() =>
      apiSend('PATCH', base, {
        screenPrivacy: fields.screenPrivacy,
        alias: fields.alias ?? null,
        screenHideKcal: fields.screenHideKcal !== undefined,
        weeklyPointsGoal: fields.weeklyPointsGoal ?? null,
      }),
    );
    await rerender();
  };
}

interface JobView {
  id: string;
  status: 'running' | 'done' | 'failed';
  done: number;
  total: number;
  step: string;
  error: string | null;
  archive: string | null;
}

/**
 * The member's rights over their data: the archive (their own only) and erasure (theirs, or any athlete's
 * for the club's admin), both as jobs whose progress the page follows.
 */
function renderDataRights(context: ClubContext, athleteId: string): void {
  const own = athleteId === context.athlete;
  const box = section.querySelector<HTMLElement>('#my-data')!;
  section.querySelector<HTMLElement>('#my-data-title')!.textContent = own ? 'My data' : 'This athlete’s data';
  const progress = section.querySelector<HTMLProgressElement>('.job-progress')!;
  const status = section.querySelector<HTMLElement>('.job-status')!;
  const archive = box.querySelector<HTMLButtonElement>('.archive')!;
  const erase = box.querySelector<HTMLButtonElement>('.erase')!;
  archive.hidden = !own;
  erase.hidden = !own && !context.manager;
  erase.textContent = own ? 'Erase my data…' : 'Erase this athlete’s data…';
  const follow = async (job: JobView, done: (job: JobView) => void, endsThisLogin = false) => {
    progress.hidden = false;
    for (;;) {
      progress.max = job.total;
      progress.value = job.done;
      status.textContent = `${job.step} (${job.done}/${job.total})`;
      if (job.status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 500));
      try {
        job = await apiGet<JobView>(`/api/v1/jobs/${job.id}`);
      } catch (error) {
        // An erasure of one's own data ends one's login with it: the job can no longer be asked about.
        status.textContent = endsThisLogin ? 'Done: your data and this login are erased.' : (error as Error).message;
        return;
      }
    }
    if (job.status === 'failed') status.textContent = `Failed: ${job.error}`;
    else done(job);
  };
  archive.onclick = async () => {
    const tz = encodeURIComponent(Intl.DateTimeFormat().resolvedOptions().timeZone);
    const job = await report(() => apiSend<JobView>('POST', `/api/v1/me/exports?tz=${tz}`));
    if (job)
      await follow(job, (finished) => {
        status.textContent = 'Your archive is ready.';
        const link = document.createElement('a');
        link.href = finished.archive!;
        link.download = '';
        link.textContent = ' Download it';
        link.dataset.testid = 'archive-link';
        status.append(link);
      });
  };
  erase.onclick = async () => {
    const typed = prompt(
      `This erases ${own ? 'all your data' : `all of ${athleteId}’s data`} in this club for good: samples, sessions, profile${own ? ', and this login' : ''}. Type ${athleteId} to confirm.`,
    );
    if (typed !== athleteId) return;
    const job = await report(() =>
      apiSend<JobView>('POST', `${context.base}/athletes/${encodeURIComponent(athleteId)}/erasure`, { confirm: athleteId }),
    );
    if (job) await follow(job, () => (status.textContent = 'Erased.'), own);
  };
}
