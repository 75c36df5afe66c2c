import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { acquireLock } from '../store/lock.js';

/** Holds the data-directory lock around `work`, so overlapping runs are refused. */
export async function withDataLock<T>(dataDir: string, work: () => Promise<T>): Promise<T> {
  await mkdir(dataDir, { recursive: true });
  const lock = await acquireLock(path.join(dataDir, '.vco-siem.lock'));
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
