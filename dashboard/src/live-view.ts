import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { LiveAthlete, LiveChart, LiveUpdate } from '../../protocol/api.ts';
import type { Page } from './pages.ts';

// The live group view, and the same view as the club's big screen (the TV across the room: tiles laid out
// to fill it, names as each athlete chose to show them, the session clock and phase). It only draws:
// tiles, zones, calories and points arrive computed from the API's stream.

interface Snapshot {
  update: LiveUpdate;
  chart: LiveChart;
}
interface Frame {
  update: LiveUpdate;
  /** The second's chart column; null when only the tiles changed. */
  frame: Record<string, number | null> | null;
}

const WINDOW_S = 600;
const liveSection = document.querySelector<HTMLElement>('#live')!;
const tilesElement = document.querySelector<HTMLElement>('#tiles')!;
const chartElement = document.querySelector<HTMLElement>('#chart')!;
const connection = document.querySelector<HTMLElement>('#connection')!;
const summary = document.querySelector<HTMLElement>('#summary')!;
const emptyNote = document.querySelector<HTMLElement>('#live-empty')!;
const sessionBar = document.querySelector<HTMLElement>('#session-bar')!;
const sortSelect = document.querySelector<HTMLSelectElement>('#tile-sort')!;

let chart: uPlot | null = null;
let seriesIds: string[] = [];
let columns: (number | null)[][] = [[]];
const tileElements = new Map<string, TileParts>();
/** What the big screen was laid out for, so it is laid out again only when that changes. */
let screenLayoutFor = '';
/** Each tile id's label on the chart (the name the current mode shows). */
const labels = new Map<string, string>();
let lastUpdate: LiveUpdate | null = null;
/** The big screen shows the names athletes chose for the shared screen; the coach's view their names. */
let screenMode = false;

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

const nameOf = (tile: LiveAthlete) => (screenMode ? (tile.screenName ?? '') : tile.name);

/** A tile's element and the parts an update writes to (looked up once, not on every update). */
interface TileParts {
  element: HTMLElement;
  text: Record<'name' | 'bpm' | 'unit' | 'pct' | 'zone' | 'kcal' | 'points' | 'age' | 'battery' | 'metrics', HTMLElement>;
}
const TEXT_PARTS = ['name', 'bpm', 'unit', 'pct', 'zone', 'kcal', 'points', 'age', 'battery', 'metrics'] as const;

function createTile(id: string): TileParts {
  const element = document.createElement('article');
  element.className = 'tile';
  element.dataset.testid = 'tile';
  element.dataset.athlete = id;
  element.innerHTML = `<div class="name"></div><div class="reading"><span class="bpm"></span><span class="unit">bpm</span></div>
      <div class="meta"><span class="pct"></span><span class="zone"></span></div>
      <div class="meta effort"><span class="kcal"></span><span class="points"></span></div>
      <div class="meta metrics"></div>
      <div class="meta small"><span class="age"></span><span class="battery"></span></div>`;
  const text = Object.fromEntries(TEXT_PARTS.map((part) => [part, element.querySelector<HTMLElement>(`.${part}`)!])) as TileParts['text'];
  return { element, text };
}

// Writes only what changed: a live update touches a few numbers of each tile, and every write the page
// does is style and layout work for the browser (the big screen gets ten updates a second).
function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}
function setData(element: HTMLElement, key: string, value: string): void {
  if (element.dataset[key] !== value) element.dataset[key] = value;
}

function renderTile(tile: LiveAthlete): HTMLElement {
  let parts = tileElements.get(tile.id);
  if (!parts) {
    parts = createTile(tile.id);
    tileElements.set(tile.id, parts);
  }
  const { element, text } = parts;
  setData(element, 'state', tile.state);
  setData(element, 'zone', tile.zone === null ? '' : String(tile.zone));
  setText(text.name, nameOf(tile));
  labels.set(tile.id, nameOf(tile) || '·');
  setText(text.bpm, tile.heartRateBpm === null ? '—' : String(tile.heartRateBpm));
  setText(text.unit, tile.state === 'live' ? 'bpm' : stateLabel(tile));
  setText(text.pct, tile.percentOfMax === null ? '' : `${tile.percentOfMax}% max`);
  setText(text.zone, tile.zone === null ? '' : `Z${tile.zone}`);
  setText(text.kcal, tile.kcal === null ? '' : `${tile.kcal} kcal`);
  setText(text.points, tile.points === null ? '' : `${tile.points} pts`);
  setText(text.age, tile.sinceLastSampleS === null ? '' : `${tile.sinceLastSampleS} s ago`);
  setText(text.battery, tile.batteryPercent === null ? '' : `battery ${tile.batteryPercent}%`);
  renderMetrics(text.metrics, tile);
  return element;
}

