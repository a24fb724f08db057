import { z } from 'zod';
import { AthleteCreate } from './roster.ts';

/** The columns a roster spreadsheet may have (header row, any order, any case); id and name are required. */
export const ROSTER_COLUMNS = [
  'id',
  'name',
  'display_name',
  'birth_year',
  'sex',
  'weight_kg',
  'rest_hr_bpm',
  'max_hr_bpm',
  'consent',
] as const;
/** Rows one import takes: a club's whole membership, not a data dump. */
export const ROSTER_MAX_ROWS = 5000;

export const RosterImportError = z.object({ line: z.number(), reason: z.string() });
export const RosterImportResult = z.object({ created: z.number(), updated: z.number(), errors: z.array(RosterImportError) });
export type RosterImportResult = z.infer<typeof RosterImportResult>;

export interface ParsedRoster {
  /** consentUndated: the cell said "yes" without a date, so an athlete who consented before keeps that date. */
  rows: { line: number; athlete: AthleteCreate; consentUndated: boolean }[];
  errors: { line: number; reason: string }[];
}

/**
 * The bytes of a roster file as text, or an error saying how to save it: spreadsheets in many locales
 * save CSV as Windows-1252 unless told "CSV UTF-8", which would turn every accent into garbage.
 */
export function decodeRosterFile(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new RosterFileError('the file is not UTF-8: save it from the spreadsheet as "CSV UTF-8"');
  }
}

export class RosterFileError extends Error {}

/**
 * Reads a roster spreadsheet saved as CSV: UTF-8 (a byte-order mark is fine), a header row, fields
 * separated by commas (or semicolons, as spreadsheets in many European locales save), quoted fields
 * with "" for a quote and line breaks inside. Each row is checked like an API request; a bad row is
 * reported with its line number and reason, and the good ones still import. Empty cells leave a field
 * as it is on re-import; "no" in the consent column withdraws consent.
 */
export function parseRosterCsv(text: string): ParsedRoster {
  const records = readCsvRecords(text.replace(/^\uFEFF/, ''));
  const result: ParsedRoster = { rows: [], errors: [] };
  const header = records.shift();
  if (!header) return { rows: [], errors: [{ line: 1, reason: 'the file is empty: it needs a header row (id,name,…)' }] };
  const columns = header.fields.map((field) =>
    field
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_'),
  );
  const unknown = columns.filter((column) => !(ROSTER_COLUMNS as readonly string[]).includes(column));
  if (unknown.length > 0 || !columns.includes('id') || !columns.includes('name')) {
    const problem =
      unknown.length > 0 ? `unknown column ${unknown.map((column) => `"${column}"`).join(', ')}` : 'the columns id and name are required';
    return { rows: [], errors: [{ line: header.line, reason: `${problem}; the columns are ${ROSTER_COLUMNS.join(', ')}` }] };
  }
  const seen = new Map<string, number>();
  for (const record of records) {
    if (record.fields.every((field) => field.trim() === '')) continue; // a blank line
    if (result.rows.length + result.errors.length >= ROSTER_MAX_ROWS) {
      result.errors.push({ line: record.line, reason: `more than ${ROSTER_MAX_ROWS} rows: split the file` });
      break;
    }
    if (record.fields.length !== columns.length) {
      result.errors.push({ line: record.line, reason: `${record.fields.length} fields where the header has ${columns.length}` });
      continue;
    }
    const cells = Object.fromEntries(columns.map((column, index) => [column, record.fields[index]!.trim()]));
    const athlete = toAthlete(cells);
    if (typeof athlete === 'string') {
      result.errors.push({ line: record.line, reason: athlete });
      continue;
    }
    const earlier = seen.get(athlete.id);
    if (earlier !== undefined) {
      result.errors.push({ line: record.line, reason: `id "${athlete.id}" is on line ${earlier} already` });
      continue;
    }
    seen.set(athlete.id, record.line);
    result.rows.push({ line: record.line, athlete, consentUndated: isYes(cells.consent ?? '') });
  }
  return result;
}

/** One row's cells → an athlete, or the reason it cannot be one. */
function toAthlete(cells: Record<string, string>): AthleteCreate | string {
  const number = (value: string | undefined) => (value ? Number(value.replace(',', '.')) : undefined);
  const candidate = {
    id: cells.id,
    name: cells.name,
    displayName: cells.display_name || undefined,
    birthYear: number(cells.birth_year),
    sex: cells.sex ? cells.sex.toLowerCase().replace(/^m$/, 'male').replace(/^f$/, 'female') : undefined,
    weightKg: number(cells.weight_kg),
    restHrBpm: number(cells.rest_hr_bpm),
    maxHrBpm: number(cells.max_hr_bpm),
    consentMs: consentOf(cells.consent),
  };
  if (candidate.consentMs === 'invalid') return `consent "${cells.consent}": yes, no, or the date it was given as YYYY-MM-DD (2026-09-01)`;
  const parsed = AthleteCreate.safeParse(Object.fromEntries(Object.entries(candidate).filter(([, value]) => value !== undefined)));
  if (parsed.success) return parsed.data;
  return parsed.error.issues.map((issue) => `${String(issue.path[0] ?? 'row')}: ${issue.message}`).join('; ');
}

const isYes = (value: string) => /^(yes|y|true|1|oui|ja|si|sí)$/i.test(value);

/** A consent cell: empty leaves it as it is, "no" withdraws it, "yes" or a date gives it. */
function consentOf(value: string | undefined): number | null | undefined | 'invalid' {
  if (!value) return undefined;
  if (isYes(value)) return Date.now();
  if (/^(no|n|false|0|non|nein)$/i.test(value)) return null;
  // Only YYYY-MM-DD: 01/09/2026 is the 1st of September in Europe and the 9th of January in the US.
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return 'invalid';
  const date = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(date).toISOString().startsWith(value) ? date : 'invalid';
}

/** RFC 4180 records with the line each starts on; the delimiter is read from the header line. */
function readCsvRecords(text: string): { line: number; fields: string[] }[] {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') quoted = false;
      else {
        if (char === '\n') line++;
        field += char;
      }
      continue;
    }
    if (char === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (char === delimiter) {
      fields.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index++;
      fields.push(field);
      records.push({ line: recordLine, fields });
      fields = [];
      field = '';
      line++;
      recordLine = line;
    } else field += char;
  }
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    records.push({ line: recordLine, fields });
  }
  return records;
}
