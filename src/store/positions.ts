import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CorruptFileError, makeDurableDirectory, readJsonFile, writeJsonAtomic } from './atomic-file.js';
import { sanitizeName } from './paths.js';

/** How far one destination has got in one enterprise's log: the byte offset of the next line to send. */
export interface DeliveryPosition {
  offset: number;
  /** Events delivered so far (informational, for status). */
  delivered: number;
  updatedAt?: string;
}

interface PositionFile extends DeliveryPosition {
  destination: string;
}

/**
 * DATA_DIR/<enterprise>/positions/<destination>-<hash>.json. The hash of the exact destination name keeps
 * two destinations whose names sanitise alike apart; the readable part is for people looking at the files.
 */
export function positionPath(enterpriseDir: string, destination: string): string {
  const hash = createHash('sha256').update(destination).digest('hex').slice(0, 8);
  return join(enterpriseDir, 'positions', `${sanitizeName(destination).slice(0, 80)}-${hash}.json`);
}

export async function loadPosition(enterpriseDir: string, destination: string): Promise<DeliveryPosition> {
  const path = positionPath(enterpriseDir, destination);
  const file = await readJsonFile<PositionFile>(path);
  if (file === undefined) return { offset: 0, delivered: 0 };
  if (!isCount(file.offset) || !isCount(file.delivered)) throw new CorruptFileError(path, 'offset and delivered must be non-negative integers');
  return { offset: file.offset, delivered: file.delivered, ...(typeof file.updatedAt === 'string' ? { updatedAt: file.updatedAt } : {}) };
}

/** Replace the position atomically; call only after the transport has taken the bytes up to `pos.offset`. */
export async function savePosition(enterpriseDir: string, destination: string, pos: DeliveryPosition): Promise<void> {
  const path = positionPath(enterpriseDir, destination);
  await makeDurableDirectory(join(enterpriseDir, 'positions'));
  const file: PositionFile = { destination, offset: pos.offset, delivered: pos.delivered, updatedAt: pos.updatedAt ?? new Date().toISOString() };
  await writeJsonAtomic(path, file);
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
