/** What a long command reports as it goes. */
export interface Progress {
  /** Done so far and in all (null when open-ended), in the unit named by `unit`. */
  done: number;
  total: number | null;
  unit: 's' | 'items';
  /** Extra counters shown beside the bar and in the JSON lines. */
  counters: Record<string, number>;
}

export interface ProgressReporter {
  update(progress: Progress): void;
  finish(): void;
}

const BAR_WIDTH = 24;
const TTY_REDRAW_MS = 200;
const JSON_EVERY_MS = 5000;

/**
 * Progress of a long run on stderr (stdout keeps the command's result): a bar redrawn in place on a
 * terminal, one JSON line every few seconds otherwise (logs, CI, pipes).
 */
export function createProgressReporter(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
  now: () => number = Date.now,
): ProgressReporter {
  let lastMs = -Infinity;
  let drawn = false;
  let unreported: Progress | null = null;
  const writeJson = (progress: Progress) => {
    const fraction = progress.total ? Math.min(1, progress.done / progress.total) : null;
    stream.write(`${JSON.stringify({ progress: label, done: progress.done, total: progress.total, fraction, ...progress.counters })}\n`);
  };
  const everyMs = stream.isTTY ? TTY_REDRAW_MS : JSON_EVERY_MS;
  return {
    update(progress) {
      unreported = progress;
      if (now() - lastMs < everyMs) return;
      lastMs = now();
      unreported = null;
      if (stream.isTTY) {
        stream.write(`\r${renderBar(label, progress)}\u001b[K`);
        drawn = true;
      } else {
        writeJson(progress);
      }
    },
    /** Shows where the run ended (the last update may have fallen between two reports). */
    finish() {
      if (unreported && stream.isTTY) stream.write(`\r${renderBar(label, unreported)}\u001b[K`);
      else if (unreported) writeJson(unreported);
      if (drawn || (unreported && stream.isTTY)) stream.write('\n');
    },
  };
}

export function renderBar(label: string, progress: Progress): string {
  const counters = Object.entries(progress.counters).map(([name, value]) => `${value.toLocaleString('en')} ${name}`);
  const done = progress.unit === 's' ? clock(progress.done) : progress.done.toLocaleString('en');
  if (!progress.total) return [label, `${done} so far`, ...counters].join('  ·  ');
  const fraction = Math.min(1, progress.done / progress.total);
  const filled = Math.round(fraction * BAR_WIDTH);
  const total = progress.unit === 's' ? clock(progress.total) : progress.total.toLocaleString('en');
  return [
    `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`,
    `${done} / ${total}`,
    ...counters,
  ].join('  ·  ');
}

/** Seconds as h:mm:ss or m:ss. */
function clock(seconds: number): string {
  const s = Math.floor(seconds % 60)
    .toString()
    .padStart(2, '0');
  const m = Math.floor((seconds / 60) % 60);
  const h = Math.floor(seconds / 3600);
  return h > 0 ? `${h}:${m.toString().padStart(2, '0')}:${s}` : `${m}:${s}`;
}
