import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { CancelledError, LockLostError } from '../errors.js';
import { silentLogger } from '../log.js';
import type { CommandContext } from './context.js';
import { withDataLock } from './data-lock.js';

test('a run whose data-directory lock is taken over is stopped through its signal and fails with LockLostError', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'vco-data-lock-'));
  try {
    const ctx: CommandContext = { settings: {}, logger: silentLogger, signal: new AbortController().signal, print: () => undefined };
    const lockFile = join(dataDir, '.vco-siem.lock');
    const successor = JSON.stringify({ pid: process.pid + 1, hostname: 'elsewhere', startedAt: new Date().toISOString(), token: 'successor' });
    let stoppedBy: unknown;
    const run = withDataLock(
      ctx,
      dataDir,
      async (locked) => {
        assert.notEqual(locked.signal, ctx.signal, 'the work gets a signal of its own');
        await writeFile(lockFile, successor); // another run took the lock over while this one stalled
        while (!locked.signal.aborted) await delay(10); // the work checks its signal, as collect and forward do
        stoppedBy = locked.signal.reason;
        return 'finished';
      },
      { heartbeatMs: 20 },
    );
    await assert.rejects(run, (error: unknown) => error instanceof LockLostError && /holds it now/.test(error.message));
    assert.ok(stoppedBy instanceof LockLostError, 'the work was stopped by the loss');
    assert.equal(await readFile(lockFile, 'utf8'), successor, "the successor's lock stays");
    assert.equal(ctx.signal.aborted, false, 'the command itself was not cancelled');

    // Work that throws when stopped (a cancelled request) reports the loss too, not its own cancellation.
    await rm(lockFile);
    const throwing = withDataLock(
      ctx,
      dataDir,
      async (locked) => {
        await writeFile(lockFile, successor);
        while (!locked.signal.aborted) await delay(10);
        throw new CancelledError('enterprise/getEnterprise: cancelled');
      },
      { heartbeatMs: 20 },
    );
    await assert.rejects(throwing, LockLostError);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
