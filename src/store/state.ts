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
