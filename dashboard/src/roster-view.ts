import type { Athlete, Device } from '../../protocol/roster.ts';
import type { RosterImportResult } from '../../protocol/roster-csv.ts';
import { button, dateTime, formFields, reportTo, rowOf } from './dom.ts';
import type { ClubContext, Page } from './pages.ts';
import { apiGet, apiSend, apiUpload, installedProfiles } from './session.ts';

// The roster page (staff): athletes one by one or from a spreadsheet, devices as someone's own or the
// club's pool, and the club's choice of maximum heart-rate estimate.

const section = document.querySelector<HTMLElement>('#roster')!;
const athleteRows = section.querySelector<HTMLTableSectionElement>('[data-testid="athletes"] tbody')!;
const deviceRows = section.querySelector<HTMLTableSectionElement>('[data-testid="devices"] tbody')!;
const athleteForm = section.querySelector<HTMLFormElement>('#athlete-add')!;
const importForm = section.querySelector<HTMLFormElement>('#roster-import')!;
const importResult = section.querySelector<HTMLElement>('[data-testid="import-result"]')!;
const deviceForm = section.querySelector<HTMLFormElement>('#device-add')!;
const settingsForm = section.querySelector<HTMLFormElement>('#club-settings')!;
const report = reportTo(section.querySelector<HTMLElement>('.error')!);

/** Built-in kinds of device; plugin profiles are added with their labels when the page opens. */
const PROFILE_LABELS: Record<string, string> = {
  heart_rate: 'heart rate',
  cycling_power: 'cycling power',
  cadence_speed: 'cadence and speed',
  running: 'running',
  indoor_bike: 'indoor bike',
  treadmill: 'treadmill',
};

export const rosterPage: Page = {
  async open(context) {
    const refresh = () => report(() => render(context));
    athleteForm.onsubmit = async (event) => {
      event.preventDefault();
      const { consent, ...fields } = formFields(athleteForm, ['birthYear', 'weightKg', 'restHrBpm', 'maxHrBpm']);
      const created = await report(() =>
        apiSend('POST', `${context.base}/athletes`, { ...fields, ...(consent ? { consentMs: Date.now() } : {}) }),
      );
      if (created) athleteForm.reset();
      await refresh();
    };
    importForm.onsubmit = async (event) => {
      event.preventDefault();
      const file = importForm.querySelector<HTMLInputElement>('input[type=file]')!.files?.[0];
      if (!file) return;
      importResult.textContent = `Importing ${file.name}…`;
      try {
        const result = await apiUpload<RosterImportResult>(`${context.base}/athletes/import`, file, 'text/csv');
        importResult.textContent = [
          `${result.created} created, ${result.updated} updated, ${result.errors.length} refused`,
          ...result.errors.map((error) => `line ${error.line}: ${error.reason}`),
        ].join('\n');
        importForm.reset();
      } catch (error) {
        importResult.textContent = (error as Error).message;
      }
      await refresh();
    };
    deviceForm.onsubmit = async (event) => {
      event.preventDefault();
      const { owner, ...fields } = formFields(deviceForm);
      const created = await report(() => apiSend('POST', `${context.base}/devices`, { ...fields, owner: owner ?? null }));
      if (created) deviceForm.reset();
      await refresh();
    };
    settingsForm.onsubmit = async (event) => {
      event.preventDefault();
      const { retentionMonths, ...fields } = formFields(settingsForm, ['retentionMonths']);
      await report(() => apiSend('PATCH', context.base, { ...fields, retentionMonths: retentionMonths ?? null }));
      await refresh();
    };
    settingsForm.hidden = !context.manager;
    await report(addPluginProfiles);
    await refresh();
  },
};

/** Devices of installed plugins can be registered too (an OxaSense SmO2 sensor, say). */
async function addPluginProfiles(): Promise<void> {
  const { profiles } = await installedProfiles();
  const select = deviceForm.querySelector<HTMLSelectElement>('select[name=profile]')!;
  for (const profile of profiles.filter((candidate) => !candidate.builtIn)) {
    PROFILE_LABELS[profile.name] = profile.label;
    if (![...select.options].some((option) => option.value === profile.name)) select.add(new Option(profile.label, profile.name));
  }
}

async function render(context: ClubContext): Promise<void> {
  const [{ athletes }, { devices }, settings] = await Promise.all([
    apiGet<{ athletes: Athlete[] }>(`${context.base}/athletes`),
    apiGet<{ devices: Device[] }>(`${context.base}/devices`),
    apiGet<{ maxHrFormula: string; zoneModel: string; retentionMonths: number | null }>(context.base),
  ]);
  const rerender = () => report(() => render(context));
  const nameOf = new Map(athletes.map((athlete) => [athlete.id, athlete.name]));
  athleteRows.replaceChildren(
    ...athletes.map((athlete) => {
      const row = rowOf([
        athlete.name,
        athlete.id,
        athlete.birthYear,
        athlete.restHrBpm,
        athlete.maxHrBpm === null ? null : `${athlete.maxHrBpm}${athlete.maxHrEstimated ? ' (estimated)' : ''}`,
        athlete.consentMs === null ? 'no' : dateTime(athlete.consentMs),
        athlete.devices.join(', ') || null,
      ]);
      row.dataset.athlete = athlete.id;
      const actions = row.insertCell();
      if (context.manager)
        actions.append(
          button('Remove', async () => {
            if (!confirm(`Remove ${athlete.name} from the roster? Their samples stay under the devices.`)) return;
            await report(() => apiSend('DELETE', `${context.base}/athletes/${encodeURIComponent(athlete.id)}`));
            await rerender();
          }),
        );
      return row;
    }),
  );
  deviceRows.replaceChildren(
    ...devices.map((device) => {
      const row = rowOf([
        device.id,
        device.label,
        PROFILE_LABELS[device.profile] ?? device.profile,
        device.owner === null ? 'club pool' : (nameOf.get(device.owner) ?? device.owner),
        device.athlete === null ? null : (nameOf.get(device.athlete) ?? device.athlete),
      ]);
      row.dataset.device = device.id;
      row.insertCell().append(
        button('Remove', async () => {
          await report(() => apiSend('DELETE', `${context.base}/devices/${encodeURIComponent(device.id)}`));
          await rerender();
        }),
      );
      return row;
    }),
  );
  const ownerSelect = deviceForm.querySelector<HTMLSelectElement>('select[name=owner]')!;
  ownerSelect.replaceChildren(
    new Option('club pool (loaner belts)', ''),
    ...athletes.map((athlete) => new Option(`${athlete.name}’s own`, athlete.id)),
  );
  settingsForm.querySelector<HTMLSelectElement>('select[name=maxHrFormula]')!.value = settings.maxHrFormula;
  settingsForm.querySelector<HTMLSelectElement>('select[name=zoneModel]')!.value = settings.zoneModel;
  settingsForm.querySelector<HTMLInputElement>('input[name=retentionMonths]')!.value = settings.retentionMonths?.toString() ?? '';
}
