import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { LockLostError } from '../errors.js';
import { withDataLock } from './data-lock.js';

test('a run whose data-directory lock is taken over is told at the next heartbeat; the successor keeps its lock', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'vco-data-lock-'));
  try {
    const lockFile = join(dataDir, '.vco-siem.lock');
    const successor = JSON.stringify({ pid: process.pid + 1, hostname: 'elsewhere', startedAt: new Date().toISOString(), token: 'successor' });
    const losses: Error[] = [];
    const result = await withDataLock(
      dataDir,
      async () => {
        await writeFile(lockFile, successor); // another run took the lock over while this one stalled
        const deadline = Date.now() + 5_000;
        while (losses.length === 0 && Date.now() < deadline) await delay(10);
        return 'finished';
      },
      { heartbeatMs: 20, onLost: (error) => losses.push(error) },
    );
    assert.equal(result, 'finished');
    assert.equal(losses.length, 1, 'told once');
    assert.ok(losses[0] instanceof LockLostError);
    assert.match(losses[0].message, /^lost the lock \S+\.vco-siem\.lock \(pid \d+ on host elsewhere holds it now\)/);
    assert.equal(await readFile(lockFile, 'utf8'), successor, "the successor's lock stays");
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
