import type { Athlete, Device, NearbyDevice, Pairing } from '../../protocol/roster.ts';
import { button, clockTime, reportTo, rowOf } from './dom.ts';
import type { ClubContext, Page } from './pages.ts';
import { apiGet, apiSend } from './session.ts';

// The pairing page (staff), the two flows done at the club's door: a pool belt handed out at check-in
// (tap the belt, tap the athlete), and a walk-in whose strap the club does not know yet (the devices
// nearby, with heart rate and signal, refreshed live). An athlete's own strap needs nothing here: it is
// paired whenever it shows up (registered on the roster page, or by a walk-in pairing).

const section = document.querySelector<HTMLElement>('#pairing')!;
const poolChips = section.querySelector<HTMLElement>('[data-testid="pool-belts"]')!;
const athleteChips = section.querySelector<HTMLElement>('[data-testid="check-in-athletes"]')!;
const nearbyRows = section.querySelector<HTMLTableSectionElement>('[data-testid="nearby"] tbody')!;
const wornRows = section.querySelector<HTMLTableSectionElement>('[data-testid="worn"] tbody')!;
const walkInForm = section.querySelector<HTMLFormElement>('#walk-in')!;
const report = reportTo(section.querySelector<HTMLElement>('.error')!);

/** How often the nearby list is asked again: a strap's number changes every beat. */
const NEARBY_REFRESH_MS = 2000;
let timer: ReturnType<typeof setInterval> | null = null;
let chosenBelt: string | null = null;

export const pairingPage: Page = {
  async open(context) {
    chosenBelt = null;
    walkInForm.hidden = true;
    await report(() => renderRoster(context));
    await report(() => renderNearby(context));
    timer = setInterval(() => void report(() => renderNearby(context)), NEARBY_REFRESH_MS);
  },
  close() {
    if (timer) clearInterval(timer);
    timer = null;
  },
};

async function renderRoster(context: ClubContext): Promise<void> {
  const [{ athletes }, { devices }] = await Promise.all([
    apiGet<{ athletes: Athlete[] }>(`${context.base}/athletes`),
    apiGet<{ devices: Device[] }>(`${context.base}/devices`),
  ]);
  const nameOf = new Map(athletes.map((athlete) => [athlete.id, athlete.name]));
  const refresh = () => report(() => renderRoster(context));

  // Check-in: free pool belts, then (once one is chosen) the athletes.
  const freeBelts = devices.filter((device) => device.owner === null && device.athlete === null);
  poolChips.replaceChildren(
    ...freeBelts.map((device) => {
      const chip = button(device.label ?? device.id, () => {
        chosenBelt = device.id;
        for (const other of poolChips.children) other.classList.toggle('chosen', other === chip);
        athleteChips.hidden = false;
      });
      chip.dataset.device = device.id;
      return chip;
    }),
  );
  if (freeBelts.length === 0) poolChips.textContent = 'No free pool belt (register them on the roster page, owner “club pool”).';
  athleteChips.hidden = chosenBelt === null;
  athleteChips.replaceChildren(
    ...athletes.map((athlete) => {
      const chip = button(athlete.displayName ?? athlete.name, async () => {
        if (!chosenBelt) return;
        const belt = chosenBelt;
        chosenBelt = null;
        await report(() => apiSend('POST', `${context.base}/pairings`, { device: belt, athlete: athlete.id }));
        await refresh();
        await report(() => renderNearby(context));
      });
      chip.dataset.athlete = athlete.id;
      return chip;
    }),
  );

  // Worn now: every pairing in force, each can be ended (a pool belt handed back).
  const worn = devices.filter((device) => device.athlete !== null);
  const since = await apiGet<{ pairings: Pairing[] }>(`${context.base}/pairings?fromMs=${Date.now()}&toMs=${Date.now() + 1}`);
  const fromOf = new Map(since.pairings.map((pairing) => [pairing.device, pairing.fromMs]));
  wornRows.replaceChildren(
    ...worn.map((device) => {
      const from = fromOf.get(device.id);
      const row = rowOf([
        device.label ? `${device.label} (${device.id})` : device.id,
        nameOf.get(device.athlete!) ?? device.athlete,
        from === undefined || from === 0 ? null : clockTime(from),
      ]);
      row.dataset.device = device.id;
      // An athlete's own strap stays theirs (the roster page gives it to someone else or to the pool).
      if (device.owner !== null) row.insertCell().textContent = 'own strap';
      else
        row.insertCell().append(
          button('Hand back', async () => {
            await report(() => apiSend('DELETE', `${context.base}/pairings/${encodeURIComponent(device.id)}`));
            await refresh();
          }),
        );
      return row;
    }),
  );

  const athleteSelect = walkInForm.querySelector<HTMLSelectElement>('select[name=athlete]')!;
  athleteSelect.replaceChildren(...athletes.map((athlete) => new Option(athlete.name, athlete.id)));
}

