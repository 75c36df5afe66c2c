import path from 'node:path';
import { ConfigError, LockedError, errorMessage } from '../errors.js';
import { makeDurableDirectory } from '../store/atomic-file.js';
import { acquireLock, type Lock } from '../store/lock.js';
import type { CommandContext } from './context.js';

/**
 * Holds the data-directory lock around `work`, so overlapping runs are refused. `work` gets the context with a
 * signal that also aborts if the lock is lost (this process stalled past the lease and another run took the
 * lock over): it stops as on SIGTERM, and the run then fails with that LockLostError.
 */
export async function withDataLock<T>(
  ctx: CommandContext,
  dataDir: string,
  work: (locked: CommandContext) => Promise<T>,
  options: { heartbeatMs?: number } = {},
): Promise<T> {
  const unusable = (error: unknown): ConfigError =>
    new ConfigError(`DATA_DIR=${dataDir} cannot be used as the data directory (${errorMessage(error)}): point it at a writable directory`);
  try {
    await makeDurableDirectory(dataDir);
  } catch (error) {
    throw unusable(error);
  }
  let lock: Lock;
  try {
    lock = await acquireLock(path.join(dataDir, '.vco-siem.lock'), options);
  } catch (error) {
    throw error instanceof LockedError ? error : unusable(error); // another run holds it, or no file can be made there
  }
  try {
    // Whether the work returned or threw (a CancelledError, say), a lost lock is what the run must report.
    const result = await work({ ...ctx, signal: AbortSignal.any([ctx.signal, lock.lost]) }).catch((error: unknown) => {
      throw lock.lost.aborted ? lock.lost.reason : error;
    });
    if (lock.lost.aborted) throw lock.lost.reason;
    return result;
  } finally {
    await lock.release();
  }
}
