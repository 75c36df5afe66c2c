import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
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

test('by default the process stops at once, exit 1, with the reason on stderr and nothing written after it', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'vco-data-lock-exit-'));
  try {
    const lockFile = join(dataDir, '.vco-siem.lock');
    const module = fileURLToPath(new URL('./data-lock.js', import.meta.url));
    const script = `
      const { writeFile } = await import('node:fs/promises');
      const { withDataLock } = await import(${JSON.stringify(module)});
      await withDataLock(${JSON.stringify(dataDir)}, async () => {
        await writeFile(${JSON.stringify(lockFile)}, JSON.stringify({ pid: 1, hostname: 'elsewhere', startedAt: '', token: 'successor' }));
        await new Promise((resolve) => setTimeout(resolve, 10_000)); // a run still busy when the heartbeat comes
        await writeFile(${JSON.stringify(join(dataDir, 'written-after'))}, 'x');
      }, { heartbeatMs: 20 });`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(child.status, 1, child.stderr);
    assert.match(child.stderr, /^vco-siem: lost the lock \S+ \(pid 1 on host elsewhere holds it now\): .*stopping so that two runs never write at once\n$/);
    assert.deepEqual((await readdir(dataDir)).sort(), ['.vco-siem.lock']);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
