import { EXIT_OK, EXIT_RUNTIME } from '../../errors.js';
import { parseSince } from '../../config/parse.js';
import type { CommandContext } from '../context.js';
import { collectFailure, collectPhase, prepareCollect, printCollectSummary, type CollectOutcome, type CollectPrepared } from './collect.js';
import { withDataLock } from '../data-lock.js';
import { forwardPhase, pendingReason, prepareShip, printForwardSummary, type ForwardOutcome, type ShipConfig } from './forward.js';
import { finishRun, recordThrownRun } from './run-record.js';
import { reportLine } from '../../log.js';

export interface RunPrepared {
  collect: CollectPrepared;
  ship: ShipConfig;
}

/** Every setting, destination and the mapping, validated before the first run. */
export async function prepareRun(ctx: CommandContext, argv: Record<string, unknown> = {}): Promise<RunPrepared> {
  return { collect: prepareCollect(ctx), ship: await prepareShip(ctx, argv) };
}

export interface RunOutcome {
  collect?: CollectOutcome;
  forward?: ForwardOutcome;
  exitCode: number;
  reason?: string;
}

/**
 * Collect, then forward, under one data-directory lock. Forwarding runs even when an enterprise
 * failed to collect: what is already in the log should still reach the SIEM.
 */
export async function runCycle(ctx: CommandContext, prepared: RunPrepared): Promise<RunOutcome> {
  const started = Date.now();
  const dataDir = prepared.collect.collect.dataDir;
  let outcome: RunOutcome;
  try {
    outcome = await withDataLock(dataDir, async () => {
      // "since" is relative to each run (an enterprise that appears later starts 24h before that run, not
      // before the daemon started).
      const settings = prepared.collect.collect;
      const collect = await collectPhase(ctx, { ...prepared.collect, collect: { ...settings, sinceMs: parseSince('VCO_SINCE', settings.since, Date.now()) } });
      const forward = await forwardPhase(ctx, prepared.ship);
      const reason = collectFailure(collect) ?? pendingReason(forward);
      return { collect, forward, exitCode: reason === undefined ? EXIT_OK : EXIT_RUNTIME, ...(reason !== undefined ? { reason } : {}) };
    });
  } catch (error) {
    await recordThrownRun(ctx, dataDir, 'run', started, error);
    throw error;
  }
  const { collect, forward } = outcome;
  const totals = {
    fetched: collect?.fetched ?? 0,
    new: collect?.new ?? 0,
    duplicates: collect?.duplicates ?? 0,
    forwarded: forward?.sent ?? 0,
    pending: forward?.pending ?? 0,
    failed: (collect?.failed ?? 0) + (forward?.failed ?? 0),
    durationMs: Date.now() - started,
  };
  await finishRun(ctx, dataDir, { command: 'run', startedMs: started, error: outcome.reason, totals });
  if (ctx.signal.aborted) {
    // Stopped by SIGTERM/SIGINT: state is saved up to the last batch; the previous run record stays.
    ctx.logger.info('run stopped by signal before it finished; the next run continues from the saved state');
    return { ...outcome, exitCode: EXIT_OK };
  }
  return outcome;
}

export async function runCommand(ctx: CommandContext, argv: Record<string, unknown>): Promise<number> {
  const prepared = await prepareRun(ctx, argv);
  const outcome = await runCycle(ctx, prepared);
  if (outcome.collect) printCollectSummary(ctx, outcome.collect);
  if (outcome.forward) printForwardSummary(ctx, outcome.forward);
  if (outcome.reason !== undefined) reportLine(outcome.reason);
  return outcome.exitCode;
}
