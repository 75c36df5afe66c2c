import { escapeControlChars } from '../log.js';

/** Renders rows as an aligned plain-text table for terminal reports. */
export function renderTable(headers: string[], rows: (string | number)[][]): string {
  // Names come from the API: control characters (ANSI escapes, NUL, newlines) must not reach the terminal.
  const cells = [headers, ...rows].map((r) => r.map((cell) => escapeControlChars(String(cell))));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}
