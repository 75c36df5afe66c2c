import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, errorMessage } from '../errors.js';
import { acquireLock } from '../store/lock.js';

/** Holds the data-directory lock around `work`, so overlapping runs are refused. */
export async function withDataLock<T>(dataDir: string, work: () => Promise<T>): Promise<T> {
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (error) {
    throw new ConfigError(`DATA_DIR=${dataDir} cannot be used as the data directory (${errorMessage(error)}): point it at a writable directory`);
  }
  const lock = await acquireLock(path.join(dataDir, '.vco-siem.lock'));
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
