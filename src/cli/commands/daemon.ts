/**
 * Long-running mode: `run` on a cron schedule. A tick that comes while a run is still going is
 * skipped (never two runs at once); SIGTERM/SIGINT let the current batch finish, save state and
 * exit 0 within SHUTDOWN_TIMEOUT.
 */
import { CronJob, validateCronExpression } from 'cron';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, EXIT_OK, errorMessage } from '../../errors.js';
import { parseDuration } from '../../config/parse.js';
import { setting } from '../../config/settings.js';
import type { CommandContext } from '../context.js';
import { MAX_TIMER_MS } from '../../ship/destination.js';
import { warnPlainHttpVco } from '../../config/vco.js';
import { warnInsecureTls } from './forward.js';
import { prepareRun, runCycle } from './run.js';

const DEFAULT_SCHEDULE = '*/15 * * * *';

export async function daemonCommand(ctx: CommandContext, argv: Record<string, unknown>): Promise<number> {
  const schedule = setting(ctx.settings, 'SCHEDULE') ?? DEFAULT_SCHEDULE;
  const validation = validateCronExpression(schedule);
  if (!validation.valid) {
    throw new ConfigError(`SCHEDULE=${schedule} is not a cron expression: use 5 fields (minute hour day month weekday), e.g. */15 * * * *`);
  }
  const shutdownTimeoutMs = parseDuration('SHUTDOWN_TIMEOUT', setting(ctx.settings, 'SHUTDOWN_TIMEOUT') ?? '30s', MAX_TIMER_MS);
  const prepared = await prepareRun(ctx, argv); // bad settings (and an unknown --destination) fail now, not at the first tick

  let running: Promise<void> | undefined;
  const startRun = (warn: boolean): void => {
    if (ctx.signal.aborted) return;
    if (running) {
      ctx.logger.warn('previous run still in progress; skipping this scheduled run');
      return;
    }
    if (warn) {
      warnInsecureTls(ctx, prepared.ship.destinations); // on every run, not only at start
      warnPlainHttpVco(prepared.collect.vco, ctx.logger);
    }
    running = runCycle(ctx, prepared)
      .then((outcome) => ctx.logger.info('scheduled run finished', { exitCode: outcome.exitCode }))
      .catch((error: unknown) => ctx.logger.error('scheduled run failed', { error: errorMessage(error) }))
      .finally(() => {
        running = undefined;
        if (!ctx.signal.aborted) ctx.logger.info('next run', { at: job.nextDate().toISO() });
      });
  };
  const job = CronJob.from({ cronTime: schedule, onTick: () => startRun(true), start: true, timeZone: 'UTC' });
  ctx.logger.info('daemon started', { schedule, next: job.nextDate().toISO() });
  if (argv.now === true) startRun(false); // the settings were just read, with their warnings

  await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  await job.stop();
  if (running) {
    ctx.logger.info('waiting for the current run to finish', { timeoutMs: shutdownTimeoutMs });
    const finished = await Promise.race([running.then(() => true), sleep(shutdownTimeoutMs, false, { ref: false })]);
    if (!finished) ctx.logger.warn('run did not finish in time; state saved up to the last completed batch');
  }
  ctx.logger.info('daemon stopped');
  return EXIT_OK;
}
