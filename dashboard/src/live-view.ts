import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { LiveAthlete, LiveChart, LiveUpdate } from '../../protocol/api.ts';

// The live group view. It only draws: tiles, zones and percentages arrive computed from the API's stream.

interface Snapshot {
  update: LiveUpdate;
  chart: LiveChart;
}
interface Frame {
  update: LiveUpdate;
  frame: Record<string, number | null>;
}

const WINDOW_S = 600;
const tilesElement = document.querySelector<HTMLElement>('#tiles')!;
const chartElement = document.querySelector<HTMLElement>('#chart')!;
const connection = document.querySelector<HTMLElement>('#connection')!;
const summary = document.querySelector<HTMLElement>('#summary')!;

let chart: uPlot | null = null;
let seriesIds: string[] = [];
let columns: (number | null)[][] = [[]];
const tileElements = new Map<string, HTMLElement>();

function stateLabel(tile: LiveAthlete): string {
  switch (tile.state) {
    case 'contact-lost':
      return 'Sensor lost';
    case 'stale':
      return `No signal ${tile.sinceLastSampleS ?? ''} s`;
    case 'waiting':
      return 'Waiting for strap';
    default:
      return '';
  }
}

function renderTile(tile: LiveAthlete): void {
  let element = tileElements.get(tile.id);
  if (!element) {
    element = document.createElement('article');
    element.className = 'tile';
    element.dataset.testid = 'tile';
    element.dataset.athlete = tile.id;
    element.innerHTML = `<div class="name"></div><div class="reading"><span class="bpm"></span><span class="unit">bpm</span></div>
      <div class="meta"><span class="pct"></span><span class="zone"></span><span class="age"></span></div>`;
    tilesElement.append(element);
    tileElements.set(tile.id, element);
  }
  element.dataset.state = tile.state;
  element.dataset.zone = tile.zone === null ? '' : String(tile.zone);
  element.querySelector('.name')!.textContent = tile.name;
  const bpm = element.querySelector<HTMLElement>('.bpm')!;
  bpm.textContent = tile.heartRateBpm === null ? '—' : String(tile.heartRateBpm);
  element.querySelector('.unit')!.textContent = tile.state === 'live' ? 'bpm' : stateLabel(tile);
  element.querySelector('.pct')!.textContent = tile.percentOfMax === null ? '' : `${tile.percentOfMax}% max`;
  element.querySelector('.zone')!.textContent = tile.zone === null ? '' : `Z${tile.zone}`;
  element.querySelector('.age')!.textContent =
    tile.sinceLastSampleS === null
      ? ''
      : `${tile.sinceLastSampleS}s${tile.batteryPercent !== null ? ` · bat ${tile.batteryPercent}%` : ''}`;
}

function renderTiles(update: LiveUpdate): void {
  for (const listener of updateListeners) listener(update);
  for (const tile of update.athletes) renderTile(tile);
  const live = update.athletes.filter((tile) => tile.state === 'live').length;
  summary.textContent = `${live}/${update.athletes.length} live · ${new Date(update.serverTimeMs).toLocaleTimeString()}`;
}

function chartSize(): { width: number; height: number } {
  return { width: chartElement.clientWidth || 600, height: Math.max(180, Math.min(320, window.innerHeight * 0.3)) };
}

function colourOf(index: number): string {
  return `hsl(${(index * 137.5) % 360} 70% 62%)`;
}

/** Builds the chart once from the snapshot; later frames only append columns. */
function createChart(snapshot: Snapshot): void {
  seriesIds = Object.keys(snapshot.chart.series);
  columns = [snapshot.chart.t.map((ms) => ms / 1000), ...seriesIds.map((id) => snapshot.chart.series[id]!)];
  chart?.destroy();
  chart = new uPlot(
    {
      ...chartSize(),
      // Always the whole window, so the chart fills from the right instead of stretching a few seconds.
      scales: { x: { time: true, range: (_u, _min, max) => [max - WINDOW_S, max] }, y: { range: [40, 200] } },
      axes: [
        { stroke: '#93a1b0', grid: { stroke: '#26313d' } },
        { stroke: '#93a1b0', grid: { stroke: '#26313d' }, label: 'bpm' },
      ],
      series: [{}, ...seriesIds.map((id, index) => ({ label: id, stroke: colourOf(index), width: 1.5, spanGaps: false }))],
      legend: { show: false },
      cursor: { show: false },
    },
    columns as uPlot.AlignedData,
    chartElement,
  );
}

function appendFrame(message: Frame): void {
  // A strap that appeared since the snapshot gets its series (null history), then everything appends.
  for (const id of Object.keys(message.frame)) {
    if (seriesIds.includes(id)) continue;
    seriesIds.push(id);
    columns.push(columns[0]!.map(() => null));
    chart?.addSeries({ label: id, stroke: colourOf(seriesIds.length - 1), width: 1.5 });
  }
  columns[0]!.push(message.update.serverTimeMs / 1000);
  for (const [index, id] of seriesIds.entries()) columns[index + 1]!.push(message.frame[id] ?? null);
  const cutoff = message.update.serverTimeMs / 1000 - WINDOW_S;
  while (columns[0]!.length && (columns[0]![0] as number) < cutoff) for (const column of columns) column.shift();
  chart?.setData(columns as uPlot.AlignedData);
}

let source: EventSource | null = null;
const updateListeners = new Set<(update: LiveUpdate) => void>();

/** Calls back with every update of the club's live stream (the sessions page shows who is live); returns the unsubscribe. */
export function onLiveUpdate(listener: (update: LiveUpdate) => void): () => void {
  updateListeners.add(listener);
  return () => updateListeners.delete(listener);
}

/** Shows one club's live view (replacing any other). */
export function showLive(club: string): void {
  source?.close();
  tilesElement.replaceChildren();
  tileElements.clear();
  source = new EventSource(`/api/v1/clubs/${encodeURIComponent(club)}/live`);
  source.addEventListener('open', () => connection.classList.add('open'));
  source.addEventListener('error', () => connection.classList.remove('open'));
  source.addEventListener('snapshot', (event) => {
    const snapshot = JSON.parse((event as MessageEvent<string>).data) as Snapshot;
    renderTiles(snapshot.update);
    createChart(snapshot);
  });
  source.addEventListener('update', (event) => {
    const message = JSON.parse((event as MessageEvent<string>).data) as Frame;
    renderTiles(message.update);
    appendFrame(message);
  });
}

window.addEventListener('resize', () => chart?.setSize(chartSize()));