/** A plugin device's values (muscle oxygen, skin temperature…), as its profile labels them. */
function renderMetrics(element: HTMLElement, tile: LiveAthlete): void {
  const shown = tile.metrics.map((metric) => `${metric.kind}.${metric.field}=${metric.value}`).join(' ');
  if (element.dataset.shown === shown) return;
  element.dataset.shown = shown;
  element.replaceChildren(
    ...tile.metrics.map((metric) => {
      const span = document.createElement('span');
      span.dataset.testid = 'tile-metric';
      span.dataset.kind = metric.kind;
      span.dataset.field = metric.field;
      span.textContent = `${metric.label} ${Math.round(metric.value * 10) / 10}${metric.unit === '%' ? '' : ' '}${metric.unit}`;
      return span;
    }),
  );
}

const SORTS: Record<string, (a: LiveAthlete, b: LiveAthlete) => number> = {
  name: (a, b) => nameOf(a).localeCompare(nameOf(b)) || a.id.localeCompare(b.id),
  zone: (a, b) => (b.zone ?? -1) - (a.zone ?? -1) || (b.percentOfMax ?? -1) - (a.percentOfMax ?? -1),
  effort: (a, b) => (b.points ?? -1) - (a.points ?? -1) || (b.kcal ?? -1) - (a.kcal ?? -1),
};

function renderTiles(update: LiveUpdate): void {
  lastUpdate = update;
  for (const listener of updateListeners) listener(update);
  // The big screen shows who is here (heard from), not the whole roster by name.
  const shown = screenMode ? update.athletes.filter((tile) => tile.state !== 'waiting') : update.athletes;
  const sorted = [...shown].sort(SORTS[sortSelect.value] ?? SORTS.name);
  const elements = sorted.map(renderTile);
  // Tiles are moved only when the order changed (a sort by zone, someone arriving).
  const children = tilesElement.children;
  if (children.length !== elements.length || elements.some((element, index) => children[index] !== element))
    tilesElement.replaceChildren(...elements);
  const present = new Set(update.athletes.map((tile) => tile.id));
  for (const id of [...tileElements.keys()]) if (!present.has(id)) tileElements.delete(id);
  const live = update.athletes.filter((tile) => tile.state === 'live').length;
  setText(summary, `${live}/${update.athletes.length} live · ${new Date(update.serverTimeMs).toLocaleTimeString()}`);
  renderSession(update);
  if (emptyNote.hidden !== shown.length > 0) emptyNote.hidden = shown.length > 0;
  setText(
    emptyNote,
    update.session
      ? 'The session is running, but nobody is paired yet: pair the straps on the Pairing page.'
      : 'Nobody to show yet: add athletes on the Roster page and pair their straps.',
  );
  // Laying out reads the page's geometry (a forced layout): only when the count or the window changed.
  const layoutFor = `${shown.length} ${window.innerWidth}x${window.innerHeight}`;
  if (screenMode && layoutFor !== screenLayoutFor) {
    screenLayoutFor = layoutFor;
    layOutScreen(shown.length);
  }
}

function renderSession(update: LiveUpdate): void {
  const session = update.session;
  setData(sessionBar, 'running', session ? 'yes' : 'no');
  setText(sessionBar.querySelector<HTMLElement>('.session-title')!, session ? session.title : 'No session running');
  setText(sessionBar.querySelector<HTMLElement>('.session-clock')!, session ? clock(update.serverTimeMs - session.startMs) : '');
  setText(
    sessionBar.querySelector<HTMLElement>('.session-phase')!,
    session?.phase && session.phaseRemainingS !== null ? `${session.phase} · ${clock(session.phaseRemainingS * 1000)} left` : '',
  );
}

function clock(ms: number): string {
  const totalS = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(totalS / 3600);
  const mmss = `${String(Math.floor((totalS % 3600) / 60)).padStart(2, '0')}:${String(totalS % 60).padStart(2, '0')}`;
  return hours > 0 ? `${hours}:${mmss}` : mmss;
}

/** The big screen: as many columns and rows as fill it with tiles of a TV-friendly shape. */
function layOutScreen(count: number): void {
  const width = tilesElement.clientWidth || window.innerWidth;
  const height = Math.max(200, window.innerHeight - tilesElement.getBoundingClientRect().top - (chartElement.clientHeight + 24));
  let best = { cols: 1, rows: Math.max(1, count), size: 0 };
  for (let cols = 1; cols <= Math.max(1, count); cols++) {
    const rows = Math.max(1, Math.ceil(count / cols));
    const tileW = width / cols;
    const tileH = height / rows;
    const size = Math.min(tileW, tileH * 1.5); // tiles about 3:2
    if (size > best.size) best = { cols, rows, size };
  }
  tilesElement.style.setProperty('--cols', String(best.cols));
  tilesElement.style.setProperty('--tile-height', `${Math.floor(height / best.rows) - 8}px`);
}

function chartSize(): { width: number; height: number } {
  return { width: chartElement.clientWidth || 600, height: Math.max(180, Math.min(320, window.innerHeight * (screenMode ? 0.22 : 0.3))) };
}

function colourOf(index: number): string {
  return `hsl(${(index * 137.5) % 360} 70% 62%)`;
}

