import { Decoder, Profile, Stream } from '@garmin/fitsdk';

// Workouts recorded elsewhere, as files: a CSV of heart rates (`sport-connect analyze`) or a FIT file from
// any watch or bike computer (analyze, and a member's upload). Both become heart-rate points.

export interface WorkoutPoint {
  timeMs: number;
  heartRateBpm: number | null;
  rrIntervalsMs?: number[];
}

export interface Workout {
  format: 'csv' | 'fit';
  points: WorkoutPoint[];
}

/** A file this long is not one workout (a day at 1 Hz is 86,400 records). */
export const WORKOUT_FILE_MAX_BYTES = 32 * 1024 * 1024;
export const WORKOUT_MAX_POINTS = 200_000;

export class WorkoutFileError extends Error {}

/** Beats one sample can carry: a strap notifies about every second, a slow logger every few. */
const MAX_RR_PER_SAMPLE = 30;

/** Reads a workout file: FIT when its header says so, otherwise CSV text. */
export function readWorkoutFile(bytes: Uint8Array): Workout {
  if (bytes.byteLength > WORKOUT_FILE_MAX_BYTES) throw new WorkoutFileError(`the file is over ${WORKOUT_FILE_MAX_BYTES} bytes`);
  if (Decoder.isFIT(Stream.fromBuffer(bytes))) return { format: 'fit', points: readFit(bytes) };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new WorkoutFileError('neither a FIT file nor UTF-8 text (CSV)');
  }
  return { format: 'csv', points: readCsv(text) };
}

/**
 * CSV with a header naming `time` and `hr` (and optionally `rr`): time in ISO 8601 with a zone
 * (2026-11-03T18:00:00Z) or epoch milliseconds; hr in bpm, empty when the strap lost contact; rr as
 * milliseconds separated by spaces.
 */
function readCsv(text: string): WorkoutPoint[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = lines[0]!.split(',').map((column) => column.trim().toLowerCase());
  const column = { time: header.indexOf('time'), hr: header.indexOf('hr'), rr: header.indexOf('rr') };
  if (column.time < 0 || column.hr < 0) throw new WorkoutFileError('line 1: the header must name the columns time and hr (and rr if any)');
  const points: WorkoutPoint[] = [];
  for (const [index, line] of lines.entries()) {
    if (index === 0 || line.trim() === '') continue;
    const at = `line ${index + 1}`;
    if (points.length >= WORKOUT_MAX_POINTS) throw new WorkoutFileError(`${at}: more than ${WORKOUT_MAX_POINTS} samples`);
    const cells = line.split(',').map((cell) => cell.trim());
    const timeMs = parseTime(cells[column.time] ?? '');
    if (timeMs === null)
      throw new WorkoutFileError(`${at}: time "${cells[column.time] ?? ''}" is neither ISO 8601 with a zone nor epoch ms`);
    const hrCell = cells[column.hr] ?? '';
    const heartRateBpm = hrCell === '' ? null : Number(hrCell);
    if (heartRateBpm !== null && !(Number.isInteger(heartRateBpm) && heartRateBpm >= 20 && heartRateBpm <= 250))
      throw new WorkoutFileError(`${at}: hr "${hrCell}" is not a heart rate (20–250 bpm)`);
    const rrCell = column.rr >= 0 ? (cells[column.rr] ?? '') : '';
    const rrIntervalsMs = rrCell === '' ? [] : rrCell.split(/\s+/).map(Number);
    if (rrIntervalsMs.length > MAX_RR_PER_SAMPLE || rrIntervalsMs.some((rr) => !Number.isFinite(rr) || rr <= 0 || rr > 5000))
      throw new WorkoutFileError(`${at}: rr "${rrCell.slice(0, 40)}" is not up to ${MAX_RR_PER_SAMPLE} milliseconds separated by spaces`);
    points.push({ timeMs, heartRateBpm, ...(rrIntervalsMs.length ? { rrIntervalsMs } : {}) });
  }
  if (points.length === 0) throw new WorkoutFileError('no samples after the header');
  return points;
}

function parseTime(cell: string): number | null {
  if (/^\d{10,15}$/.test(cell)) return Number(cell);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(cell)) return null;
  const time = Date.parse(cell);
  return Number.isNaN(time) ? null : time;
}

/** FIT: the records' heart rates, and the RR intervals of HRV messages given to the record before them. */
function readFit(bytes: Uint8Array): WorkoutPoint[] {
  const decoder = new Decoder(Stream.fromBuffer(bytes));
  if (!decoder.checkIntegrity()) throw new WorkoutFileError('the FIT file is damaged (its CRC or size does not match)');
  const points: WorkoutPoint[] = [];
  const { errors } = decoder.read({
    mesgListener: (mesgNum: number, mesg: object) => {
      const message = mesg as Record<string, unknown>;
      if (mesgNum === Profile.MesgNum.RECORD && message.timestamp instanceof Date) {
        if (points.length >= WORKOUT_MAX_POINTS) throw new WorkoutFileError(`more than ${WORKOUT_MAX_POINTS} records`);
        const heartRate = message.heartRate;
        points.push({
          timeMs: message.timestamp.getTime(),
          heartRateBpm: typeof heartRate === 'number' && heartRate > 0 ? heartRate : null,
        });
      } else if (mesgNum === Profile.MesgNum.HRV && Array.isArray(message.time) && points.length > 0) {
        // Seconds; 65.535 is FIT's "invalid".
        const rr = (message.time as unknown[])
          .filter((value): value is number => typeof value === 'number' && value < 65)
          .map((s) => Math.round(s * 1000));
        const last = points.at(-1)!;
        last.rrIntervalsMs = [...(last.rrIntervalsMs ?? []), ...rr];
      }
    },
  });
  if (errors.length > 0) {
    const error = errors[0] as Error;
    throw error instanceof WorkoutFileError ? error : new WorkoutFileError(`the FIT file could not be read: ${error.message}`);
  }
  if (points.length === 0) throw new WorkoutFileError('the FIT file has no records with a time');
  return points;
}
