import { join } from 'node:path';
import { LRUCache } from 'lru-cache';
import { eventKey, type VcoEvent } from '../event.js';
import { silentLogger, type Logger } from '../log.js';
import { CorruptFileError, readJsonFile, writeFileAtomic } from './atomic-file.js';
import { readLogBatches, tailOffset } from './event-log.js';

export const SEEN_IDS_FILE = 'seen-ids.json';
export const DEFAULT_ID_CACHE_SIZE = 100_000;
/** Keys turned into JSON at a time when the cache is saved. */
const SAVE_SLICE_KEYS = 4096;

interface SeenIdsFile {
  version: 1;
  /** Size of events.json that these keys reflect; lines after it are scanned on load. */
  logSize: number;
  /** Least recently seen first. */
  keys: string[];
}

/**
 * Bounded set of recent event keys of one enterprise (see eventKey), persisted beside the log: the keys of the
 * events a later run may fetch again (the collector chooses which), least recently remembered evicted first.
 * The log is the truth: keys of lines appended after the last save (a crash between writing events and
 * saving state) are read back from the log, and a missing or corrupt file is rebuilt from the log's tail.
 */
export class SeenIds {
  /** Whether the keys may differ from what the file holds (any key remembered or read from the log since loading). */
  private changed = false;
  /** logSize recorded in the file as loaded, when the keys were taken from it unchanged. */
  private savedLogSize: number | undefined;

  private constructor(
    private readonly path: string,
    private readonly cache: LRUCache<IdKey, true>,
  ) {}

  static async load(enterpriseDir: string, log: { path: string; size: number }, options: { max?: number; logger?: Logger } = {}): Promise<SeenIds> {
    const logger = options.logger ?? silentLogger;
    const path = join(enterpriseDir, SEEN_IDS_FILE);
    const seen = new SeenIds(path, createKeyCache(options.max ?? DEFAULT_ID_CACHE_SIZE));
    const saved = await readSaved(path, logger);
    if (saved !== undefined && saved.logSize <= log.size) {
      for (const key of saved.keys) seen.cache.set(idKey(key), true);
      if (saved.logSize === log.size) {
        seen.savedLogSize = saved.logSize;
        return seen;
      }
      logger.info('reading events written after the id cache was saved', { from: saved.logSize, to: log.size });
      try {
        await seen.addFromLog(log.path, saved.logSize, log.size);
        return seen;
      } catch (error) {
        logger.warn('cannot continue the id cache from the log; rebuilding it', { error });
        seen.cache.clear();
      }
    } else if (saved !== undefined) {
      logger.warn('the id cache describes a longer log than events.json; rebuilding it', { cached: saved.logSize, log: log.size });
    }
    const from = await tailOffset(log.path, log.size, seen.capacity);
    await seen.addFromLog(log.path, from, log.size);
    return seen;
  }

  /** Whether the key is remembered (from an earlier run or offered in this one); does not change recency. */
  has(key: IdKey): boolean {
    return this.cache.has(typeof key === 'number' ? key : idKey(key));
  }

  /** Remember a key as the most recent one (evicting the least recent when full). */
  remember(key: IdKey): void {
    this.changed = true;
    this.cache.set(typeof key === 'number' ? key : idKey(key), true);
  }

  get count(): number {
    return this.cache.size;
  }

  /** Most keys kept. */
  get capacity(): number {
    return this.cache.maxSize;
  }

  /**
   * Persist the keys; `logSize` must be the size of the log already fsynced with every remembered event.
   * Skipped when the file already says exactly this (a run that fetched nothing).
   */
  async save(logSize: number): Promise<void> {
    if (!this.changed && logSize === this.savedLogSize) return;
    await writeFileAtomic(this.path, this.fileBytes(logSize));
    this.changed = false;
    this.savedLogSize = logSize;
  }

  /**
   * JSON.stringify of the file (a SeenIdsFile), built a slice of keys at a time: all keys as one array of strings and
   * one JSON text were several MB more on top of the cache at the end of a long backfill, its peak memory.
   */
  private fileBytes(logSize: number): Buffer {
    const head: Omit<SeenIdsFile, 'keys'> = { version: 1, logSize };
    const parts = [Buffer.from(`${JSON.stringify(head).slice(0, -1)},"keys":[`, 'utf8')];
    const slice: string[] = [];
    const flush = (): void => {
      // The slice's JSON array without its brackets, after a comma when keys came before it.
      const items = JSON.stringify(slice).slice(1, -1);
      parts.push(Buffer.from(parts.length > 1 ? `,${items}` : items, 'utf8'));
      slice.length = 0;
    };
    for (const key of this.cache.rkeys()) {
      slice.push(keyText(key));
      if (slice.length === SAVE_SLICE_KEYS) flush();
    }
    if (slice.length > 0) flush();
    parts.push(Buffer.from(']}', 'utf8'));
    return Buffer.concat(parts);
  }

  private async addFromLog(logPath: string, from: number, to: number): Promise<void> {
    for await (const batch of readLogBatches(logPath, from, { endOffset: to })) {
      for (const { line } of batch) {
        const key = keyOfLine(line);
        if (key !== undefined) this.cache.set(idKey(key), true);
        this.changed = true;
      }
    }
  }
}

/**
 * Bounded by maxSize (every key counts 1) rather than `max`: with `max` lru-cache preallocates arrays of that
 * many slots up front (about 30 ms for 100k keys, paid per enterprise and on every run); this way it grows
 * with the keys actually held.
 */
function createKeyCache(capacity: number): LRUCache<IdKey, true> {
  return new LRUCache<IdKey, true>({ maxSize: capacity, sizeCalculation: countOne });
}

const countOne = (): number => 1;

/**
 * An event key as the cache (and the collector) holds it: the numeric id of an "id:<n>" key (the usual kind) as
 * a number, any other key as its text. A number is stored in a Map without allocating, so a long backfill does
 * not leave every key behind as garbage (which showed as tens of MB of peak RSS).
 */
export type IdKey = string | number;

export function idKey(key: string): IdKey {
  if (key.startsWith('id:')) {
    const id = Number(key.slice(3));
    // Only the canonical form maps to a number, so two different texts never become one key.
    if (Number.isSafeInteger(id) && `id:${id}` === key) return id;
  }
  return key;
}

/** The eventKey text of an IdKey. */
export function keyText(key: IdKey): string {
  return typeof key === 'number' ? `id:${key}` : key;
}

function keyOfLine(line: string): string | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' ? eventKey(value as VcoEvent) : undefined;
  } catch {
    return undefined; // not ours to judge here; the forwarder reports unreadable lines
  }
}

async function readSaved(path: string, logger: Logger): Promise<SeenIdsFile | undefined> {
  try {
    const saved = await readJsonFile<SeenIdsFile>(path);
    if (saved === undefined) return undefined;
    if (!Number.isSafeInteger(saved.logSize) || saved.logSize < 0 || !Array.isArray(saved.keys) || !saved.keys.every((k) => typeof k === 'string')) {
      throw new CorruptFileError(path, 'logSize or keys missing');
    }
    return saved;
  } catch (error) {
    if (!(error instanceof CorruptFileError)) throw error;
    logger.warn('id cache unreadable; rebuilding it from the log', { error });
    return undefined;
  }
}
