import { existsSync, readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Enterprise } from '../event.js';
import { VcoSiemError } from '../errors.js';
import { CorruptFileError, makeDurableDirectory, readJsonFile, writeJsonAtomic } from './atomic-file.js';

/** Registry of enterprise directories, kept at DATA_DIR/enterprises.json. */
export const REGISTRY_FILE = 'enterprises.json';
/** Longest sanitised name used in a directory name (before a disambiguating id suffix). */
const MAX_NAME_CHARS = 100;
const SAFE_DIR = /^[A-Za-z0-9-]+$/;

interface RegistryEntry {
  dir: string;
  name: string;
  logicalId?: string;
}
interface Registry {
  version: 1;
  enterprises: Record<string, RegistryEntry>;
}

/** The original tool's rule: every character that is not an ASCII letter or digit becomes '-'. */
export function sanitizeName(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '-');
}

/**
 * Absolute directory of `enterprise` inside `dataDir`, created if needed. The first time an enterprise is
 * seen its directory name is chosen and recorded in the registry, so a later rename on the VCO keeps the same
 * log, and two enterprises whose names sanitise alike (or differ only in case) never share one.
 */
export async function resolveEnterpriseDir(dataDir: string, enterprise: Enterprise): Promise<string> {
  if (!Number.isSafeInteger(enterprise.id) || enterprise.id < 0) {
    throw new VcoSiemError(`enterprise id ${String(enterprise.id)} is not a non-negative integer`, { context: { enterprise: enterprise.name } });
  }
  const root = resolve(dataDir);
  const dirName = await serialise(root, async () => {
    const registry = await loadRegistry(root);
    const key = String(enterprise.id);
    const known = registry.enterprises[key];
    if (known && known.name === enterprise.name && known.logicalId === enterprise.logicalId) return known.dir;
    const dir = known?.dir ?? chooseDirName(root, registry, enterprise);
    registry.enterprises[key] = { dir, name: enterprise.name, ...(enterprise.logicalId ? { logicalId: enterprise.logicalId } : {}) };
    await makeDurableDirectory(root);
    await writeJsonAtomic(join(root, REGISTRY_FILE), registry);
    return dir;
  });
  const dir = insideDataDir(root, dirName);
  await makeDurableDirectory(dir);
  return dir;
}

/** Every enterprise recorded in the registry whose directory exists, for status and forwarding. */
export async function listEnterpriseDirs(dataDir: string): Promise<{ enterprise: Enterprise; dir: string }[]> {
  const root = resolve(dataDir);
  const registry = await loadRegistry(root);
  const found: { enterprise: Enterprise; dir: string }[] = [];
  for (const [id, entry] of Object.entries(registry.enterprises)) {
    const dir = insideDataDir(root, entry.dir);
    const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
    if (!isDir) continue;
    const enterprise: Enterprise = { id: Number(id), name: entry.name, ...(entry.logicalId ? { logicalId: entry.logicalId } : {}) };
    found.push({ enterprise, dir });
  }
  return found.sort((a, b) => a.enterprise.id - b.enterprise.id);
}

function chooseDirName(root: string, registry: Registry, enterprise: Enterprise): string {
  const taken = new Set(Object.values(registry.enterprises).map((e) => e.dir.toLowerCase()));
  // Directories on disk count too: a lost registry must not hand one enterprise's log to another.
  for (const entry of existsSync(root) ? readdirSync(root) : []) taken.add(entry.toLowerCase());
  const base = sanitizeName(enterprise.name).slice(0, MAX_NAME_CHARS);
  const candidates = /[A-Za-z0-9]/.test(base)
    ? [base, `${base}-${enterprise.id}`]
    : [`enterprise-${enterprise.id}`];
  for (const candidate of candidates) {
    if (!taken.has(candidate.toLowerCase())) return candidate;
  }
  // Only reachable when other names were built to look like our id suffix.
  const last = candidates[candidates.length - 1]!;
  for (let n = 2; ; n++) {
    if (!taken.has(`${last}-${n}`.toLowerCase())) return `${last}-${n}`;
  }
}

/** Join and prove the result is a direct child of root: the last line of defence against hostile names. */
function insideDataDir(root: string, dirName: string): string {
  const dir = resolve(root, dirName);
  const rel = relative(root, dir);
  if (!SAFE_DIR.test(dirName) || rel !== dirName || isAbsolute(rel)) {
    throw new VcoSiemError(`refusing enterprise directory ${JSON.stringify(dirName)}: not a plain name inside ${root}`, {
      context: { dataDir: root, dir: dirName },
    });
  }
  return dir;
}

async function loadRegistry(root: string): Promise<Registry> {
  const path = join(root, REGISTRY_FILE);
  const value = await readJsonFile<Registry>(path);
  if (value === undefined) return { version: 1, enterprises: {} };
  const entries = value?.enterprises;
  if (typeof entries !== 'object' || entries === null) throw new CorruptFileError(path, 'no "enterprises" object');
  for (const [id, entry] of Object.entries(entries)) {
    if (!/^\d+$/.test(id) || typeof entry?.dir !== 'string' || !SAFE_DIR.test(entry.dir) || typeof entry.name !== 'string') {
      throw new CorruptFileError(path, `bad entry for enterprise ${JSON.stringify(id)}`);
    }
  }
  return { version: 1, enterprises: entries };
}

/** Registry updates are read-modify-write; enterprises collected concurrently in one process take turns. */
const registryQueues = new Map<string, Promise<unknown>>();
async function serialise<T>(root: string, task: () => Promise<T>): Promise<T> {
  const previous = registryQueues.get(root) ?? Promise.resolve();
  const run = previous.then(task, task);
  const settled = run.catch(() => undefined);
  registryQueues.set(root, settled);
  try {
    return await run;
  } finally {
    if (registryQueues.get(root) === settled) registryQueues.delete(root);
  }
}
