/** Where events are kept and which window a collection asks for. */
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { parseDuration, parseInteger, parseSince } from './parse.js';
import { setting, type Settings } from './settings.js';

export interface CollectConfig {
  dataDir: string;
  /** Start of the very first window (later runs start at the checkpoint minus the lookback). */
  sinceMs: number;
  /** VCO_SINCE as given, so a long-running daemon can work out `sinceMs` again for each run. */
  since: string;
  /** How far each run re-reads before its checkpoint, to catch events that reach the VCO late. */
  lookbackMs: number;
  idCacheSize: number;
}

const DEFAULT_SINCE = '24h';
const DEFAULT_LOOKBACK = '15m';

export function buildDataDir(settings: Settings): string {
  return path.resolve(setting(settings, 'DATA_DIR') ?? './data');
}

export function buildCollectConfig(settings: Settings, nowMs: number): CollectConfig {
  const lookbackMs = parseDuration('VCO_LOOKBACK', setting(settings, 'VCO_LOOKBACK') ?? DEFAULT_LOOKBACK);
  if (lookbackMs > 7 * 86_400_000) throw new ConfigError(`VCO_LOOKBACK=${settings.VCO_LOOKBACK} is too long: use at most 7d (15m to 1h is typical)`);
  const since = setting(settings, 'VCO_SINCE') ?? DEFAULT_SINCE;
  const sinceMs = parseSince('VCO_SINCE', since, nowMs);
  if (sinceMs > nowMs) throw new ConfigError(`VCO_SINCE=${settings.VCO_SINCE} is in the future: use a past time or a duration such as 24h`);
  return {
    dataDir: buildDataDir(settings),
    sinceMs,
    since,
    lookbackMs,
    idCacheSize: parseInteger('ID_CACHE_SIZE', setting(settings, 'ID_CACHE_SIZE') ?? '100000', 1000, 10_000_000),
  };
}
