/** Result rows of the benches and the one table the runner prints. */

export interface Row {
  benchmark: string;
  result: string;
  /** What the issue asks for; '' when the row is informational. */
  target: string;
  /** undefined = informational (no target). */
  pass?: boolean;
}

export const info = (benchmark: string, result: string): Row => ({ benchmark, result, target: '' });

export function formatRate(eventsPerSec: number): string {
  return `${Math.round(eventsPerSec).toLocaleString('en-US')} ev/s`;
}

export function formatMB(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${(bytes / 1048576).toFixed(1)} MB`;
}

export function formatCount(n: number): string {
  return n >= 1000 && n % 1000 === 0 ? (n % 1_000_000 === 0 ? `${n / 1_000_000}M` : `${n / 1000}k`) : String(n);
}

export function renderTable(rows: Row[]): string {
  const cells = rows.map((r) => [r.benchmark, r.result, r.target || '-', r.pass === undefined ? '-' : r.pass ? 'PASS' : 'FAIL']);
  const header = ['benchmark', 'result', 'target', 'pass/fail'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}
