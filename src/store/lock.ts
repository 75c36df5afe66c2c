import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { LockLostError, LockedError, VcoSiemError, errorMessage } from '../errors.js';

/** Content of a lock file. `token` tells our own lock from a successor's. */
export interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
  token: string;
  /** Where `pid` means something: this boot and pid namespace (see currentSystem); absent in older lock files. */
  system?: string;
}

export interface Lock {
  readonly path: string;
  readonly info: LockInfo;
  /**
   * Aborted, with a LockLostError, when a heartbeat finds the lock file gone or someone else's: this process
   * stalled for longer than the lease (a paused process, a suspended VM) and another took the lock over.
   */
  readonly lost: AbortSignal;
  /** Remove the lock file if it is still ours. Safe to call twice. */
  release(): Promise<void>;
}

/** A lock file younger than this with unreadable content is probably being written right now. */
const UNREADABLE_GRACE_MS = 10_000;
const STALE_GUARD_MS = 30_000;
const GUARD_WAIT_MS = 50;
const ATTEMPTS = 5;
/**
 * The holder touches its lock file this often. A lock is held while it is fresher than LEASE_MS and stale
 * after; one taken in this boot and pid namespace is also stale at once when its process is gone (isHeld).
 */
export const HEARTBEAT_MS = 15_000;
export const LEASE_MS = 60_000;
const heldHere = new Set<string>();

/**
 * Take the lock file at `path` (created with O_EXCL). A lock held by a live process on this host, or by any
 * process on another host, is refused with LockedError; a lock left by a dead process is taken over.
 */
export async function acquireLock(path: string, options: { heartbeatMs?: number } = {}): Promise<Lock> {
  const lockPath = resolve(path);
  if (heldHere.has(lockPath)) throw new LockedError(`this process already holds the lock ${lockPath}`, { context: { lockFile: lockPath } });
  heldHere.add(lockPath); // before any await, so a concurrent call in this process never mistakes our lock for a stale one
  try {
    return await acquireFile(lockPath, options.heartbeatMs ?? HEARTBEAT_MS);
  } catch (error) {
    heldHere.delete(lockPath);
    throw error;
  }
}

async function acquireFile(lockPath: string, heartbeatMs: number): Promise<Lock> {
  const info = newLockInfo();
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    if (await tryCreate(lockPath, info)) {
      const lost = new AbortController();
      const beat = async (): Promise<void> => {
        // A read that fails (EMFILE, EIO, ...) tells nothing: renew as before, the next beat looks again.
        const current = await readLock(lockPath).catch(() => undefined);
        if (current === undefined || (typeof current === 'object' && current.token === info.token)) {
          const now = new Date();
          await utimes(lockPath, now, now);
          return;
        }
        clearInterval(heartbeat);
        const holder = typeof current === 'object' ? `pid ${current.pid} on host ${current.hostname} holds it now` : `the lock file is ${current}`;
        lost.abort(
          new LockLostError(
            `lost the lock ${lockPath} (${holder}): this process stalled for longer than ${LEASE_MS / 1000} s, or the file was removed or replaced; stopping so that two runs never write at once`,
            { context: { lockFile: lockPath } },
          ),
        );
      };
      const heartbeat = setInterval(() => void beat().catch(() => undefined), heartbeatMs); // a failed touch: the next beat tries again
      heartbeat.unref();
      return {
        path: lockPath,
        info,
        lost: lost.signal,
        release: () => {
          clearInterval(heartbeat);
          return release(lockPath, info);
        },
      };
    }
    const current = await readLock(lockPath);
    if (current === 'missing') continue; // released between our create and our read
    if (current === 'unreadable') {
      if (!(await olderThan(lockPath, UNREADABLE_GRACE_MS))) throw lockedBy(lockPath, 'a process that is creating it now');
      await removeStale(lockPath, 'unreadable');
      continue;
    }
    if (await isHeld(current, lockPath)) throw lockedBy(lockPath, `pid ${current.pid}${current.hostname === info.hostname ? '' : ` on host ${current.hostname}`}, started ${current.startedAt}`);
    await removeStale(lockPath, current);
  }
  throw new LockedError(`could not take the lock ${lockPath}: other processes keep competing for it`, { context: { lockFile: lockPath } });
}

