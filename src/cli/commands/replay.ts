import { ConfigError, EXIT_OK, EXIT_RUNTIME } from '../../errors.js';
import { parseSince } from '../../config/parse.js';
import { replayRange, type ReplaySummary } from '../../ship/replay.js';
import { listEnterpriseDirs } from '../../store/paths.js';
import { recoverInterruptedCommit } from '../../store/state.js';
import { renderTable } from '../table.js';
import type { CommandContext } from '../context.js';
import { withDataLock } from '../data-lock.js';
import { prepareShip } from './forward.js';
import { reportLine } from '../../log.js';

/** `vco-siem replay --since T [--until T]`: send a time range again; delivered positions do not move. */
export async function replayCommand(ctx: CommandContext, argv: Record<string, unknown>): Promise<number> {
  const now = Date.now();
  if (typeof argv.since !== 'string') throw new ConfigError('replay needs --since: an ISO time or a duration ago, e.g. --since 2024-05-01T00:00:00Z or --since 6h');
  const sinceMs = parseSince('--since', argv.since, now);
  const untilMs = typeof argv.until === 'string' ? parseSince('--until', argv.until, now) : undefined;
  if (untilMs !== undefined && untilMs <= sinceMs) throw new ConfigError('--until must be later than --since');
  const ship = await prepareShip(ctx, argv);
  const summaries = await withDataLock(ship.dataDir, async () => {
    const out: ReplaySummary[] = [];
    for (const { enterprise, dir } of await listEnterpriseDirs(ship.dataDir)) {
      await recoverInterruptedCommit(dir); // never replay events a dead collection did not commit
      for (const destination of ship.destinations) {
        out.push(
          await replayRange({
            enterpriseDir: dir,
            enterpriseName: enterprise.name,
            destination,
            mapping: ship.mapping,
            encodeThreads: ship.encodeThreads,
            sinceMs,
            ...(untilMs !== undefined ? { untilMs } : {}),
            logger: ctx.logger,
            signal: ctx.signal,
          }),
        );
      }
    }
    return out;
  });
  ctx.print(renderTable(['destination', 'enterprise', 'sent', 'outside range', 'truncated', 'failed', 'status'], summaries.map((s) => [s.destination, s.enterprise, s.sent, s.skipped, s.truncated, s.failed, s.error ? `FAILED: ${s.error}` : 'ok'])));
  const failed = summaries.find((s) => s.error !== undefined);
  if (failed) {
    reportLine(`replay to ${failed.destination} failed: ${failed.error}`);
    return EXIT_RUNTIME;
  }
  return EXIT_OK;
}
