// Plain-text tables for the operator CLI (no dependency: a few columns, padded to the widest cell).
export function formatTable(headers: string[], rows: Array<Array<string | null | undefined>>): string {
  const cells = rows.map((row) => headers.map((_, i) => oneLine(row[i])));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** Newlines and tabs would break the columns. */
function oneLine(value: string | null | undefined): string {
  return (value ?? '-').replace(/\s+/g, ' ').trim() || '-';
}
