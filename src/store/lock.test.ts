import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LockLostError, LockedError } from '../errors.js';
import { HEARTBEAT_MS, LEASE_MS, acquireLock, currentSystem, type Lock, type LockInfo } from './lock.js';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vco-lock-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  assert.equal(child.status, 0);
  return child.pid!;
}

/** A lock file as a process with `pid` writes it; by default one of this boot and pid namespace. */
function lockFile(pid: number, host = hostname(), system = currentSystem()): string {
  const info: LockInfo = { pid, hostname: host, startedAt: '2024-01-01T00:00:00.000Z', token: `t-${pid}`, system };
  return JSON.stringify(info);
}

test('acquire writes pid, host and start time; a second acquire is refused; release removes the file', async () => {
  const path = join(root, 'a.lock');
  const lock = await acquireLock(path);
  const info = JSON.parse(await readFile(path, 'utf8')) as LockInfo;
  assert.equal(info.pid, process.pid);
  assert.equal(info.hostname, hostname());
  assert.ok(!Number.isNaN(Date.parse(info.startedAt)));
  await assert.rejects(acquireLock(path), LockedError);
  await lock.release();
  // Two concurrent calls in one process: one wins, the other is refused (never mistaken for a stale lock).
  const both = await Promise.allSettled([acquireLock(path), acquireLock(path)]);
  assert.deepEqual(both.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  await (both.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLock>>>).value.release();
  await lock.release();
  assert.deepEqual(await readdir(root), []);
  const again = await acquireLock(path);
  await again.release();
});

test('a lock held by another live process is refused with its pid and the lock path', async () => {
  const path = join(root, 'live.lock');
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    await writeFile(path, lockFile(sleeper.pid!));
    await assert.rejects(acquireLock(path), (error: Error) => {
      assert.ok(error instanceof LockedError);
      assert.match(error.message, new RegExp(`another vco-siem run is in progress \\(pid ${sleeper.pid}, started 2024-01-01T00:00:00.000Z\\); lock file: `));
      assert.ok(error.message.endsWith(path));
      return true;
    });
  } finally {
    sleeper.kill('SIGKILL');
    await once(sleeper, 'exit');
  }
  // Its process is gone now: the same lock is stale and is taken over.
  const lock = await acquireLock(path);
  assert.equal((JSON.parse(await readFile(path, 'utf8')) as LockInfo).pid, process.pid);
  await lock.release();
});

test('a stale lock of a dead process is taken over', async () => {
  const path = join(root, 'stale.lock');
  await writeFile(path, lockFile(deadPid()));
  const lock = await acquireLock(path);
  assert.equal(lock.info.pid, process.pid);
  await lock.release();
  assert.deepEqual(await readdir(root), []);
});

test('a lock from another host is respected; an unreadable old lock is taken over', async () => {
  const path = join(root, 'other-host.lock');
  await writeFile(path, lockFile(deadPid(), 'some-other-host', 'another-boot/pid:[1]'));
  await assert.rejects(acquireLock(path), /pid \d+ on host some-other-host/);
  await rm(path);
  await writeFile(path, '{"pid": 12');
  await assert.rejects(acquireLock(path), /creating it now/); // fresh: maybe being written right now
  const old = new Date(Date.now() - 60_000);
  await utimes(path, old, old);
  const lock = await acquireLock(path);
  await lock.release();
});

test('a lock whose pid cannot be checked here (another host, another container with the same host name) is held while its heartbeat is fresh', async () => {
  for (const [name, content] of [
    ['other-host-lease.lock', lockFile(deadPid(), 'some-other-host', 'another-boot/pid:[1]')],
    // A container given the same host name: its pids are not ours, even ours (or one that does not exist here).
    ['other-container-same-pid.lock', lockFile(process.pid, hostname(), 'another-boot/pid:[2]')],
    ['other-container-dead-pid.lock', lockFile(deadPid(), hostname(), 'another-boot/pid:[2]')],
    ['older-format.lock', JSON.stringify({ pid: deadPid(), hostname: 'some-other-host', startedAt: '2024-01-01T00:00:00.000Z', token: 't' })],
  ] as const) {
    const path = join(root, name);
    await writeFile(path, content);
    await assert.rejects(acquireLock(path), LockedError, `${name}: a fresh lock is respected`);
    const expired = new Date(Date.now() - LEASE_MS - 5_000);
    await utimes(path, expired, expired);
    const lock = await acquireLock(path);
    await lock.release();
  }
});

