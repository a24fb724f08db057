import { describe, expect, it } from 'vitest';
import { decodeRosterFile, parseRosterCsv, ROSTER_MAX_ROWS } from '../../protocol/roster-csv.ts';

describe('a roster spreadsheet saved as CSV', () => {
  it('numbers lines as the spreadsheet shows them, a quoted line break included', () => {
    const { rows, errors } = parseRosterCsv('id,name\r\nann,"Ann\r\nOther"\r\nBAD,Bad\r\nbob,Bob');
    expect(rows.map((row) => [row.line, row.athlete.id, row.athlete.name])).toEqual([
      [2, 'ann', 'Ann\r\nOther'],
      [5, 'bob', 'Bob'],
    ]);
    expect(errors).toEqual([{ line: 4, reason: expect.stringContaining('id') }]);
  });

  it('reads headers in any case and order, with spaces for underscores', () => {
    const { rows } = parseRosterCsv('Name,Max HR bpm,ID\nAnn,185,ann\n');
    expect(rows[0]!.athlete).toEqual({ id: 'ann', name: 'Ann', maxHrBpm: 185 });
  });

  it('takes consent as yes, no, or a date written YYYY-MM-DD, never a date that reads differently across countries', () => {
    const { rows, errors } = parseRosterCsv('id,name,consent\na,A,2026-09-01\nb,B,no\nc,C,01/09/2026\nd,D,2026-02-30\n');
    expect(rows.map((row) => row.athlete.consentMs)).toEqual([Date.UTC(2026, 8, 1), null]);
    expect(errors.map((error) => error.line)).toEqual([4, 5]);
    expect(errors[0]!.reason).toMatch(/YYYY-MM-DD/);
  });

  it('says what is wrong with an empty file or one without a header it knows', () => {
    expect(parseRosterCsv('').errors).toEqual([{ line: 1, reason: expect.stringMatching(/empty/) }]);
    expect(parseRosterCsv('name\nAnn\n').errors).toEqual([{ line: 1, reason: expect.stringMatching(/id and name are required/) }]);
  });

  it('stops at the row limit and says so', () => {
    const body = Array.from({ length: ROSTER_MAX_ROWS + 5 }, (_, index) => `a${index},Athlete ${index}`).join('\n');
    const { rows, errors } = parseRosterCsv(`id,name\n${body}`);
    expect(rows).toHaveLength(ROSTER_MAX_ROWS);
    expect(errors).toEqual([{ line: ROSTER_MAX_ROWS + 2, reason: expect.stringMatching(/split the file/) }]);
  });

  it('is read as UTF-8, and one saved in another encoding is refused with how to save it', () => {
    expect(decodeRosterFile(Buffer.from('id,name\nzoe,Zoë\n', 'utf8'))).toContain('Zoë');
    expect(() => decodeRosterFile(Buffer.from('id,name\nzoe,Zoë\n', 'latin1'))).toThrow(/CSV UTF-8/);
  });
});
