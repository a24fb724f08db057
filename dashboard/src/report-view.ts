import type { ReportAthlete, SessionReport } from '../../protocol/reports.ts';
import { curveChart } from './curve-chart.ts';
import { button, dateTime, duration, reportTo, rowOf } from './dom.ts';
import type { ClubContext, Page } from './pages.ts';
import { apiGet, apiSend } from './session.ts';

// A session's report: the group, a row of numbers per athlete, and each athlete's heart-rate curve over
// their zone bands. Printable (the browser's print, with a print style sheet). The numbers come from the
// API; the page only lays them out.

const section = document.querySelector<HTMLElement>('#report')!;
const rows = section.querySelector<HTMLTableSectionElement>('[data-testid="report-table"] tbody')!;
const curves = section.querySelector<HTMLElement>('[data-testid="report-curves"]')!;
const groupElement = section.querySelector<HTMLElement>('[data-testid="report-group"]')!;
const report = reportTo(section.querySelector<HTMLElement>('.error')!);
const ZONE_COLOURS = ['#5b7083', '#2f7fd8', '#21a35b', '#f08c1d', '#e0383e'];
const CURVE_WIDTH_PX = 900;

export const reportPage: Page = {
  async open(context, sessionId) {
    section.querySelector<HTMLButtonElement>('.back')!.onclick = () => {
      location.hash = context.staff ? 'sessions' : 'wellness';
    };
    section.querySelector<HTMLButtonElement>('.print')!.onclick = () => window.print();
    if (!sessionId) return;
    await report(() => render(context, sessionId));
  },
  close() {
    curves.replaceChildren();
  },
};

async function render(context: ClubContext, sessionId: string): Promise<void> {
  const data = await apiGet<SessionReport>(`${context.base}/sessions/${encodeURIComponent(sessionId)}/report?width=${CURVE_WIDTH_PX}`);
  const { session } = data;
  section.querySelector('.title')!.textContent = `${session.title}${session.stopMs === null ? ' (running)' : ''}`;
  section.querySelector('.meta')!.textContent = [
    dateTime(session.startMs),
    session.stopMs === null ? null : duration(session.stopMs - session.startMs),
    session.coachName ? `coach ${session.coachName}` : null,
    `zones by ${data.zoneModel === 'reserve' ? 'heart-rate reserve' : '% of max'}`,
  ]
    .filter(Boolean)
    .join(' · ');
  const group = data.group;
  groupElement.textContent = group
    ? `${group.athletes} athletes · average ${group.avgHr ?? '—'} bpm · ${group.kcal} kcal · ${group.points} points · mean TRIMP ${group.trimpBanister ?? '—'} · mean minutes in Z1–Z5: ${group.timeInZoneS.map(minutes).join(' / ')}`
    : '';
  rows.replaceChildren(...data.athletes.map((athlete) => athleteRow(context, athlete, session.id)));
  // Staff take the whole session as one CSV (every athlete, a row a second).
  const sessionCsv = document.createElement('a');
  sessionCsv.className = 'button';
  sessionCsv.dataset.testid = 'session-csv';
  sessionCsv.textContent = 'Session CSV';
  sessionCsv.href = `${context.base}/sessions/${encodeURIComponent(session.id)}/export.csv`;
  sessionCsv.download = '';
  section.querySelector('.session-csv')!.replaceChildren(...(context.staff ? [sessionCsv] : []));
  curves.replaceChildren();
  const chartsStarted = performance.now();
  // Read once: asking for it after each curve went in would lay the page out again thirty times.
  const availablePx = curves.clientWidth;
  for (const athlete of data.athletes) {
    const figure = document.createElement('figure');
    figure.dataset.athlete = athlete.athlete;
    const caption = document.createElement('figcaption');
    caption.textContent = athlete.name;
    figure.append(caption);
    curves.append(figure);
    figure.append(athleteCurve(athlete, availablePx));
  }
  // For `npm run bench` and the browser's performance panel: chart time (drawing every curve), and the
  // time to the frame that shows the report (the table's layout included).
  performance.measure('sc:report-charts', { start: chartsStarted });
  requestAnimationFrame(() => performance.measure('sc:report-painted', { start: chartsStarted }));
}

function athleteRow(context: ClubContext, athlete: ReportAthlete, sessionId: string): HTMLTableRowElement {
  const m = athlete.metrics;
  const row = rowOf([
    athlete.name,
    duration(m.durationS * 1000),
    m.avgHr,
    m.maxHr,
    ...m.timeInZoneS.map(minutes),
    m.kcal,
    m.trimpBanister,
    m.trimpEdwards,
    m.points,
    m.rmssdMs,
    m.sdnnMs,
    m.hrr60Bpm,
    m.notes.join('; ') || null,
  ]);
  row.dataset.athlete = athlete.athlete;
  const exports = row.insertCell();
  exports.className = 'no-print';
  exports.append(...exportLinks(context, sessionId, athlete.athlete));
  // A maximum held above the recorded one: the coach decides whether it becomes the athlete's maximum.
  // Above 230 bpm is not a maximum but a strap's artefact: shown, never offered.
  if (m.suggestedMaxHrBpm !== null && context.staff && m.suggestedMaxHrBpm <= 230) {
    const cell = row.cells[row.cells.length - 2]!;
    cell.textContent = `${cell.textContent === '—' ? '' : `${cell.textContent}; `}held ${m.suggestedMaxHrBpm} bpm above the max of ${athlete.maxHrBpm}`;
    cell.append(
      button(`Set max to ${m.suggestedMaxHrBpm}`, async () => {
        await report(() =>
          apiSend('PATCH', `${context.base}/athletes/${encodeURIComponent(athlete.athlete)}`, { maxHrBpm: m.suggestedMaxHrBpm }),
        );
        cell.textContent = `max set to ${m.suggestedMaxHrBpm}`;
      }),
    );
  }
  return row;
}

/** The athlete's curve over coloured bands, one per zone (from the zone's floor to the next one's). */
function athleteCurve(athlete: ReportAthlete, availablePx: number): HTMLCanvasElement {
  const floors = athlete.zoneFloorsBpm;
  return curveChart(
    { t: athlete.curve.t, hr: athlete.curve.hr, zoneFloorsBpm: floors },
    {
      width: Math.min(CURVE_WIDTH_PX, availablePx || CURVE_WIDTH_PX),
      height: 200,
      yMinBpm: Math.min(60, ...(floors ?? [60])) - 10,
      yMaxBpm: 210,
      zoneColours: ZONE_COLOURS,
      line: '#eef2f6',
      grid: '#26313d',
      text: '#93a1b0',
    },
    `Heart rate of ${athlete.name} over the session`,
  );
}

const minutes = (seconds: number) => String(Math.round(seconds / 60));

/** Links to an athlete's part of a session as a FIT activity (for Strava, Garmin Connect…) and as CSV. */
export function exportLinks(context: ClubContext, sessionId: string, athlete: string): HTMLAnchorElement[] {
  const base = `${context.base}/sessions/${encodeURIComponent(sessionId)}/athletes/${encodeURIComponent(athlete)}`;
  // The activity's local time is the wearer's: the browser's time zone.
  const tz = encodeURIComponent(Intl.DateTimeFormat().resolvedOptions().timeZone);
  return [
    ['FIT', `${base}/export.fit?tz=${tz}`],
    ['CSV', `${base}/export.csv`],
  ].map(([label, href]) => {
    const link = document.createElement('a');
    link.textContent = label!;
    link.href = href!;
    link.download = '';
    link.className = 'button small';
    link.dataset.export = label!.toLowerCase();
    return link;
  });
}
