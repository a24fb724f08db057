import uPlot from 'uplot';
import type { HistoryResponse } from '../../protocol/api.ts';
import type { Athlete } from '../../protocol/roster.ts';
import { reportTo } from './dom.ts';
import type { ClubContext, Page } from './pages.ts';
import { apiGet, installedProfiles } from './session.ts';

// An athlete's heart rate, or a value a device plugin charts (muscle oxygen, say), over a period (staff:
// anyone in the club; an athlete: themselves), from the history API: the samples of every device they
// wore, by the pairing log.

const section = document.querySelector<HTMLElement>('#history')!;
const form = section.querySelector<HTMLFormElement>('#history-query')!;
const summary = section.querySelector<HTMLElement>('[data-testid="history-summary"]')!;
const chartElement = section.querySelector<HTMLElement>('#history-chart')!;
const report = reportTo(section.querySelector<HTMLElement>('.error')!);
let chart: uPlot | null = null;

/** What the Measure list offers: heart rate, then every chart field of the installed plugins' kinds. */
interface Measure {
  kind: string;
  field: string;
  label: string;
  unit: string;
  range: [number, number];
}
const HEART_RATE: Measure = { kind: 'heart_rate', field: 'heartRateBpm', label: 'Heart rate', unit: 'bpm', range: [40, 200] };
let measures: Measure[] = [HEART_RATE];

async function loadMeasures(): Promise<void> {
  const { kinds } = await installedProfiles();
  measures = [
    HEART_RATE,
    ...kinds.flatMap((kind) =>
      kind.chart.map((name) => {
        const field = kind.fields.find((candidate) => candidate.name === name)!;
        return {
          kind: kind.name,
          field: name,
          label: `${kind.label}: ${field.label}`,
          unit: field.unit,
          range: [field.min, field.max] as [number, number],
        };
      }),
    ),
  ];
  const select = form.querySelector<HTMLSelectElement>('select[name=measure]')!;
  const chosen = select.value;
  select.replaceChildren(
    ...measures.map((measure) => new Option(`${measure.label} (${measure.unit})`, `${measure.kind}|${measure.field}`)),
  );
  if (measures.some((measure) => `${measure.kind}|${measure.field}` === chosen)) select.value = chosen;
}

const chosenMeasure = () => {
  const value = String(new FormData(form).get('measure'));
  return measures.find((measure) => `${measure.kind}|${measure.field}` === value) ?? HEART_RATE;
};

/** About 300 points whatever the period: one-minute buckets for an hour, longer ones beyond. */
const bucketFor = (periodMs: number) => `${Math.max(60, Math.round(periodMs / 300 / 60_000) * 60)}s`;

export const historyPage: Page = {
  async open(context) {
    const [{ athletes }] = await Promise.all([apiGet<{ athletes: Athlete[] }>(`${context.base}/athletes`), loadMeasures()]);
    const select = form.querySelector<HTMLSelectElement>('select[name=athlete]')!;
    const chosen = select.value;
    select.replaceChildren(...athletes.map((athlete) => new Option(athlete.name, athlete.id)));
    if (athletes.some((athlete) => athlete.id === chosen)) select.value = chosen;
    form.onsubmit = (event) => {
      event.preventDefault();
      void report(() => show(context, select.value, Number(new FormData(form).get('period'))));
    };
    if (select.value) await report(() => show(context, select.value, Number(new FormData(form).get('period'))));
  },
};

async function show(context: ClubContext, athlete: string, periodMs: number): Promise<void> {
  const toMs = Date.now();
  const fromMs = toMs - periodMs;
  const measure = chosenMeasure();
  const query = new URLSearchParams({
    kind: measure.kind,
    field: measure.field,
    fromMs: String(fromMs),
    toMs: String(toMs),
    bucket: bucketFor(periodMs),
  });
  const history = await apiGet<HistoryResponse>(`${context.base}/athletes/${encodeURIComponent(athlete)}/history?${query}`);
  const samples = history.count.reduce((total, count) => total + count, 0);
  const means = history.mean.filter((value): value is number => value !== null);
  const what = measure === HEART_RATE ? 'heart-rate' : measure.label;
  // Heart rate in whole beats; a plugin's values to a tenth (65.2 % SmO2).
  const shown = (value: number) => (measure === HEART_RATE ? Math.round(value) : Math.round(value * 10) / 10);
  const highest = Math.max(...history.max.filter((value): value is number => value !== null));
  summary.textContent =
    samples === 0
      ? `No ${what} samples in this period.`
      : `${samples} ${what} samples · average ${shown(means.reduce((a, b) => a + b, 0) / means.length)} ${measure.unit} · highest ${shown(highest)} ${measure.unit}`;
  chart?.destroy();
  chart = new uPlot(
    {
      width: chartElement.clientWidth || 600,
      height: 260,
      scales: { x: { time: true }, y: { range: measure.range } },
      axes: [
        { stroke: '#93a1b0', grid: { stroke: '#26313d' } },
        { stroke: '#93a1b0', grid: { stroke: '#26313d' }, label: measure.unit },
      ],
      series: [
        {},
        { label: 'mean', stroke: '#2f81f7', width: 2 },
        { label: 'max', stroke: 'rgba(224,56,62,0.6)', width: 1 },
        { label: 'min', stroke: 'rgba(33,163,91,0.6)', width: 1 },
      ],
      legend: { show: false },
    },
    [history.t.map((ms) => ms / 1000), history.mean, history.max, history.min] as uPlot.AlignedData,
    chartElement,
  );
}
