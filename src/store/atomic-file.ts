import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { VcoSiemError, errorMessage } from '../errors.js';

/**
 * Replace `path` with `data` so that a crash leaves either the old or the new content, never a mix:
 * write a temporary file in the same directory, fsync it, rename it over the target, fsync the directory.
 */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'wx', 0o600); // events and positions are the operator's business only
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw new VcoSiemError(`cannot write ${path}: ${errorMessage(error)}`, { context: { path }, cause: error });
  }
  await syncDirectory(dirname(path));
}

/**
 * Make a rename or create in `dir` durable. Some platforms cannot open a directory, and a directory we may write
 * into but not read (mode -wx, the operator's choice) cannot be opened either: best effort there, not an error.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * `mkdir -p` that a crash cannot undo: the entry of each directory it creates is fsynced in its parent. Without
 * this, a power cut after the first run could take a new enterprise or positions directory, with the fsynced
 * files inside it. `path` itself, when created, is the operator's only (0700, like the files' 0600); parents it
 * had to create, and a directory that exists, keep their mode. Returns the directories synced (none when `path`
 * already existed).
 */
export async function makeDurableDirectory(path: string): Promise<string[]> {
  const first = await mkdir(path, { recursive: true });
  if (first === undefined) return [];
  await chmod(path, 0o700);
  const synced: string[] = [];
  // Up from `path`, as given, to the first directory created (mkdir gives it in the same form). Not resolved:
  // the kernel follows a symlink before a '..' where resolve() would drop both. The root check only guards
  // against a `first` that is not on the way.
  for (let created = path; created !== dirname(created); created = dirname(created)) {
    synced.push(dirname(created));
    await syncDirectory(dirname(created));
    if (created === first) break;
  }
  return synced;
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Parsed content of a JSON file; undefined when it does not exist. A corrupt file is an error naming the path. */
export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new VcoSiemError(`cannot read ${path}: ${errorMessage(error)}`, { context: { path }, cause: error });
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new CorruptFileError(path, errorMessage(error));
  }
}

/** A state file exists but does not hold what we wrote there. */
export class CorruptFileError extends VcoSiemError {
  constructor(path: string, problem: string) {
    super(`corrupt file ${path}: ${problem}; move it away to start that part of the state afresh`, { context: { path } });
  }
}
