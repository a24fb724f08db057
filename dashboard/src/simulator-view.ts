import type { ScenarioStatus, ScenarioSummary, SimulatorFault } from '../../protocol/scenario.ts';
import { button, reportTo, rowOf } from './dom.ts';
import type { ClubContext, Page } from './pages.ts';
import { apiGet, apiSend, installedProfiles } from './session.ts';

// The simulator page of a demo club: a scenario's virtual athletes through the real gateway code, virtual
// devices of any installed profile added on the spot, and faults injected while the club watches.

const section = document.querySelector<HTMLElement>('#simulator')!;
const startForm = section.querySelector<HTMLFormElement>('#simulator-start')!;
const stopButton = section.querySelector<HTMLButtonElement>('#simulator-stop')!;
const deviceForm = section.querySelector<HTMLFormElement>('#simulator-device')!;
const offlineButton = section.querySelector<HTMLButtonElement>('#simulator-gateway-offline')!;
const description = section.querySelector<HTMLElement>('[data-testid="scenario-description"]')!;
const statusLine = section.querySelector<HTMLElement>('[data-testid="simulator-status"]')!;
const athleteRows = section.querySelector<HTMLTableSectionElement>('[data-testid="simulator-athletes"] tbody')!;
const events = section.querySelector<HTMLOListElement>('[data-testid="simulator-events"]')!;
const report = reportTo(section.querySelector<HTMLElement>('.error')!);

const POLL_MS = 2000;
let poll: number | null = null;

export const simulatorPage: Page = {
  async open(context) {
    // Outside `up`, or in a club that is not a demo club, the API says why: the page shows it and stops there.
    const loaded = await report(() =>
      Promise.all([apiGet<{ scenarios: ScenarioSummary[] }>(`${context.base}/simulator/scenarios`), installedProfiles()]),
    );
    if (!loaded) return;
    const [{ scenarios }, { profiles }] = loaded;
    const scenarioSelect = startForm.querySelector<HTMLSelectElement>('select[name=scenario]')!;
    scenarioSelect.replaceChildren(
      ...scenarios.map((scenario) => {
        const option = new Option(scenario.error ? `${scenario.id} (cannot be played)` : (scenario.name ?? scenario.id), scenario.id);
        option.disabled = scenario.error !== null;
        return option;
      }),
    );
    const describe = () => {
      const scenario = scenarios.find((candidate) => candidate.id === scenarioSelect.value);
      description.textContent = scenario
        ? (scenario.error ?? `${scenario.description} (${scenario.athletes} athletes, ${scenario.speed}× speed)`)
        : '';
    };
    scenarioSelect.onchange = describe;
    describe();
    deviceForm
      .querySelector<HTMLSelectElement>('select[name=profile]')!
      .replaceChildren(...profiles.filter((profile) => profile.simulated).map((profile) => new Option(profile.label, profile.name)));

    startForm.onsubmit = async (event) => {
      event.preventDefault();
      await report(() => apiSend('POST', `${context.base}/simulator/start`, { scenario: scenarioSelect.value }));
      await refresh(context);
    };
    stopButton.onclick = async () => {
      await report(() => apiSend('POST', `${context.base}/simulator/stop`));
      await refresh(context);
    };
    deviceForm.onsubmit = async (event) => {
      event.preventDefault();
      const data = new FormData(deviceForm);
      const athlete = String(data.get('athlete') ?? '');
      await report(() =>
        apiSend('POST', `${context.base}/simulator/devices`, { profile: String(data.get('profile')), ...(athlete ? { athlete } : {}) }),
      );
      await refresh(context);
    };
    offlineButton.onclick = () => inject(context, { type: 'gateway_offline', durationS: 60 });
    await refresh(context);
    poll = window.setInterval(() => void refresh(context), POLL_MS);
  },
  close() {
    if (poll !== null) window.clearInterval(poll);
    poll = null;
  },
};

async function inject(context: ClubContext, fault: SimulatorFault): Promise<void> {
  await report(() => apiSend('POST', `${context.base}/simulator/faults`, fault));
  await refresh(context);
}

async function refresh(context: ClubContext): Promise<void> {
  const status = await report(() => apiGet<{ running: ScenarioStatus | null }>(`${context.base}/simulator`));
  render(context, status?.running ?? null);
}

function render(context: ClubContext, running: ScenarioStatus | null): void {
  stopButton.disabled = running === null;
  deviceForm.hidden = running === null;
  statusLine.textContent = running
    ? `Playing “${running.name}”: ${clock(running.elapsedS)} in, ${running.phase}, ${running.speed}× speed · gateway ${running.gatewayOnline ? 'online' : 'offline'}`
    : 'No scenario is running.';
  const athleteSelect = deviceForm.querySelector<HTMLSelectElement>('select[name=athlete]')!;
  const chosen = athleteSelect.value;
  athleteSelect.replaceChildren(
    new Option('nobody (a walk-in)', ''),
    ...(running?.athletes ?? []).map((athlete) => new Option(athlete.name, athlete.name)),
  );
  athleteSelect.value = [...athleteSelect.options].some((option) => option.value === chosen) ? chosen : '';
  athleteRows.replaceChildren(
    ...(running?.athletes ?? []).map((athlete) => {
      const devices = athlete.devices
        .map((device) => `${device.profile} (${device.inRange ? '' : 'out of range, '}battery ${device.batteryPercent} %)`)
        .join(' · ');
      const row = rowOf([athlete.name, athlete.contact ? `${athlete.heartRateBpm} bpm` : 'no skin contact', devices]);
      row.dataset.athlete = athlete.name;
      row.insertCell().append(
        button('Dropout 30 s', () => inject(context, { type: 'dropout', athlete: athlete.name, durationS: 30 })),
        button('Contact loss 20 s', () => inject(context, { type: 'contact_loss', athlete: athlete.name, durationS: 20 })),
        button('Low battery', () => inject(context, { type: 'low_battery', athlete: athlete.name, batteryPercent: 5 })),
      );
      return row;
    }),
  );
  events.replaceChildren(
    ...(running?.events ?? []).map((event) => {
      const item = document.createElement('li');
      item.textContent = event;
      return item;
    }),
  );
}

const clock = (seconds: number) => new Date(seconds * 1000).toISOString().slice(11, 19);