/** Each line's name at its right end, nudged apart where lines end close together. */
function drawLineLabels(u: uPlot): void {
  const { ctx } = u;
  const ends: { y: number; x: number; text: string; colour: string }[] = [];
  u.series.forEach((series, index) => {
    if (index === 0 || series.show === false) return;
    const values = u.data[index]!;
    let last = values.length - 1;
    while (last >= 0 && values[last] == null) last--;
    if (last < 0) return;
    ends.push({
      x: u.valToPos(u.data[0]![last]!, 'x', true),
      y: u.valToPos(values[last] as number, 'y', true),
      text: labels.get(seriesIds[index - 1]!) ?? '',
      colour: colourOf(index - 1),
    });
  });
  const bottom = u.bbox.top + u.bbox.height;
  // Labels at least a line apart (closer when too many to fit), and the stack kept inside the plot.
  const lineHeight = Math.min(13 * devicePixelRatio, u.bbox.height / Math.max(1, ends.length));
  ends.sort((a, b) => a.y - b.y);
  for (let index = 1; index < ends.length; index++) ends[index]!.y = Math.max(ends[index]!.y, ends[index - 1]!.y + lineHeight);
  const overflow = (ends.at(-1)?.y ?? 0) - bottom;
  if (overflow > 0) for (const end of ends) end.y = Math.max(u.bbox.top, end.y - overflow);
  ctx.save();
  ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
  ctx.textBaseline = 'middle';
  for (const end of ends) {
    ctx.fillStyle = end.colour;
    ctx.fillText(end.text, Math.min(end.x + 4 * devicePixelRatio, u.bbox.left + u.bbox.width - ctx.measureText(end.text).width), end.y);
  }
  ctx.restore();
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
      padding: [8, 90, 0, 0],
      hooks: { draw: [drawLineLabels] },
    },
    columns as uPlot.AlignedData,
    chartElement,
  );
}

function appendFrame(message: Frame & { frame: Record<string, number | null> }): void {
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
let measuredUpdates = 0;
const updateListeners = new Set<(update: LiveUpdate) => void>();

/** Calls back with every update of the club's live stream (the sessions page shows who is live); returns the unsubscribe. */
export function onLiveUpdate(listener: (update: LiveUpdate) => void): () => void {
  updateListeners.add(listener);
  return () => updateListeners.delete(listener);
}

/** Shows one club's live view (replacing any other). A club that does not exist, or is not the person's, says so. */
export async function showLive(club: string): Promise<void> {
  source?.close();
  tilesElement.replaceChildren();
  tileElements.clear();
  lastUpdate = null;
  const known = await fetch(`/api/v1/clubs/${encodeURIComponent(club)}`);
  if (known.status === 404) {
    emptyNote.hidden = false;
    emptyNote.textContent = `There is no club “${club}” here, or it is not yours.`;
    return;
  }
  source = new EventSource(`/api/v1/clubs/${encodeURIComponent(club)}/live`);
  source.addEventListener('open', () => connection.classList.add('open'));
  source.addEventListener('error', () => connection.classList.remove('open'));
  source.addEventListener('snapshot', (event) => {
    const snapshot = JSON.parse((event as MessageEvent<string>).data) as Snapshot;
    renderTiles(snapshot.update);
    createChart(snapshot);
  });
  source.addEventListener('update', (event) => {
    const started = performance.now();
    const message = JSON.parse((event as MessageEvent<string>).data) as Frame;
    renderTiles(message.update);
    if (message.frame) appendFrame({ ...message, frame: message.frame });
    // Scripting per update, for `npm run bench` and the browser's performance panel; cleared now and
    // then, as the browser keeps every entry (a screen left on all day gets ten updates a second).
    performance.measure('sc:live-update', { start: started });
    if (++measuredUpdates % 20_000 === 0) performance.clearMeasures('sc:live-update');
  });
}

/** The club's big screen: the live view full-window, names as athletes chose, tiles filling the screen. */
export const screenPage: Page = {
  open() {
    screenMode = true;
    screenLayoutFor = '';
    document.body.classList.add('screen');
    liveSection.hidden = false;
    if (lastUpdate) renderTiles(lastUpdate);
    chart?.setSize(chartSize());
  },
  close() {
    screenMode = false;
    screenLayoutFor = '';
    document.body.classList.remove('screen');
    tilesElement.style.removeProperty('--cols');
    if (lastUpdate) renderTiles(lastUpdate);
    if (document.fullscreenElement) void document.exitFullscreen();
  },
};

sortSelect.onchange = () => {
  if (lastUpdate) renderTiles(lastUpdate);
};
document.querySelector<HTMLButtonElement>('#leave-screen')!.onclick = () => {
  location.hash = 'live';
};
document.querySelector<HTMLButtonElement>('#fullscreen')!.onclick = () => {
  if (document.fullscreenElement) void document.exitFullscreen();
  else void document.documentElement.requestFullscreen();
};
window.addEventListener('resize', () => {
  chart?.setSize(chartSize());
  if (screenMode && lastUpdate) layOutScreen(tilesElement.childElementCount);
});
