import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { buildDataDir } from '../../config/collect.js';
import { buildDestinations } from '../../config/siem.js';
import { parseDuration } from '../../config/parse.js';
import { setting } from '../../config/settings.js';
import { EXIT_OK, EXIT_RUNTIME } from '../../errors.js';
import { escapeControlChars } from '../../log.js';
import { countLogLines } from '../../store/event-log.js';
import { pendingEvents } from '../../ship/forwarder.js';
import { readJsonFile } from '../../store/atomic-file.js';
import { listEnterpriseDirs } from '../../store/paths.js';
import { LOG_FILE, loadState } from '../../store/state.js';
import { renderTable } from '../table.js';
import type { CommandContext } from '../context.js';
import { readRunRecord } from './run-record.js';

/**
 * `vco-siem status`: per enterprise the checkpoint, events in the log, pending per destination, last run
 * and last error. Exit 0 when healthy (the last run succeeded and is recent), 1 otherwise, so it can serve
 * as the container health check. Reads only; never takes the lock.
 */
export async function statusCommand(ctx: CommandContext, argv: Record<string, unknown>): Promise<number> {
  const dataDir = buildDataDir(ctx.settings);
  const maxAgeMs = parseDuration('STATUS_MAX_AGE', setting(ctx.settings, 'STATUS_MAX_AGE') ?? '1h');
  let configured: string[] = [];
  try {
    configured = buildDestinations(ctx.settings).map((d) => d.name);
  } catch {
    // Without destination settings, report the destinations that have positions on disk.
  }
  const problems: string[] = [];
  const rows: (string | number)[][] = [];
  const report: Record<string, unknown>[] = [];
  for (const { enterprise, dir } of await listEnterpriseDirs(dataDir)) {
    const state = await loadState(dir);
    const events = await countLogLines(path.join(dir, LOG_FILE));
    const destinations = [...new Set([...configured, ...(await destinationsOnDisk(dir))])];
    const pending: Record<string, number> = {};
    for (const name of destinations) pending[name] = await pendingEvents(dir, name);
    if (state?.lastError) problems.push(`${enterprise.name}: last collection failed: ${state.lastError}`);
    rows.push([
      enterprise.name,
      state?.checkpoint ?? 'never',
      events,
      Object.entries(pending).map(([d, n]) => `${d}=${n}`).join(' ') || '-',
      state?.lastRun ?? 'never',
      state?.lastError ?? '-',
    ]);
    report.push({ enterprise: enterprise.name, checkpoint: state?.checkpoint ?? null, events, pending, lastRun: state?.lastRun ?? null, lastError: state?.lastError ?? null });
  }

  const last = await readRunRecord(dataDir);
  if (last === undefined) problems.push('no run has finished yet');
  else {
    if (!last.ok) problems.push(`last ${last.command} at ${last.finishedAt}: ${last.error ?? 'failed'}`);
    const ageMs = Date.now() - Date.parse(last.finishedAt);
    if (ageMs > maxAgeMs) problems.push(`last run finished ${Math.round(ageMs / 60_000)} minutes ago (STATUS_MAX_AGE is ${Math.round(maxAgeMs / 60_000)} minutes)`);
  }

  if (argv.json === true) {
    ctx.print(JSON.stringify({ healthy: problems.length === 0, problems, lastRun: last ?? null, enterprises: report }));
  } else {
    // Names and errors come from the API and from files: no control character may reach the terminal or split a line.
    ctx.print(rows.length > 0 ? renderTable(['enterprise', 'checkpoint', 'events', 'pending', 'last run', 'last error'], rows) : escapeControlChars(`no enterprise in ${dataDir} yet`));
    ctx.print(escapeControlChars(last ? `last ${last.command}: ${last.finishedAt} ${last.ok ? 'ok' : `FAILED: ${last.error}`} ${JSON.stringify(last.totals)}` : 'last run: never'));
    ctx.print(problems.length === 0 ? 'healthy' : `UNHEALTHY:\n  ${problems.map(escapeControlChars).join('\n  ')}`);
  }
  return problems.length === 0 ? EXIT_OK : EXIT_RUNTIME;
}

async function destinationsOnDisk(enterpriseDir: string): Promise<string[]> {
  const files = await readdir(path.join(enterpriseDir, 'positions')).catch(() => [] as string[]);
  const names: string[] = [];
  for (const file of files.filter((f) => f.endsWith('.json'))) {
    const record = await readJsonFile<{ destination?: unknown }>(path.join(enterpriseDir, 'positions', file)).catch(() => undefined);
    if (typeof record?.destination === 'string') names.push(record.destination);
  }
  return names;
}