async function renderNearby(context: ClubContext): Promise<void> {
  const { devices } = await apiGet<{ devices: NearbyDevice[] }>(`${context.base}/nearby-devices`);
  nearbyRows.replaceChildren(
    ...devices.map((device) => {
      const row = rowOf([
        device.id,
        device.heartRateBpm === null ? null : `${device.heartRateBpm} bpm`,
        device.rssiDbm === null ? null : signalBars(device.rssiDbm),
        device.batteryPercent === null ? null : `${device.batteryPercent}%`,
      ]);
      row.dataset.device = device.id;
      row.insertCell().append(button('This is mine', () => offerWalkIn(context, device)));
      return row;
    }),
  );
  if (devices.length === 0) nearbyRows.append(rowOf(['No unpaired device is sending right now.']));
}

function offerWalkIn(context: ClubContext, device: NearbyDevice): void {
  walkInForm.hidden = false;
  walkInForm.querySelector('.device')!.textContent = device.id;
  const attach = walkInForm.querySelector<HTMLInputElement>('input[name=attach]')!;
  const attachLabel = walkInForm.querySelector<HTMLElement>('.attach-label')!;
  attach.checked = device.unpairedSinceMs !== null;
  attach.disabled = device.unpairedSinceMs === null;
  attachLabel.textContent =
    device.unpairedSinceMs === null ? 'nothing to attach yet' : `attach what it sent since ${clockTime(device.unpairedSinceMs)}`;
  const own = walkInForm.querySelector<HTMLInputElement>('input[name=own]')!;
  // A belt the club knows is a pool belt (or someone's): pairing it is a check-in, not a new own strap.
  own.checked = !device.known;
  own.disabled = device.known;
  walkInForm.querySelector<HTMLButtonElement>('.cancel')!.onclick = () => {
    walkInForm.hidden = true;
  };
  walkInForm.onsubmit = async (event) => {
    event.preventDefault();
    const athlete = walkInForm.querySelector<HTMLSelectElement>('select[name=athlete]')!.value;
    const paired = await report(async () => {
      // An unknown strap not marked as theirs is registered as a pool belt first; otherwise pairing registers it as theirs.
      if (!device.known && !own.checked) await apiSend('POST', `${context.base}/devices`, { id: device.id, owner: null });
      return apiSend('POST', `${context.base}/pairings`, {
        device: device.id,
        athlete,
        ...(attach.checked && device.unpairedSinceMs !== null ? { fromMs: device.unpairedSinceMs } : {}),
      });
    });
    if (!paired) return;
    walkInForm.hidden = true;
    await report(() => renderRoster(context));
    await report(() => renderNearby(context));
  };
}

/** Signal strength as bars (and the number, for whoever compares two straps). */
function signalBars(rssiDbm: number): string {
  const bars = rssiDbm >= -55 ? 4 : rssiDbm >= -67 ? 3 : rssiDbm >= -78 ? 2 : 1;
  return `${'▮'.repeat(bars)}${'▯'.repeat(4 - bars)} ${rssiDbm} dBm`;
}
