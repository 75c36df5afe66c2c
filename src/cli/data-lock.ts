import path from 'node:path';
import { ConfigError, LockedError, errorMessage } from '../errors.js';
import { makeDurableDirectory } from '../store/atomic-file.js';
import { acquireLock, type Lock } from '../store/lock.js';

/** Holds the data-directory lock around `work`, so overlapping runs are refused. */
export async function withDataLock<T>(dataDir: string, work: () => Promise<T>): Promise<T> {
  const unusable = (error: unknown): ConfigError =>
    new ConfigError(`DATA_DIR=${dataDir} cannot be used as the data directory (${errorMessage(error)}): point it at a writable directory`);
  try {
    await makeDurableDirectory(dataDir);
  } catch (error) {
    throw unusable(error);
  }
  let lock: Lock;
  try {
    lock = await acquireLock(path.join(dataDir, '.vco-siem.lock'));
  } catch (error) {
    throw error instanceof LockedError ? error : unusable(error); // another run holds it, or no file can be made there
  }
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
