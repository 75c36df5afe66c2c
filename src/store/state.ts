import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Enterprise } from '../event.js';
import { CorruptFileError, readJsonFile, writeJsonAtomic } from './atomic-file.js';

export const STATE_FILE = 'state.json';
export const LOG_FILE = 'events.json';

/** What one collection run did, kept in the state for `status`. */
export interface RunSummary {
  fetched: number;
  new: number;
  duplicates: number;
  pages: number;
  apiCalls: number;
  windowStart: string;
  windowEnd: string;
  warnings: string[];
}

/** DATA_DIR/<enterprise>/state.json: small, readable, replaced atomically. */
export interface EnterpriseState {
  enterpriseId: number;
  name: string;
  /** Every event up to this time (epoch ms) has been fetched; the next window starts at checkpoint - lookback. */
  checkpointMs: number | null;
  checkpoint: string | null;
  /** Bytes of events.json committed by the last successful save. */
  logSize: number;
  lastRun: string | null;
  lastError: string | null;
  lastSummary: RunSummary | null;
  /**
   * Set (to the log size before the append) while a run appends its events, cleared by the save that moves
   * the checkpoint. Still set on the next start means that run died or failed in between: its appended lines
   * are cut off again (see `recoverInterruptedCommit`), so a window is committed whole or not at all.
   */
  appendingFrom?: number | null;
  /**
   * Set once the VCO's pages were seen out of eventTime order (by any enterprise: it is the VCO's way): from then
   * on a full page is followed by halving its time range, never by the eventTime cursor (see collect/pager.ts).
   */
  pagesUnordered?: true;
}

export function initialState(enterprise: Enterprise): EnterpriseState {
  return { enterpriseId: enterprise.id, name: enterprise.name, checkpointMs: null, checkpoint: null, logSize: 0, lastRun: null, lastError: null, lastSummary: null };
}

/** The saved state, or undefined before the first run. */
export async function loadState(enterpriseDir: string): Promise<EnterpriseState | undefined> {
  const path = join(enterpriseDir, STATE_FILE);
  const state = await readJsonFile<EnterpriseState>(path);
  if (state === undefined) return undefined;
  const checkpointOk = state.checkpointMs === null || Number.isFinite(state.checkpointMs);
  if (!Number.isSafeInteger(state.enterpriseId) || !checkpointOk || !Number.isSafeInteger(state.logSize) || state.logSize < 0) {
    throw new CorruptFileError(path, 'enterpriseId, checkpointMs or logSize is missing or not a number');
  }
  return state;
}

export async function saveState(enterpriseDir: string, state: EnterpriseState): Promise<void> {
  await writeJsonAtomic(join(enterpriseDir, STATE_FILE), state);
}

/**
 * Undo the append of a run that died (or failed) before its checkpoint moved: cut events.json back to the
 * size it had before that append. Those events were never committed; the next collection fetches them
 * again. Returns the bytes removed and the state as it now stands on disk. Call with the data-directory lock held, before reading or appending.
 */
export async function recoverInterruptedCommit(enterpriseDir: string): Promise<{ removed: number; state: EnterpriseState | undefined }> {
  const state = await loadState(enterpriseDir);
  if (state === undefined || state.appendingFrom === undefined || state.appendingFrom === null) return { removed: 0, state };
  const from = state.appendingFrom;
  if (!Number.isSafeInteger(from) || from < 0) throw new CorruptFileError(join(enterpriseDir, STATE_FILE), 'appendingFrom is not a byte offset');
  const logPath = join(enterpriseDir, LOG_FILE);
  let removed = 0;
  const handle = await open(logPath, 'r+').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (handle !== undefined) {
    try {
      const size = (await handle.stat()).size;
      if (size > from) {
        await handle.truncate(from);
        await handle.sync();
        removed = size - from;
      }
    } finally {
      await handle.close();
    }
  }
  const recovered = { ...state, appendingFrom: null };
  await saveState(enterpriseDir, recovered);
  return { removed, state: recovered };
}
