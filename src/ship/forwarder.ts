/**
 * Store-and-forward: the enterprise's NDJSON log is the durable queue, and each destination keeps its own
 * delivered position in it. A run sends everything between that position and the log's size at the start,
 * and moves the saved position only over confirmed events (delivery.ts explains "confirmed": over TCP/TLS,
 * the SIEM answered our FIN with its own within writeTimeoutMs). A SIEM that stops reading or never confirms
 * leaves the events pending with the reason; the run still ends, so the data-directory lock is released.
 *
 * Duplicate bound after SIGKILL: the next run re-sends from the saved position, i.e. at most the confirmed
 * events not yet checkpointed (DEFAULT_CHECKPOINT: 5000 events or 1 s of sending, plus what was confirmed
 * while a save was being written: saves run in the background, one at a time) plus the unconfirmed
 * tail (confirmEveryBytes + the frames of one 256 KiB read of the log). Nothing is lost: the log still holds all of it.
 */
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CancelledError, ConfigError, errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { Mapping } from '../map/index.js';
import { makeDurableDirectory } from '../store/atomic-file.js';
import { countLogLines } from '../store/event-log.js';
import { acquireLock } from '../store/lock.js';
import { loadPosition, positionPath, savePosition, type DeliveryPosition } from '../store/positions.js';
import { LOG_FILE } from '../store/state.js';
import { deliver, type CheckpointPolicy, type DeliveryResult } from './delivery.js';
import type { Destination } from './destination.js';
import { encodeThreadsFor, type EncodeThreads } from './encode-pool.js';
import type { Sender } from './sender.js';
import { createSender } from './transports.js';

export interface ForwardSummary {
  destination: string;
  enterprise: string;
  /** Events delivered (confirmed) by this run. */
  sent: number;
  /** Events still waiting in the log for this destination (with `error` saying why). */
  pending: number;
  truncated: number;
  /** Log lines that could not be sent (not JSON); skipped so they never block the queue. */
  failed: number;
  /** Events sent a second time after a lost connection (bounded: see delivery.ts). */
  resent: number;
  error?: string;
}

export interface ForwardOptions {
  enterpriseDir: string;
  enterpriseName: string;
  destination: Destination;
  mapping: Mapping;
  logger?: Logger;
  signal?: AbortSignal;
  checkpointEvery?: CheckpointPolicy;
  /** Encode worker threads (default 'auto': some for a large backlog, none for a small one). */
  encodeThreads?: EncodeThreads;
}

export async function forwardEnterprise(opts: ForwardOptions): Promise<ForwardSummary> {
  const { enterpriseDir, destination } = opts;
  const logger = (opts.logger ?? silentLogger).child({ destination: destination.name, enterprise: opts.enterpriseName });
  const logPath = join(enterpriseDir, LOG_FILE);
  const summary: ForwardSummary = { destination: destination.name, enterprise: opts.enterpriseName, sent: 0, pending: 0, truncated: 0, failed: 0, resent: 0 };
  const size = await logSize(logPath);
  if (size === 0) return summary;

  // Two forwarders on one destination would send every event twice.
  const lockFile = `${positionPath(enterpriseDir, destination.name)}.lock`;
  await makeDurableDirectory(dirname(lockFile));
  const lock = await acquireLock(lockFile);
  let sender: Sender | undefined;
  try {
    const start = await loadPosition(enterpriseDir, destination.name);
    if (start.offset > size) {
      // The log shrank under a saved position: it was replaced or truncated. Guessing would lose or double events.
      summary.error = `the delivered position ${start.offset} is beyond the end of ${logPath} (${size} bytes): the log was replaced; delete ${positionPath(enterpriseDir, destination.name)} to send it from the start`;
      return summary;
    }
    if (start.offset === size) return summary;
    const encodeThreads = encodeThreadsFor(opts.encodeThreads ?? 'auto', size - start.offset);
    if (encodeThreads > 0) logger.info('encoding on worker threads', { threads: encodeThreads, pendingBytes: size - start.offset });
    let result: DeliveryResult;
    try {
      sender = await createSender(destination, logger);
      result = await deliver({
        logPath,
        start,
        endOffset: size,
        encoding: { destination, mapping: opts.mapping, enterpriseName: opts.enterpriseName },
        sender,
        encodeThreads,
        checkpoint: (confirmed) => savePosition(enterpriseDir, destination.name, confirmed),
        ...(opts.checkpointEvery ? { checkpointEvery: opts.checkpointEvery } : {}),
        logger,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      result = { confirmed: start, sent: 0, resent: 0, truncated: 0, failed: 0, skipped: 0, error: error as Error };
    }
    if (result.confirmed.offset > start.offset) await savePosition(enterpriseDir, destination.name, result.confirmed);
    Object.assign(summary, { sent: result.sent, truncated: result.truncated, failed: result.failed, resent: result.resent });
    if (result.error !== undefined) {
      summary.error = errorMessage(result.error);
      summary.pending = await countLogLines(logPath, result.confirmed.offset, size);
      if (!(result.error instanceof CancelledError)) logger.warn('events left pending', { pending: summary.pending, reason: summary.error });
    }
    return summary;
  } finally {
    sender?.destroy();
    await lock.release();
  }
}

/** Events waiting for a destination (for status reports), without sending anything. */
export async function pendingEvents(enterpriseDir: string, destination: string): Promise<number> {
  const logPath = join(enterpriseDir, LOG_FILE);
  const size = await logSize(logPath);
  const position: DeliveryPosition = await loadPosition(enterpriseDir, destination);
  return position.offset >= size ? 0 : countLogLines(logPath, position.offset, size);
}

async function logSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}