test('a lock of this system whose heartbeat stopped is taken over even when its pid is alive (a reused pid)', async () => {
  const path = join(root, 'reused-pid.lock');
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    await writeFile(path, lockFile(sleeper.pid!));
    await assert.rejects(acquireLock(path), LockedError, 'alive and fresh: held');
    const expired = new Date(Date.now() - LEASE_MS - 5_000);
    await utimes(path, expired, expired);
    const lock = await acquireLock(path);
    await lock.release();
  } finally {
    sleeper.kill('SIGKILL');
    await once(sleeper, 'exit');
  }
});

test('the holder keeps its lock fresh while it runs', async () => {
  const path = join(root, 'heartbeat.lock');
  const lock = await acquireLock(path, { heartbeatMs: 100 });
  try {
    const old = new Date(Date.now() - LEASE_MS - 5_000);
    await utimes(path, old, old);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const { mtimeMs } = await stat(path);
    assert.ok(Date.now() - mtimeMs < 1_000, 'the heartbeat touched the lock file');
    assert.ok(HEARTBEAT_MS * 3 <= LEASE_MS, 'a live holder beats at least three times per lease');
    assert.equal(lock.lost.aborted, false, 'its own lock is not lost');
  } finally {
    await lock.release();
  }
});

/** Waits for `lock.lost` (the heartbeat is unref'd: something must keep the test's event loop alive meanwhile). */
async function lostWithin(lock: Lock, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!lock.lost.aborted) {
    assert.ok(Date.now() < deadline, `the lock was not reported lost within ${ms} ms`);
    await delay(10);
  }
}

test('a holder whose lock was taken over (it stalled past the lease) is told so by its next heartbeat', async () => {
  const path = join(root, 'taken-over.lock');
  const lock = await acquireLock(path, { heartbeatMs: 50 });
  const successor = lockFile(process.pid + 1);
  await writeFile(path, successor); // what a run that judged it stale would have done meanwhile
  await lostWithin(lock, 5_000);
  assert.ok(lock.lost.reason instanceof LockLostError);
  assert.match((lock.lost.reason as Error).message, new RegExp(`^lost the lock \\S+taken-over\\.lock \\(pid ${process.pid + 1} on host \\S+ holds it now\\): this process stalled for longer than 60 s`));
  await lock.release();
  assert.equal(await readFile(path, 'utf8'), successor, 'the successor keeps its lock');
  await rm(path);

  const removed = await acquireLock(path, { heartbeatMs: 50 });
  await rm(path);
  await lostWithin(removed, 5_000);
  assert.match((removed.lost.reason as Error).message, /\(the lock file is missing\)/);
  await removed.release();
});

test('release leaves a lock that is no longer ours', async () => {
  const path = join(root, 'theirs.lock');
  const lock = await acquireLock(path);
  const theirs = lockFile(deadPid());
  await writeFile(path, theirs); // someone replaced it (e.g. took it over as stale)
  await lock.release();
  assert.equal(await readFile(path, 'utf8'), theirs);
  await rm(path);
});

test('processes racing for one stale lock: exactly one wins', async () => {
  const path = join(root, 'race.lock');
  await writeFile(path, lockFile(deadPid()));
  const lockModule = fileURLToPath(new URL('./lock.js', import.meta.url));
  // Each child loads the module, says 'ready' and waits for 'go' on stdin, so that all of them race at once
  // however slowly they start.
  const script = `
    const { acquireLock } = await import(${JSON.stringify(lockModule)});
    const { once } = await import('node:events');
    console.log('ready');
    await once(process.stdin, 'data');
    try { const lock = await acquireLock(${JSON.stringify(path)}); console.log('won'); await new Promise((r) => setTimeout(r, 2500)); await lock.release(); }
    catch (e) { console.log(e.name); }
    process.stdin.destroy();`;
  const children = Array.from({ length: 4 }, () => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }));
  const outputs = children.map((child) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    return { ready: () => out.startsWith('ready\n'), result: once(child, 'exit').then(() => out.slice('ready\n'.length).trim()) };
  });
  const deadline = Date.now() + 20_000;
  while (!outputs.every((o) => o.ready())) {
    assert.ok(Date.now() < deadline, 'every child started');
    await delay(5);
  }
  for (const child of children) child.stdin!.write('go\n');
  const results = await Promise.all(outputs.map((o) => o.result));
  assert.deepEqual(results.sort(), ['LockedError', 'LockedError', 'LockedError', 'won']);
});
