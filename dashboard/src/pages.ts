import type { Me } from '../../protocol/api.ts';
import { MANAGER_ROLES, STAFF_ROLES } from '../../protocol/role-sets.ts';

// The page's sections and the tabs between them. Which tabs a person sees follows their role in the club;
// the API decides what they may actually do.

/** Who is looking at which club. */
export interface ClubContext {
  club: string;
  /** `/api/v1/clubs/{club}`. */
  base: string;
  me: Me;
  staff: boolean;
  manager: boolean;
  /** The athlete the person is, in this club. */
  athlete: string | null;
  /** The server plays scenarios for this club (`up`, a club SIM_CLUBS names) and the person is staff there. */
  simulator: boolean;
}

export interface Page {
  /** Shows its data (again); polling pages start polling. `argument`: what follows the page in the address (#report:s_123). */
  open(context: ClubContext, argument?: string): Promise<void> | void;
  /** Stops what open started. */
  close?(): void;
}

export function contextOf(me: Me, club: string): ClubContext {
  const membership = me.memberships.find((candidate) => candidate.club === club);
  return {
    club,
    base: `/api/v1/clubs/${encodeURIComponent(club)}`,
    me,
    staff: me.user.platformAdmin || (membership !== undefined && STAFF_ROLES.includes(membership.role)),
    manager: me.user.platformAdmin || (membership !== undefined && MANAGER_ROLES.includes(membership.role)),
    athlete: membership?.role === 'athlete' ? membership.athlete : null,
    simulator: false,
  };
}

const nav = document.querySelector<HTMLElement>('#pages')!;
let current: { id: string; page: Page } | null = null;
let context: ClubContext | null = null;

/** The tabs of one person in one club; opens the page in the address (#sessions), or the live view. */
export function showPages(club: ClubContext, pages: Record<string, Page>): void {
  context = club;
  nav.hidden = false;
  for (const tab of nav.querySelectorAll<HTMLButtonElement>('button[data-page]')) {
    tab.hidden =
      (tab.dataset.staff !== undefined && !club.staff) ||
      (tab.dataset.manager !== undefined && !club.manager) ||
      (tab.dataset.simulator !== undefined && !club.simulator);
    // Staff look at any athlete's week; an athlete at their own.
    if (tab.dataset.page === 'wellness') tab.textContent = club.athlete ? 'My week' : 'Weeks';
    tab.onclick = () => {
      location.hash = tab.dataset.page!;
    };
  }
  const openFromAddress = () => {
    const [asked = '', argument] = location.hash.slice(1).split(':');
    const tab = nav.querySelector<HTMLButtonElement>(`button[data-page="${CSS.escape(asked)}"]`);
    // A page with a tab opens when its tab is shown to this person; one without (a report) opens for anyone in the club.
    const allowed = pages[asked] !== undefined && (tab ? !tab.hidden : true);
    open(allowed ? asked : 'live', pages, allowed ? argument : undefined);
  };
  window.onhashchange = openFromAddress;
  current?.page.close?.();
  current = null;
  openFromAddress();
}

function open(id: string, pages: Record<string, Page>, argument?: string): void {
  current?.page.close?.();
  for (const section of document.querySelectorAll<HTMLElement>('main > .page, main > #live')) section.hidden = section.id !== id;
  for (const tab of nav.querySelectorAll<HTMLButtonElement>('button[data-page]')) tab.classList.toggle('active', tab.dataset.page === id);
  current = { id, page: pages[id]! };
  void current.page.open(context!, argument);
}
