/**
 * The ops CLI's tables: one header line, a rule, one line per row, columns
 * padded to their widest cell; a missing value is `-`. The cells arrive
 * already made safe for a terminal (ops.ts, `call`).
 */

/** `rows` as a table of `columns`, or `(none)`. */
export function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) => columns.map((column) => (row[column] === undefined || row[column] === null ? '-' : String(row[column]))));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((value, i) => value.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
