/**
 * Send a time range of the log again (a new SIEM, or after SIEM data loss) without touching any delivered
 * position. The log is in arrival order, not time order, so the whole log is scanned and filtered.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { Mapping } from '../map/index.js';
import { LOG_FILE } from '../store/state.js';
import { deliver } from './delivery.js';
import type { Destination } from './destination.js';
import { encodeThreadsFor, type EncodeThreads } from './encode-pool.js';
import type { Sender } from './sender.js';
import { createSender } from './transports.js';

export interface ReplayOptions {
  enterpriseDir: string;
  enterpriseName: string;
  destination: Destination;
  mapping: Mapping;
  /** Event time range [sinceMs, untilMs): since inclusive, until exclusive (default: no end). */
  sinceMs: number;
  untilMs?: number;
  logger?: Logger;
  signal?: AbortSignal;
  /** Encode worker threads (default 'auto'). */
  encodeThreads?: EncodeThreads;
}

export interface ReplaySummary {
  destination: string;
  enterprise: string;
  /** Events in the range handed to the transport. */
  sent: number;
  /** Events outside the range (or without a usable eventTime). */
  skipped: number;
  truncated: number;
  failed: number;
  error?: string;
}

export async function replayRange(opts: ReplayOptions): Promise<ReplaySummary> {
  const { destination, sinceMs, untilMs } = opts;
  if (untilMs !== undefined && untilMs <= sinceMs) throw new ConfigError(`replay: --until must be after --since`);
  const logger = (opts.logger ?? silentLogger).child({ destination: destination.name, enterprise: opts.enterpriseName, replay: true });
  const summary: ReplaySummary = { destination: destination.name, enterprise: opts.enterpriseName, sent: 0, skipped: 0, truncated: 0, failed: 0 };
  const logPath = join(opts.enterpriseDir, LOG_FILE);
  const size = await stat(logPath).then((s) => s.size, () => 0);
  if (size === 0) return summary;
  let sender: Sender | undefined;
  try {
    sender = await createSender(destination, logger);
    const result = await deliver({
      logPath,
      start: { offset: 0, delivered: 0 },
      endOffset: size,
      encoding: { destination, mapping: opts.mapping, enterpriseName: opts.enterpriseName, range: { sinceMs, ...(untilMs === undefined ? {} : { untilMs }) } },
      sender,
      encodeThreads: encodeThreadsFor(opts.encodeThreads ?? 'auto', size),
      logger,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    Object.assign(summary, { sent: result.sent, skipped: result.skipped, truncated: result.truncated, failed: result.failed });
    if (result.error) summary.error = errorMessage(result.error);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    summary.error = errorMessage(error);
  } finally {
    sender?.destroy();
  }
  return summary;
}
