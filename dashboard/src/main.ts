import './styles.css';
import type { Me } from '../../protocol/api.ts';
import { adminPage } from './admin-view.ts';
import { historyPage } from './history-view.ts';
import { screenPage, showLive } from './live-view.ts';
import { contextOf, showPages } from './pages.ts';
import { pairingPage } from './pairing-view.ts';
import { reportPage } from './report-view.ts';
import { rosterPage } from './roster-view.ts';
import { acceptInvitation, apiGet, logIn, logOut, readInvitation, whoAmI } from './session.ts';
import { sessionsPage } from './sessions-view.ts';
import { simulatorPage } from './simulator-view.ts';
import { wellnessPage } from './wellness-view.ts';

// The page: log in (or accept an invitation), then one of the person's clubs: its live view, and for
// staff its sessions, pairing and roster pages.

const loginForm = document.querySelector<HTMLFormElement>('#login')!;
const invitationForm = document.querySelector<HTMLFormElement>('#invitation')!;
const who = document.querySelector<HTMLElement>('#who')!;
const logoutButton = document.querySelector<HTMLButtonElement>('#logout')!;
const clubSelect = document.querySelector<HTMLSelectElement>('#club-select')!;
const clubName = document.querySelector<HTMLElement>('#club-name')!;

function showError(form: HTMLFormElement, message: string): void {
  form.querySelector<HTMLElement>('.error')!.textContent = message;
}

/** The clubs a person may watch: their memberships (a platform admin names one in ?club=). */
function clubsOf(me: Me): string[] {
  const clubs = me.memberships.map((membership) => membership.club);
  const asked = new URLSearchParams(location.search).get('club');
  if (asked && (me.user.platformAdmin || clubs.includes(asked))) return [asked, ...clubs.filter((club) => club !== asked)];
  return clubs;
}

function enter(me: Me): void {
  loginForm.hidden = true;
  invitationForm.hidden = true;
  who.textContent = me.user.name;
  logoutButton.hidden = false;
  const clubs = clubsOf(me);
  if (clubs.length === 0) {
    clubName.textContent = '· no club yet';
    return;
  }
  clubSelect.replaceChildren(...clubs.map((club) => new Option(club, club)));
  clubSelect.hidden = clubs.length < 2;
  const watch = async (club: string) => {
    clubName.textContent = `· ${club}`;
    void showLive(club);
    const context = contextOf(me, club);
    // The simulator's tab only where the server plays scenarios for this club: the API says so, or refuses.
    context.simulator =
      context.staff &&
      (await apiGet(`${context.base}/simulator`).then(
        () => true,
        () => false,
      ));
    // Another club chosen while the answer came: its own watch shows its tabs.
    if (clubSelect.value !== club) return;
    showPages(context, {
      live: { open: () => undefined },
      screen: screenPage,
      sessions: sessionsPage,
      pairing: pairingPage,
      roster: rosterPage,
      wellness: wellnessPage,
      history: historyPage,
      report: reportPage,
      admin: adminPage,
      simulator: simulatorPage,
    });
  };
  clubSelect.onchange = () => void watch(clubSelect.value);
  void watch(clubs[0]!);
}

function askForLogin(): void {
  loginForm.hidden = false;
  loginForm.onsubmit = async (event) => {
    event.preventDefault();
    const data = new FormData(loginForm);
    try {
      enter(await logIn(String(data.get('email')), String(data.get('password'))));
    } catch (error) {
      showError(loginForm, (error as Error).message);
    }
  };
}

async function askToAcceptInvitation(token: string): Promise<void> {
  try {
    const invitation = await readInvitation(token);
    invitationForm.querySelector('.club')!.textContent = invitation.club;
    invitationForm.querySelector('.role')!.textContent = invitation.role;
    invitationForm.querySelector('.email')!.textContent = invitation.email;
  } catch (error) {
    showError(invitationForm, (error as Error).message);
  }
  invitationForm.hidden = false;
  invitationForm.onsubmit = async (event) => {
    event.preventDefault();
    const data = new FormData(invitationForm);
    try {
      const me = await acceptInvitation(token, String(data.get('name')), String(data.get('password')));
      history.replaceState(null, '', location.pathname);
      enter(me);
    } catch (error) {
      showError(invitationForm, (error as Error).message);
    }
  };
}

logoutButton.onclick = async () => {
  await logOut();
  location.reload();
};

const invitation = new URLSearchParams(location.search).get('invitation');
if (invitation) {
  void askToAcceptInvitation(invitation);
} else {
  void whoAmI().then((me) => (me ? enter(me) : askForLogin()));
}
