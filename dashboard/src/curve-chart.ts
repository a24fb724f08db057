// A session report's heart-rate curve, drawn straight onto a canvas. A report holds a curve per
// athlete (thirty for a full class): a charting library's instance each cost about 4 ms to build, so
// the page took 120 ms to show its curves; this draws one in a fraction of a millisecond.

export interface CurveChartData {
  /** Sample times, epoch ms, ascending. */
  t: readonly number[];
  /** Heart rate per time; null is a gap (the line breaks). */
  hr: readonly (number | null)[];
  /** The floor of zones 1–5, bpm, ascending; null: no bands. */
  zoneFloorsBpm: readonly number[] | null;
}

export interface CurveChartStyle {
  width: number;
  height: number;
  yMinBpm: number;
  yMaxBpm: number;
  zoneColours: readonly string[];
  line: string;
  grid: string;
  text: string;
}

const MARGIN = { left: 40, right: 8, top: 6, bottom: 20 };

/** Draws the curve over its zone bands, with bpm and clock-time axes, into a new canvas. */
export function curveChart(data: CurveChartData, style: CurveChartStyle, label: string): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(style.width * ratio);
  canvas.height = Math.round(style.height * ratio);
  canvas.style.width = `${style.width}px`;
  canvas.style.height = `${style.height}px`;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  ctx.scale(ratio, ratio);
  const first = data.t[0] ?? 0;
  const span = Math.max(1, (data.t.at(-1) ?? first) - first);
  const { plot, y } = scalesOf(style, first, span);

  data.zoneFloorsBpm?.forEach((floor, zone) => {
    const top = y(Math.min(style.yMaxBpm, data.zoneFloorsBpm![zone + 1] ?? style.yMaxBpm));
    const bottom = y(Math.max(style.yMinBpm, floor));
    if (bottom <= top) return;
    ctx.fillStyle = `${style.zoneColours[zone]}33`;
    ctx.fillRect(plot.left, top, plot.width, bottom - top);
  });

  // Grid and labels are the same for every athlete of a session: drawn once, then copied.
  ctx.drawImage(axesLayer(style, first, span, ratio), 0, 0, style.width, style.height);

  ctx.strokeStyle = style.line;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  // The hot loop of a report (thirty curves of ~900 points, run once, so mostly not yet compiled):
  // linear maps precomputed.
  const { t, hr } = data;
  const xScale = plot.width / span;
  const xOffset = plot.left - first * xScale;
  const yScale = -plot.height / (style.yMaxBpm - style.yMinBpm);
  const yOffset = plot.top + plot.height - style.yMinBpm * yScale;
  const [low, high] = [style.yMinBpm, style.yMaxBpm];
  let drawing = false;
  for (let index = 0; index < t.length; index++) {
    const bpm = hr[index];
    if (bpm === null || bpm === undefined) {
      drawing = false;
      continue;
    }
    const px = xOffset + t[index]! * xScale;
    const py = yOffset + Math.min(high, Math.max(low, bpm)) * yScale;
    if (drawing) ctx.lineTo(px, py);
    else ctx.moveTo(px, py);
    drawing = true;
  }
  ctx.stroke();
  return canvas;
}

/** The plot area, and where a time and a heart rate fall in the canvas. */
function scalesOf(style: CurveChartStyle, first: number, span: number) {
  const plot = {
    left: MARGIN.left,
    top: MARGIN.top,
    width: style.width - MARGIN.left - MARGIN.right,
    height: style.height - MARGIN.top - MARGIN.bottom,
  };
  return {
    plot,
    x: (ms: number) => plot.left + ((ms - first) / span) * plot.width,
    y: (bpm: number) => plot.top + (1 - (bpm - style.yMinBpm) / (style.yMaxBpm - style.yMinBpm)) * plot.height,
  };
}

const axesLayers = new Map<string, HTMLCanvasElement>();

/**
 * The grid with its bpm and clock-time labels, transparent elsewhere. Text is what costs in a canvas
 * (about 45 µs a label without a GPU: 450 labels for a class of 30), so each layout is drawn once.
 */
function axesLayer(style: CurveChartStyle, first: number, span: number, ratio: number): HTMLCanvasElement {
  const key = [style.width, style.height, style.yMinBpm, style.yMaxBpm, first, span, ratio, style.grid, style.text].join(' ');
  const cached = axesLayers.get(key);
  if (cached) return cached;
  const layer = document.createElement('canvas');
  layer.width = Math.round(style.width * ratio);
  layer.height = Math.round(style.height * ratio);
  const ctx = layer.getContext('2d')!;
  ctx.scale(ratio, ratio);
  const { plot, x, y } = scalesOf(style, first, span);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = style.text;
  ctx.strokeStyle = style.grid;
  ctx.lineWidth = 1;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  ctx.beginPath();
  for (let bpm = Math.ceil(style.yMinBpm / 20) * 20; bpm <= style.yMaxBpm; bpm += 20) {
    const at = Math.round(y(bpm)) + 0.5;
    ctx.moveTo(plot.left, at);
    ctx.lineTo(plot.left + plot.width, at);
    ctx.fillText(String(bpm), plot.left - 6, at);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const stepMs = tickStepMs(span);
  for (let tick = Math.ceil(first / stepMs) * stepMs; tick <= first + span; tick += stepMs) {
    const at = Math.round(x(tick)) + 0.5;
    ctx.moveTo(at, plot.top);
    ctx.lineTo(at, plot.top + plot.height);
    ctx.fillText(clockTime(tick), at, plot.top + plot.height + 4);
  }
  ctx.stroke();
  // A few layouts at most (a report's athletes share one); an old one is dropped past that.
  if (axesLayers.size >= 8) axesLayers.delete(axesLayers.keys().next().value!);
  axesLayers.set(key, layer);
  return layer;
}

/** A round step between time labels: about six across the chart. */
function tickStepMs(spanMs: number): number {
  const steps = [60_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000];
  return steps.find((step) => spanMs / step <= 8) ?? steps.at(-1)!;
}

function clockTime(ms: number): string {
  const date = new Date(ms);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}
