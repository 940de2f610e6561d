import type { Response } from 'express';
import { stringify } from 'csv-stringify/sync';

/**
 * A text cell a spreadsheet would run as a formula (=, +, -, @, or a tab or carriage return
 * first: "CSV injection") starts with a quote instead, which shows the text as it is. Signal and
 * intent names come from tenants' platforms and workflows, so any of them could be one.
 */
export function spreadsheetSafe(cell: string | number): string | number {
  return typeof cell === 'string' && /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/** The rows as an RFC 4180 CSV download (csv-stringify quotes names with commas, quotes or line breaks). */
export function csvDownload(
  response: Response,
  filename: string,
  header: string[],
  rows: (string | number)[][],
): string {
  response.setHeader('content-type', 'text/csv; charset=utf-8');
  response.setHeader('content-disposition', `attachment; filename="${filename.replace(/[^A-Za-z0-9_.-]/g, '_')}.csv"`);
  return stringify([header, ...rows.map((row) => row.map(spreadsheetSafe))]);
}
