import { buildCollectConfig, type CollectConfig } from '../../config/collect.js';
import { buildVcoConfig, type VcoConfig } from '../../config/vco.js';
import { VcoClient } from '../../collect/client.js';
import { discoverEnterprises } from '../../collect/discovery.js';
import { collectAll, type CollectSummary } from '../../collect/collector.js';
import type { Enterprise } from '../../event.js';
import { withDataLock } from '../data-lock.js';
import { EXIT_OK, EXIT_RUNTIME } from '../../errors.js';
import { renderTable } from '../table.js';
import { createProgressLine } from '../progress.js';
import type { CommandContext } from '../context.js';
import { finishRun, recordThrownRun } from './run-record.js';
import { reportLine } from '../../log.js';

export interface CollectPrepared {
  vco: VcoConfig;
  collect: CollectConfig;
}

/** Validates the VCO and collection settings before anything is touched (exit 2 on a bad one). */
export function prepareCollect(ctx: CommandContext): CollectPrepared {
  return { vco: buildVcoConfig(ctx.settings, ctx.logger), collect: buildCollectConfig(ctx.settings, Date.now()) };
}

export interface CollectOutcome {
  summaries: (CollectSummary & { error?: string })[];
  fetched: number;
  new: number;
  duplicates: number;
  failed: number;
}

/** A client for the configured VCO and the enterprises it shows this account (collect and check). */
export async function connectToVco(ctx: CommandContext, vco: VcoConfig, maxRetries = vco.maxRetries): Promise<{ client: VcoClient; enterprises: Enterprise[] }> {
  const client = new VcoClient({ baseUrl: vco.baseUrl, auth: vco.auth, ...(vco.ca ? { ca: vco.ca } : {}), timeoutMs: vco.timeoutMs, maxRetries, logger: ctx.logger });
  const enterprises = await discoverEnterprises(client, { login: vco.login, ...(vco.enterpriseIds ? { enterpriseIds: vco.enterpriseIds } : {}), signal: ctx.signal });
  return { client, enterprises };
}

/** One collection cycle for every enterprise; the caller holds the data-directory lock. */
export async function collectPhase(ctx: CommandContext, { vco, collect }: CollectPrepared): Promise<CollectOutcome> {
  const { client, enterprises } = await connectToVco(ctx, vco);
  ctx.logger.info('enterprises found', { count: enterprises.length, names: enterprises.map((e) => e.name) });
  const progress = createProgressLine(enterprises.length);
  const summaries = await collectAll({
    client,
    enterprises,
    dataDir: collect.dataDir,
    // A run's window is computed per enterprise from its checkpoint; "since" only seeds the first one.
    sinceMs: collect.sinceMs,
    lookbackMs: collect.lookbackMs,
    idCacheSize: collect.idCacheSize,
    concurrency: vco.concurrency,
    logger: ctx.logger,
    signal: ctx.signal,
    ...(progress ? { onProgress: progress.onProgress, onEnterpriseDone: progress.enterpriseDone } : {}),
  });
  progress?.finish();
  const sum = (key: 'fetched' | 'new' | 'duplicates'): number => summaries.reduce((n, s) => n + s[key], 0);
  return { summaries, fetched: sum('fetched'), new: sum('new'), duplicates: sum('duplicates'), failed: summaries.filter((s) => s.error !== undefined).length };
}

export function printCollectSummary(ctx: CommandContext, outcome: CollectOutcome): void {
  ctx.print(
    renderTable(
      ['enterprise', 'fetched', 'new', 'duplicates', 'pages', 'api calls', 'status'],
      outcome.summaries.map((s) => [s.enterprise, s.fetched, s.new, s.duplicates, s.pages, s.apiCalls, s.error ? `FAILED: ${s.error}` : 'ok']),
    ),
  );
}

/** The first failed enterprise's error as one line, or undefined. */
export function collectFailure(outcome: CollectOutcome): string | undefined {
  const failed = outcome.summaries.filter((s) => s.error !== undefined);
  if (failed.length === 0) return undefined;
  const more = failed.length > 1 ? ` (and ${failed.length - 1} more enterprises)` : '';
  return `collection failed for ${failed[0]!.enterprise}: ${failed[0]!.error}${more}; its checkpoint did not move, the next run fetches that window again`;
}

export async function collectCommand(ctx: CommandContext): Promise<number> {
  const started = Date.now();
  const prepared = prepareCollect(ctx);
  const dataDir = prepared.collect.dataDir;
  let outcome: CollectOutcome;
  try {
    outcome = await withDataLock(dataDir, () => collectPhase(ctx, prepared));
  } catch (error) {
    await recordThrownRun(ctx, dataDir, 'collect', started, error);
    throw error;
  }
  printCollectSummary(ctx, outcome);
  const failure = collectFailure(outcome);
  const totals = { fetched: outcome.fetched, new: outcome.new, duplicates: outcome.duplicates, failed: outcome.failed, durationMs: Date.now() - started };
  await finishRun(ctx, dataDir, { command: 'collect', startedMs: started, error: failure, totals });
  if (ctx.signal.aborted) return EXIT_OK; // stopped by SIGTERM/SIGINT: state saved, nothing failed
  if (failure !== undefined) {
    reportLine(failure);
    return EXIT_RUNTIME;
  }
  return EXIT_OK;
}