function newLockInfo(): LockInfo {
  return { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), token: randomUUID(), system: currentSystem() };
}

let systemIdentity: string | undefined | null = null; // null: not read yet

/**
 * The boot and pid namespace this process runs in (Linux), in which a pid names one process. Containers given
 * the same host name (as README suggests) share a host name but not pids, so the host name cannot tell.
 * Undefined elsewhere: there a lock's pid is checked when the host name matches, as before.
 */
export function currentSystem(): string | undefined {
  if (systemIdentity === null) {
    try {
      systemIdentity = `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}/${readlinkSync('/proc/self/ns/pid')}`;
    } catch {
      systemIdentity = undefined;
    }
  }
  return systemIdentity;
}

function lockedBy(lockPath: string, holder: string): LockedError {
  return new LockedError(`another vco-siem run is in progress (${holder}); lock file: ${lockPath}`, { context: { lockFile: lockPath } });
}

async function tryCreate(lockPath: string, info: LockInfo): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockPath, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new VcoSiemError(`cannot create the lock file ${lockPath}: ${errorMessage(error)}`, { context: { lockFile: lockPath }, cause: error });
  }
  try {
    await handle.writeFile(JSON.stringify(info));
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

async function readLock(lockPath: string): Promise<LockInfo | 'missing' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const info = JSON.parse(text) as LockInfo;
    return Number.isSafeInteger(info.pid) && typeof info.hostname === 'string' && typeof info.token === 'string' ? info : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/**
 * Whether the holder may still be running. Its heartbeat decides: a lock touched within LEASE_MS is held. When
 * the lock was taken in our own boot and pid namespace, its pid is checked too, so that the lock of a process
 * that died is taken over at once. Anywhere else (another host, another container, a lock file without that
 * identity) the pid names nothing here, so only the heartbeat counts.
 */
async function isHeld(info: LockInfo, lockPath: string): Promise<boolean> {
  if (sameSystem(info) && !isAlive(info.pid)) return false;
  return !(await olderThan(lockPath, LEASE_MS));
}

function sameSystem(info: LockInfo): boolean {
  const here = currentSystem();
  return here === undefined ? info.hostname === hostname() && info.system === undefined : info.system === here;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return false; // a lock with our own pid is an earlier process's: we are running, it is not
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}

/**
 * Delete a lock judged stale. Two processes may judge the same lock stale at once, and by the time one of
 * them deletes it the other may already have created a live lock there. So deletion happens only while
 * holding a short-lived guard file (O_EXCL again), after checking that the lock is still the stale one.
 */
async function removeStale(lockPath: string, judged: LockInfo | 'unreadable'): Promise<void> {
  const guardPath = `${lockPath}.takeover`;
  const guard = newLockInfo();
  if (!(await tryCreate(guardPath, guard))) {
    // Another process is taking over right now; a guard left by a process that died doing so is removed.
    if (await olderThan(guardPath, STALE_GUARD_MS)) await unlink(guardPath).catch(() => undefined);
    await delay(GUARD_WAIT_MS);
    return;
  }
  try {
    const current = await readLock(lockPath);
    const same =
      judged === 'unreadable'
        ? current === 'unreadable' && (await olderThan(lockPath, UNREADABLE_GRACE_MS))
        : typeof current === 'object' && current.token === judged.token;
    if (same) await unlink(lockPath).catch(() => undefined);
  } finally {
    await unlink(guardPath).catch(() => undefined);
  }
}

async function release(lockPath: string, info: LockInfo): Promise<void> {
  if (!heldHere.has(lockPath)) return;
  const current = await readLock(lockPath);
  if (typeof current === 'object' && current.token === info.token) await unlink(lockPath).catch(() => undefined);
  heldHere.delete(lockPath);
}

async function olderThan(path: string, ms: number): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info === undefined || Date.now() - info.mtimeMs > ms;
}
