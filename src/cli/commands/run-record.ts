/**
 * DATA_DIR/last-run.json: what the last collect/forward/run did, for `status` and the container health check.
 * A run stopped by SIGTERM/SIGINT is not recorded: it did not fail, and the previous record stays.
 */
import path from 'node:path';
import { errorMessage } from '../../errors.js';
import { redact, type Logger } from '../../log.js';
import { readJsonFile, writeJsonAtomic } from '../../store/atomic-file.js';

const RUN_RECORD_FILE = 'last-run.json';

export interface RunRecord {
  command: string;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  error?: string;
  totals: Record<string, number>;
}

export async function recordRun(
  dataDir: string,
  run: { command: string; startedMs: number; error: string | undefined; totals: Record<string, number> },
): Promise<void> {
  const record: RunRecord = {
    command: run.command,
    startedAt: new Date(run.startedMs).toISOString(),
    finishedAt: new Date().toISOString(),
    ok: run.error === undefined,
    ...(run.error !== undefined ? { error: redact(run.error) } : {}),
    totals: run.totals,
  };
  await writeJsonAtomic(path.join(dataDir, RUN_RECORD_FILE), record);
}

/**
 * The end of a collect/forward/run: log the run summary and record the run, unless a shutdown signal
 * stopped it (then it did not fail, and the previous record stays).
 */
export async function finishRun(
  ctx: { logger: Logger; signal: AbortSignal },
  dataDir: string,
  run: { command: string; startedMs: number; error: string | undefined; totals: Record<string, number> },
): Promise<void> {
  ctx.logger.info('run summary', run.totals);
  if (!ctx.signal.aborted) await recordRun(dataDir, run);
}

/** Record a run that threw (best effort: the original error is what the user must see). */
export async function recordThrownRun(ctx: { signal: AbortSignal }, dataDir: string, command: string, startedMs: number, error: unknown): Promise<void> {
  if (!ctx.signal.aborted) await recordRun(dataDir, { command, startedMs, error: errorMessage(error), totals: {} }).catch(() => undefined);
}

export async function readRunRecord(dataDir: string): Promise<RunRecord | undefined> {
  return readJsonFile<RunRecord>(path.join(dataDir, RUN_RECORD_FILE));
}
