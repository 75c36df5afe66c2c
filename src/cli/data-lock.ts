import path from 'node:path';
import { ConfigError, EXIT_RUNTIME, LockedError, errorMessage } from '../errors.js';
import { reportLine } from '../log.js';
import { makeDurableDirectory } from '../store/atomic-file.js';
import { acquireLock, type Lock } from '../store/lock.js';

export interface DataLockOptions {
  heartbeatMs?: number;
  /**
   * What to do when the lock is lost: this process stalled past the lease (a stopped process, a suspended VM)
   * and another run took the lock over. By default the process stops at once, as a crash would (which every
   * write is made to survive): stopping in order would still save state, positions and the run record beside
   * the run that holds the lock now.
   */
  onLost?: (error: Error) => void;
}

/** Holds the data-directory lock around `work`, so overlapping runs are refused. */
export async function withDataLock<T>(dataDir: string, work: () => Promise<T>, options: DataLockOptions = {}): Promise<T> {
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
  const onLost = options.onLost ?? stopNow;
  const lost = (): void => onLost(lock.lost.reason as Error);
  lock.lost.addEventListener('abort', lost, { once: true });
  try {
    return await work();
  } finally {
    lock.lost.removeEventListener('abort', lost);
    await lock.release();
  }
}

function stopNow(error: Error): never {
  reportLine(error.message);
  process.exit(EXIT_RUNTIME);
}
