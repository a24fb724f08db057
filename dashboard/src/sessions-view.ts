import type { LiveUpdate } from '../../protocol/api.ts';
import type { Athlete, Group, Session } from '../../protocol/roster.ts';
import { button, clockTime, dateTime, duration, formFields, listItem, reportTo, rowOf } from './dom.ts';
import { onLiveUpdate } from './live-view.ts';
import type { ClubContext, Page } from './pages.ts';
import { apiGet, apiSend } from './session.ts';

// The sessions page (staff): start one now, watch who takes part (late joiners marked) and who is live
// this second, stop it (which freezes its participants for the report); past sessions and groups below.

const section = document.querySelector<HTMLElement>('#sessions')!;
const startForm = section.querySelector<HTMLFormElement>('#session-start')!;
const running = section.querySelector<HTMLElement>('#running-session')!;
const participantList = running.querySelector<HTMLUListElement>('.participants')!;
const presentList = running.querySelector<HTMLUListElement>('.present')!;
const pastRows = section.querySelector<HTMLTableSectionElement>('[data-testid="past-sessions"] tbody')!;
const groupRows = section.querySelector<HTMLTableSectionElement>('[data-testid="groups"] tbody')!;
const groupForm = section.querySelector<HTMLFormElement>('#group-add')!;
const report = reportTo(section.querySelector<HTMLElement>('.error')!);

/** Joining this long after the start counts as late. */
const LATE_AFTER_MS = 5 * 60_000;
const REFRESH_MS = 5000;
let timer: ReturnType<typeof setInterval> | null = null;
let stopListening: (() => void) | null = null;

export const sessionsPage: Page = {
  async open(context) {
    startForm.onsubmit = async (event) => {
      event.preventDefault();
      const { title, group, plan } = formFields(startForm);
      const started = await report(() => apiSend('POST', `${context.base}/sessions`, { title, group: group ?? null, plan: plan ?? null }));
      if (started) startForm.reset();
      await report(() => render(context));
    };
    groupForm.onsubmit = async (event) => {
      event.preventDefault();
      const athletes = [...groupForm.querySelector<HTMLSelectElement>('select[name=athletes]')!.selectedOptions].map(
        (option) => option.value,
      );
      const { id, name } = formFields(groupForm);
      const created = await report(() => apiSend('POST', `${context.base}/groups`, { id, name, athletes }));
      if (created) groupForm.reset();
      await report(() => render(context));
    };
    stopListening = onLiveUpdate(renderPresent);
    await report(() => render(context));
    timer = setInterval(() => void report(() => render(context)), REFRESH_MS);
  },
  close() {
    if (timer) clearInterval(timer);
    timer = null;
    stopListening?.();
    stopListening = null;
  },
};

let names = new Map<string, string>();

async function render(context: ClubContext): Promise<void> {
  const [{ sessions }, { groups }, { athletes }] = await Promise.all([
    apiGet<{ sessions: Session[] }>(`${context.base}/sessions`),
    apiGet<{ groups: Group[] }>(`${context.base}/groups`),
    apiGet<{ athletes: Athlete[] }>(`${context.base}/athletes`),
  ]);
  names = new Map(athletes.map((athlete) => [athlete.id, athlete.displayName ?? athlete.name]));
  const groupNames = new Map(groups.map((group) => [group.id, group.name]));
  const current = sessions.find((session) => session.stopMs === null);
  startForm.hidden = current !== undefined;
  running.hidden = current === undefined;
  if (current) {
    // The list answers participants as of the last stop; a running one's come from its own read.
    const session = await apiGet<Session>(`${context.base}/sessions/${current.id}`);
    running.dataset.session = session.id;
    running.querySelector('.title')!.textContent = session.title;
    running.querySelector('.meta')!.textContent = [
      session.coachName,
      session.group ? (groupNames.get(session.group) ?? session.group) : null,
      `since ${clockTime(session.startMs)}`,
      duration(Date.now() - session.startMs),
    ]
      .filter(Boolean)
      .join(' · ');
    participantList.replaceChildren(
      ...session.participants.map((participant) => {
        const late = participant.joinedMs - session.startMs > LATE_AFTER_MS;
        const item = listItem(
          `${names.get(participant.athlete) ?? participant.athlete} · joined ${clockTime(participant.joinedMs)}${late ? ' (late)' : ''}`,
        );
        item.dataset.athlete = participant.athlete;
        return item;
      }),
    );
    running.querySelector<HTMLButtonElement>('.stop')!.onclick = async () => {
      await report(() => apiSend('POST', `${context.base}/sessions/${session.id}/stop`));
      await report(() => render(context));
    };
  }
  pastRows.replaceChildren(
    ...sessions
      .filter((session) => session.stopMs !== null)
      .map((session) => {
        const row = rowOf([
          session.title,
          session.coachName,
          session.group ? (groupNames.get(session.group) ?? session.group) : null,
          dateTime(session.startMs),
          duration(session.stopMs! - session.startMs),
          session.participants.map((participant) => names.get(participant.athlete) ?? participant.athlete).join(', ') || null,
        ]);
        row.dataset.session = session.id;
        row.insertCell().append(
          button('Report', () => {
            location.hash = `report:${session.id}`;
          }),
        );
        return row;
      }),
  );
  groupRows.replaceChildren(
    ...groups.map((group) => {
      const row = rowOf([group.name, group.athletes.map((athlete) => names.get(athlete) ?? athlete).join(', ') || null]);
      row.insertCell().append(
        button('Remove', async () => {
          await report(() => apiSend('DELETE', `${context.base}/groups/${encodeURIComponent(group.id)}`));
          await report(() => render(context));
        }),
      );
      return row;
    }),
  );
  const groupSelect = startForm.querySelector<HTMLSelectElement>('select[name=group]')!;
  const chosen = groupSelect.value;
  groupSelect.replaceChildren(new Option('—', ''), ...groups.map((group) => new Option(group.name, group.id)));
  groupSelect.value = chosen;
  const memberSelect = groupForm.querySelector<HTMLSelectElement>('select[name=athletes]')!;
  if (memberSelect.options.length !== athletes.length)
    memberSelect.replaceChildren(...athletes.map((athlete) => new Option(athlete.name, athlete.id)));
}

/** Who is live this second (the live stream's tiles): present, whether or not they have joined yet. */
function renderPresent(update: LiveUpdate): void {
  const live = update.athletes.filter((tile) => tile.paired && tile.state === 'live');
  presentList.replaceChildren(
    ...live.map((tile) => {
      const item = listItem(`${tile.name} · ${tile.heartRateBpm ?? '—'} bpm`);
      item.dataset.athlete = tile.id;
      return item;
    }),
  );
}
