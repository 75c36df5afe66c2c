import { buildDataDir } from '../../config/collect.js';
import { buildDestinations, buildEncodeThreads, encoderOptionSource } from '../../config/siem.js';
import { setting } from '../../config/settings.js';
import { ConfigError, EXIT_OK, EXIT_RUNTIME } from '../../errors.js';
import { reportLine } from '../../log.js';
import { loadMapping, type Mapping } from '../../map/index.js';
import { tlsNames, type Destination } from '../../ship/destination.js';
import { destinationEncoder } from '../../ship/encode-batch.js';
import type { EncodeThreads } from '../../ship/encode-pool.js';
import { forwardEnterprise, pendingEvents, type ForwardSummary } from '../../ship/forwarder.js';
import { listEnterpriseDirs } from '../../store/paths.js';
import { recoverInterruptedCommit } from '../../store/state.js';
import { renderTable } from '../table.js';
import type { CommandContext } from '../context.js';
import { withDataLock } from '../data-lock.js';
import { finishRun } from './run-record.js';

export interface ShipConfig {
  dataDir: string;
  destinations: Destination[];
  mapping: Mapping;
  encodeThreads: EncodeThreads;
}

/**
 * Destinations and mapping, validated up front: a bad setting or mapping file fails here with exit 2,
 * never in the middle of a run. `--destination NAME` narrows the list.
 */
export async function prepareShip(ctx: CommandContext, argv: Record<string, unknown>): Promise<ShipConfig> {
  const configured = buildDestinations(ctx.settings);
  const only = typeof argv.destination === 'string' ? argv.destination : undefined;
  const destinations = only === undefined ? configured : configured.filter((d) => d.name === only);
  if (destinations.length === 0) {
    throw new ConfigError(`--destination ${only} matches no destination: configured are ${configured.map((d) => d.name).join(', ')}`);
  }
  const mapping = await loadMapping(setting(ctx.settings, 'MAPPING_FILE'));
  for (const d of destinations) {
    try {
      destinationEncoder(d, mapping, ''); // the encoder options are checked here, before anything runs
    } catch (error) {
      const option = error instanceof ConfigError ? error.context.option : undefined;
      if (typeof option !== 'string') throw error;
      throw new ConfigError(`destination "${d.name}": ${(error as ConfigError).message} (${encoderOptionSource(option)})`, { option });
    }
  }
  // Every command that sends (forward, run, replay, daemon) comes through here; the daemon warns again before
  // each scheduled run.
  warnInsecureTls(ctx, destinations);
  return { dataDir: buildDataDir(ctx.settings), destinations, mapping, encodeThreads: buildEncodeThreads(ctx.settings) };
}

/** The warning every run that sends to a destination without certificate verification logs. */
export function warnInsecureTls(ctx: CommandContext, destinations: readonly Destination[]): void {
  for (const d of destinations) {
    if (!d.tls.insecure) continue;
    const names = tlsNames(d.tls);
    ctx.logger.warn(`TLS certificate verification is OFF for this destination (${names.insecure}=true); use ${names.ca} instead`, { destination: d.name });
  }
}

export interface ForwardOutcome {
  summaries: ForwardSummary[];
  sent: number;
  pending: number;
  failed: number;
  truncated: number;
}

/** Sends what each destination has not yet received, enterprise by enterprise; the caller holds the lock. */
export async function forwardPhase(ctx: CommandContext, ship: ShipConfig): Promise<ForwardOutcome> {
  const enterprises = await listEnterpriseDirs(ship.dataDir);
  for (const { enterprise, dir } of enterprises) {
    // A collection that died mid-commit left uncommitted events at the end of the log: never send those.
    const { removed } = await recoverInterruptedCommit(dir);
    if (removed > 0) ctx.logger.warn('removed the events of an interrupted collection from the log; they will be fetched again', { enterprise: enterprise.name, bytes: removed });
  }
  // Destinations are independent queues: one SIEM being down does not hold back another. Within one
  // destination, once it proved unreachable the remaining enterprises only count what waits for it.
  const perDestination = await Promise.all(
    ship.destinations.map(async (destination) => {
      const results: ForwardSummary[] = [];
      let unreachable: string | undefined;
      for (const { enterprise, dir } of enterprises) {
        if (unreachable !== undefined || ctx.signal.aborted) {
          const pending = await pendingEvents(dir, destination.name);
          results.push({ destination: destination.name, enterprise: enterprise.name, sent: 0, pending, truncated: 0, failed: 0, resent: 0, ...(pending > 0 ? { error: unreachable ?? 'stopped by signal' } : {}) });
          continue;
        }
        const summary = await forwardEnterprise({
          enterpriseDir: dir,
          enterpriseName: enterprise.name,
          destination,
          mapping: ship.mapping,
          encodeThreads: ship.encodeThreads,
          logger: ctx.logger,
          signal: ctx.signal,
        });
        if (summary.error !== undefined && summary.sent === 0 && summary.pending > 0) unreachable = summary.error;
        results.push(summary);
      }
      return results;
    }),
  );
  const summaries = perDestination.flat();
  const sum = (key: 'sent' | 'pending' | 'failed' | 'truncated'): number => summaries.reduce((n, s) => n + s[key], 0);
  return { summaries, sent: sum('sent'), pending: sum('pending'), failed: sum('failed'), truncated: sum('truncated') };
}

export function printForwardSummary(ctx: CommandContext, outcome: ForwardOutcome): void {
  if (outcome.summaries.length === 0) {
    ctx.print('nothing to forward: no enterprise has events yet (run `vco-siem collect` first)');
    return;
  }
  ctx.print(
    renderTable(
      ['destination', 'enterprise', 'sent', 'pending', 'truncated', 'failed', 'status'],
      outcome.summaries.map((s) => [s.destination, s.enterprise, s.sent, s.pending, s.truncated, s.failed, s.error ? `PENDING: ${s.error}` : 'ok']),
    ),
  );
}

/** One line saying why events are still waiting, or undefined when everything was delivered. */
export function pendingReason(outcome: ForwardOutcome): string | undefined {
  const stuck = outcome.summaries.filter((s) => s.pending > 0 || s.error !== undefined);
  if (stuck.length === 0) return undefined;
  const first = stuck[0]!;
  const more = stuck.length > 1 ? ` (and ${stuck.length - 1} more destination/enterprise pairs)` : '';
  if (outcome.pending === 0) return `forwarding failed: ${first.destination} for ${first.enterprise}: ${first.error}${more}`;
  return `${outcome.pending} events pending: ${first.destination} for ${first.enterprise}: ${first.error ?? 'not delivered'}${more}; they stay in the log and are sent on the next run`;
}

export async function forwardCommand(ctx: CommandContext, argv: Record<string, unknown>): Promise<number> {
  const started = Date.now();
  const ship = await prepareShip(ctx, argv);
  const outcome = await withDataLock(ship.dataDir, () => forwardPhase(ctx, ship));
  printForwardSummary(ctx, outcome);
  const reason = pendingReason(outcome);
  const totals = { forwarded: outcome.sent, pending: outcome.pending, truncated: outcome.truncated, failed: outcome.failed, durationMs: Date.now() - started };
  await finishRun(ctx, ship.dataDir, { command: 'forward', startedMs: started, error: reason, totals });
  if (reason !== undefined) {
    reportLine(reason);
    return EXIT_RUNTIME;
  }
  return EXIT_OK;
}
