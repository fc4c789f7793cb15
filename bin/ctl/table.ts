/**
 * etcdctl's `-w table` layout (olekukonko/tablewriter as etcdctl configures it): `+---+` borders,
 * headers centred, cells right-aligned, one space of margin inside every cell.
 */

function centred(text: string, width: number): string {
  const padding = width - text.length;
  const left = Math.floor(padding / 2);
  return ' '.repeat(left) + text + ' '.repeat(padding - left);
}

/** The table as text, one line per border and row, each ending in a newline. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const border = `+${widths.map((width) => '-'.repeat(width + 2)).join('+')}+\n`;
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |\n`;
  return border +
    line(header.map((title, column) => centred(title, widths[column]!))) +
    border +
    rows.map((row) => line(row.map((cell, column) => cell.padStart(widths[column]!)))).join('') +
    border;
}
