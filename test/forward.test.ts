/** Store-and-forward from the NDJSON log over real sockets: nothing lost, nothing doubled beyond the stated bound. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { appendFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { VcoEvent } from '../src/event.js';
import { createEncoder } from '../src/map/index.js';
import { silentLogger } from '../src/log.js';
import { deliver, READ_CHUNK_BYTES, type DeliveryRun } from '../src/ship/delivery.js';
import { makeDestination, type Destination, type DestinationInput } from '../src/ship/destination.js';
import { forwardEnterprise, pendingEvents } from '../src/ship/forwarder.js';
import { replayRange } from '../src/ship/replay.js';
import { loadPosition, type DeliveryPosition } from '../src/store/positions.js';
import { createSender } from '../src/ship/transports.js';
import { ConnectionLostError, emptyStats, type Sender } from '../src/ship/sender.js';
import { unusedPort, startStreamReceiver, startUdpReceiver } from './support/receivers.js';
import { forwardingFixture } from './support/enterprise-log.js';

const BASE_MS = Date.parse('2024-05-01T00:00:00Z');
const ENTERPRISE = 'ACME Co.';

function events(count: number, firstId = 1): VcoEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: firstId + i,
    eventTime: new Date(BASE_MS + (firstId + i) * 1000).toISOString(),
    event: 'EDGE_DOWN',
    category: 'EDGE',
    severity: 'ALERT',
    message: `Edge b${firstId + i} is down`,
    edgeName: `b${firstId + i}-edge1`,
  }));
}

/** Fault injection: the encode worker is stopped instead of being handed its `n`th chunk. Returns the chunks offered so far. */
function stopWorkerAtChunk(t: TestContext, n: number): () => number {
  const postMessage = Worker.prototype.postMessage;
  let posted = 0;
  t.mock.method(Worker.prototype, 'postMessage', function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
    if (++posted === n) return void this.terminate();
    return postMessage.apply(this, args);
  });
  return () => posted;
}

const ids = (frames: string[]): number[] => frames.map((f) => Number(/"id":(\d+)/.exec(f)?.[1]));
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('forwardEnterprise', () => {
  const fixture = forwardingFixture('forward');

  const { enterpriseWith } = fixture;

  const destination = (port: number, extra: Partial<DestinationInput> = {}) =>
    makeDestination({
      name: 'siem-a', host: '127.0.0.1', port, protocol: 'tcp', format: 'json', connectTimeoutMs: 2000,
      reconnect: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20 }, encoder: { hostname: 'vco.example.net' }, ...extra,
    });

  const forward = (enterpriseDir: string, dest: ReturnType<typeof destination>, encodeThreads = 0) =>
    forwardEnterprise({ enterpriseDir, enterpriseName: ENTERPRISE, destination: dest, mapping: fixture.mapping, encodeThreads });

  // 0: encoded in the delivery loop's thread; 2: by encode workers (what a large backlog gets).
  for (const threads of [0, 2]) {
    test(`delivers every event once, in order, exactly as encoded; the next run sends nothing (encode threads: ${threads})`, async () => {
      const list = events(3000);
      const dir = await enterpriseWith(list);
      const receiver = await startStreamReceiver({ framing: 'lf' });
      try {
        const dest = destination(receiver.port);
        const summary = await forward(dir, dest, threads);
        assert.deepEqual(summary, { destination: 'siem-a', enterprise: ENTERPRISE, sent: 3000, pending: 0, truncated: 0, failed: 0, resent: 0 });
        const encode = createEncoder({ ...dest.encoder, format: 'json', mapping: fixture.mapping, lineSafe: true });
        assert.deepEqual(receiver.frames, list.map((e) => encode(e, { enterpriseName: ENTERPRISE })));
        const position = await loadPosition(dir, 'siem-a');
        assert.equal(position.offset, (await stat(join(dir, 'events.json'))).size);
        assert.equal(position.delivered, 3000);

        const again = await forward(dir, dest, threads);
        assert.equal(again.sent, 0);
        assert.equal(receiver.frames.length, 3000);
      } finally {
        await receiver.close();
      }
    });
  }

  test('SIEM down for a whole run: all pending with the reason; back up: every event exactly once', async () => {
    const dir = await enterpriseWith(events(500));
    const port = await unusedPort();
    const down = await forward(dir, destination(port));
    assert.equal(down.sent, 0);
    assert.equal(down.pending, 500);
    assert.match(down.error ?? '', new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port} after 2 attempts: .*ECONNREFUSED`));
    assert.equal(await pendingEvents(dir, 'siem-a'), 500);

    await appendFile(join(dir, 'events.json'), events(100, 501).map((e) => `${JSON.stringify(e)}\n`).join(''));
    const receiver = await startStreamReceiver({ framing: 'lf', port });
    try {
      const up = await forward(dir, destination(port));
      assert.equal(up.sent, 600);
      assert.equal(up.pending, 0);
      assert.deepEqual(ids(receiver.frames), range(1, 600));
      assert.equal(await pendingEvents(dir, 'siem-a'), 0);
    } finally {
      await receiver.close();
    }
  });

  for (const threads of [0, 2]) {
    test(`receiver resets the connection mid-stream: every event delivered, duplicates within what the broken connection carried (encode threads: ${threads})`, async () => {
      const total = 20_000;
      const dir = await enterpriseWith(events(total));
      const receiver = await startStreamReceiver({ framing: 'lf', dropAfterFrames: 5_000 });
      try {
        const window = 256 * 1024; // confirm (clean close + reconnect) every 256 KiB
        const summary = await forward(dir, destination(receiver.port, { confirmEveryBytes: window }), threads);
        assert.equal(summary.sent, total);
        assert.equal(summary.pending, 0);
        assert.ok(receiver.connections.length > 2, 'reconnects to confirm every 256 KiB');
        const got = ids(receiver.frames);
        assert.deepEqual([...new Set(got)].sort((a, b) => a - b), range(1, total), 'every event arrived');
        const duplicates = got.length - total;
        // Duplicates are the part of the re-sent events the SIEM had read before the reset.
        assert.ok(duplicates > 0 && duplicates <= summary.resent, `duplicates ${duplicates}, re-sent ${summary.resent}`);
        // Bound: what the broken connection carried unconfirmed (under confirmEveryBytes before its last batch,
        // plus that batch) and the batch whose send found it broken. A batch holds the events of one
        // READ_CHUNK_BYTES read of the log.
        const frameBytes = Math.min(...receiver.frames.map((f) => Buffer.byteLength(f) + 1));
        const lineBytes = Math.min(...(await readFile(join(dir, 'events.json'), 'utf8')).split('\n').filter(Boolean).map((l) => Buffer.byteLength(l) + 1));
        const batchEvents = Math.ceil(READ_CHUNK_BYTES / lineBytes);
        assert.ok(summary.resent <= Math.ceil(window / frameBytes) + 2 * batchEvents, `re-sent ${summary.resent}`);
        // The next connection restarts at a confirmed position, at or before where the first one broke.
        const firstOnSecond = got[5_000]!;
        assert.ok(firstOnSecond <= 5_001, `resumed at ${firstOnSecond}`);
        // Within each connection the events arrive in log order.
        let previous = 0;
        for (const id of got) {
          assert.ok(id === previous + 1 || id <= previous, `${id} after ${previous}: nothing skipped`);
          previous = id;
        }
      } finally {
        await receiver.close();
      }
    });
  }

  test('an encode worker that dies mid-run: the run goes on in the delivery thread, every event delivered', async (t) => {
    const total = 20_000;
    const dir = await enterpriseWith(events(total));
    const receiver = await startStreamReceiver({ framing: 'lf' });
    const posted = stopWorkerAtChunk(t, 5);
    try {
      const summary = await forward(dir, destination(receiver.port), 1); // the default window: unconfirmed data on the wire when the worker dies
      assert.ok(posted() >= 5, 'the worker was stopped');
      assert.equal(summary.error, undefined);
      assert.equal(summary.sent, total);
      assert.equal(summary.pending, 0);
      await receiver.waitFor(() => new Set(ids(receiver.frames)).size === total, 10_000, 'every event');
      // The connection was healthy: it is closed cleanly (confirming what it carried), not sent again.
      assert.deepEqual(ids(receiver.frames), range(1, total), 'every event once, in order');
      assert.equal(summary.resent, 0);
      assert.equal((await loadPosition(dir, 'siem-a')).offset, (await stat(join(dir, 'events.json'))).size);
    } finally {
      await receiver.close();
    }
  });

  describe('deliver', () => {
    /** deliver() of an enterprise's whole log, from its start, to `sender` as `dest` encodes it. */
    const deliverLog = async (dir: string, dest: Destination, sender: Sender, extra: Partial<DeliveryRun> = {}) => {
      const logPath = join(dir, 'events.json');
      return deliver({
        logPath, start: { offset: 0, delivered: 0 }, endOffset: (await stat(logPath)).size, sender,
        encoding: { destination: dest, mapping: fixture.mapping, enterpriseName: ENTERPRISE }, logger: silentLogger, ...extra,
      });
    };
    /** A stream transport for fault injection: `send` and `close` as given. */
    const fakeStream = (send: Sender['send'], close: Sender['close'] = async () => undefined): Sender => ({ kind: 'stream', stats: emptyStats(), send, close, destroy: () => undefined });

    const run = async (list: VcoEvent[], port: number, checkpoint: (confirmed: DeliveryPosition) => Promise<void>) => {
      const dest = destination(port, { confirmEveryBytes: 64 * 1024 }); // several confirmations: a checkpoint is due after each
      const sender = await createSender(dest);
      try {
        return await deliverLog(await enterpriseWith(list), dest, sender, { checkpoint, checkpointEvery: { events: 1, ms: 0 } });
      } finally {
        sender.destroy();
      }
    };

    test('after a lost connection, what it carried counts once as re-sent and a damaged line once as failed', async () => {
      const list = events(6000); // about 1 MB of log: four batches
      const dir = await enterpriseWith(list.slice(0, 10));
      await appendFile(join(dir, 'events.json'), `not json\n${list.slice(10).map((e) => `${JSON.stringify(e)}\n`).join('')}`);
      // A transport that takes two batches, then reports the connection lost (the third batch not taken).
      const taken: number[] = []; // frames per send that went through
      let sends = 0;
      const sender = fakeStream(async (chunk) => {
        if (++sends === 3) throw new ConnectionLostError('connection reset');
        taken.push(chunk.toString('utf8').split('\n').length - 1);
      });
      const result = await deliverLog(dir, destination(1), sender); // the default window: nothing is confirmed before the loss
      assert.equal(result.error, undefined);
      assert.ok(taken.length >= 4, `the log spans more than two batches (${taken.length} sends)`);
      assert.equal(result.sent, 6000);
      assert.equal(result.failed, 1);
      assert.equal(result.resent, taken[0]! + taken[1]!, 'exactly the two batches the lost connection carried');
      assert.equal(taken.reduce((a, b) => a + b), 6000 + result.resent);
    });

    test('a connection lost while the encode worker dies: what it carried is sent again, nothing lost', async (t) => {
      const total = 20_000; // about 3.3 MB of log: 13 batches
      const dir = await enterpriseWith(events(total));
      // The worker encodes its first two chunks and never gets the later ones (they wait for it until it dies), so
      // the delivery thread encodes the chunks in between, and after the fourth send the loop waits for the worker.
      const workers = new Set<Worker>();
      const postMessage = Worker.prototype.postMessage;
      let posted = 0;
      t.mock.method(Worker.prototype, 'postMessage', function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
        workers.add(this);
        if (++posted <= 2) postMessage.apply(this, args);
      });
      // A SIEM connection: what a connection carried is delivered only by its clean close; a lost one loses it all.
      const delivered: number[] = [];
      let carried: number[] = [];
      let sends = 0;
      const sender = fakeStream(
        async (chunk) => {
          if (++sends === 4) {
            // While this send is stuck, the worker dies (its waiting batches fail); then the connection is lost.
            await Promise.all([...workers].map(async (worker) => Promise.all([once(worker, 'exit'), worker.terminate()])));
            await new Promise((resolve) => setImmediate(resolve));
            carried = [];
            throw new ConnectionLostError('the SIEM stopped reading');
          }
          carried.push(...ids(chunk.toString('utf8').split('\n').filter(Boolean)));
        },
        async () => {
          delivered.push(...carried);
          carried = [];
        },
      );
      const result = await deliverLog(dir, destination(1), sender, { encodeThreads: 1 });
      assert.ok(sends > 4 && workers.size === 1, 'the fourth send failed and the worker ran');
      assert.equal(result.error, undefined);
      assert.deepEqual([...new Set(delivered)].sort((a, b) => a - b), range(1, total), 'every event delivered');
      assert.equal(result.confirmed.delivered, total);
    });

    test('cancelling while the SIEM has not answered our FIN drops the connection at once and confirms nothing', async () => {
      const receiver = await startStreamReceiver({ framing: 'lf', paused: true }); // takes the bytes, never answers
      const dir = await enterpriseWith(events(2000));
      const dest = destination(receiver.port, { writeTimeoutMs: 20_000 });
      const sender = await createSender(dest);
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('SIGTERM')), 300);
      try {
        const started = Date.now();
        const result = await deliverLog(dir, dest, sender, { signal: controller.signal });
        assert.equal(result.error?.name, 'CancelledError');
        assert.equal(result.confirmed.offset, 0, 'nothing confirmed');
        assert.equal(result.sent, 0);
        assert.ok(Date.now() - started < 10_000, 'did not wait for the 20 s write timeout');
      } finally {
        sender.destroy();
        await receiver.close();
      }
    });

    test('a slow checkpoint does not hold up sending; saves run one at a time, in order', async () => {
      const receiver = await startStreamReceiver({ framing: 'lf' });
      try {
        let running = 0;
        let overlapped = false;
        const saved: number[] = [];
        // The first save waits until the receiver has every event: were saves awaited in the send path, it never would.
        let release: () => void = () => undefined;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let sentDuringSave = false;
        void receiver
          .waitFor(() => receiver.frames.length === 2000, 5_000, 'every event')
          .then(() => (sentDuringSave = true), () => undefined)
          .finally(release);
        const result = await run(events(2000), receiver.port, async (confirmed) => {
          overlapped ||= running > 0;
          running++;
          await gate;
          saved.push(confirmed.offset);
          running--;
        });
        assert.equal(sentDuringSave, true, 'every event went out while the first save was still running');
        assert.equal(result.error, undefined);
        assert.equal(result.sent, 2000);
        assert.deepEqual(ids(receiver.frames), range(1, 2000));
        assert.equal(overlapped, false, 'one save at a time');
        assert.ok(saved.length >= 1, 'a checkpoint was saved');
        assert.deepEqual(saved, [...saved].sort((a, b) => a - b), 'positions saved in order');
        assert.ok(saved.at(-1)! <= result.confirmed.offset);
      } finally {
        await receiver.close();
      }
    });

    test('a checkpoint that fails after the encode worker died ends the run: no fallback to the delivery thread', async (t) => {
      const dir = await enterpriseWith(events(20_000)); // about 3.3 MB of log: 13 batches
      // The worker dies instead of taking its third chunk. The save started before that fails only when the
      // delivery loop, having caught the worker's failure, closes the connection: the failure arrives last.
      const posted = stopWorkerAtChunk(t, 3);
      let failSave: () => void = () => undefined;
      const saveFailed = new Promise<void>((resolve) => (failSave = resolve));
      let sends = 0;
      const sender = fakeStream(
        async () => void sends++,
        async () => {
          if (posted() >= 3) failSave();
        },
      );
      const saves: number[] = [];
      const result = await deliverLog(dir, destination(1, { confirmEveryBytes: 64 * 1024 }), sender, {
        encodeThreads: 1,
        checkpointEvery: { events: 1, ms: 0 },
        checkpoint: async (confirmed) => {
          saves.push(confirmed.offset);
          if (saves.length > 1) return; // a switch to the delivery thread would save without trouble
          await saveFailed;
          throw new Error('disk full');
        },
      });
      assert.equal(posted(), 3, 'the worker died at its third chunk');
      assert.equal(result.error?.message, 'disk full', 'the failed save ended the run, not a switch to the delivery thread');
      assert.equal(saves.length, 1, 'one save, which failed');
      assert.ok(sends < 13 && result.sent < 20_000, `the run stopped (${sends} sends, ${result.sent} sent)`);
    });

    test('a failed checkpoint ends the run with its error; nothing counted that was not confirmed', async () => {
      const receiver = await startStreamReceiver({ framing: 'lf' });
      try {
        const result = await run(events(10_000), receiver.port, () => Promise.reject(new Error('disk full')));
        assert.equal(result.error?.message, 'disk full');
        const got = ids(receiver.frames);
        assert.deepEqual(got, range(1, got.length), 'what arrived is in order, without gaps or doubles');
        assert.ok(got.length >= result.confirmed.delivered && result.confirmed.delivered < 10_000, 'the run stopped early');
      } finally {
        await receiver.close();
      }
    });
  });

  test('udp: an encode worker that dies mid-run: the run goes on in the delivery thread on the same socket', async (t) => {
    const total = 6000; // about 1 MB of log: four batches
    const dir = await enterpriseWith(events(total));
    const receiver = await startUdpReceiver();
    const posted = stopWorkerAtChunk(t, 2);
    try {
      // Counts only what the sender took: a loopback UDP receiver may drop datagrams under load.
      const summary = await forward(dir, destination(receiver.port, { protocol: 'udp' }), 1);
      assert.ok(posted() >= 2, 'the worker was stopped');
      assert.equal(summary.error, undefined);
      assert.equal(summary.sent, total);
      assert.equal(summary.pending, 0);
    } finally {
      await receiver.close();
    }
  });

  test('a SIEM that writes to us (a banner) still confirms by its clean close: every event once, none pending', async () => {
    const total = 3000;
    const dir = await enterpriseWith(events(total));
    const frames: string[] = [];
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.write('220 ready\n'); // unread, it would hold back the SIEM's FIN on our side
      let partial = '';
      socket.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop()!;
        frames.push(...lines);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const summary = await forward(dir, destination((server.address() as net.AddressInfo).port, { writeTimeoutMs: 2000 }));
      assert.equal(summary.error, undefined);
      assert.equal(summary.sent, total);
      assert.equal(summary.pending, 0);
      assert.deepEqual(ids(frames), range(1, total));
    } finally {
      server.close();
    }
  });

  test('a SIEM that resets every connection: the run gives up after 6 lost connections, each counted once', async () => {
    const dir = await enterpriseWith(events(40_000)); // 6.6 MB: no connection gets through
    let accepted = 0;
    const server = net.createServer((socket) => {
      accepted++;
      let bytes = 0;
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > 600_000 && !socket.destroyed) socket.resetAndDestroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const summary = await forward(dir, destination((server.address() as net.AddressInfo).port));
      assert.match(summary.error ?? '', /lost 6 connections in a row without progress/);
      assert.equal(accepted, 6, 'one connection per loss: a reset is not reported twice');
      assert.equal(summary.sent, 0);
      assert.equal(summary.pending, 40_000);
    } finally {
      server.close();
    }
  });

  test('a damaged log line is counted failed and never blocks the queue', async () => {
    const dir = await enterpriseWith(events(3));
    await appendFile(join(dir, 'events.json'), 'not json\n[1,2]\n');
    await appendFile(join(dir, 'events.json'), events(2, 4).map((e) => `${JSON.stringify(e)}\n`).join(''));
    const receiver = await startStreamReceiver({ framing: 'octet' });
    try {
      const summary = await forward(dir, destination(receiver.port, { framing: 'octet' }));
      assert.equal(summary.failed, 2);
      assert.equal(summary.sent, 5);
      assert.deepEqual(ids(receiver.frames), [1, 2, 3, 4, 5]);
      assert.equal(await pendingEvents(dir, 'siem-a'), 0);
    } finally {
      await receiver.close();
    }
  });

  test('udp: oversize events truncated at the limit and counted', async () => {
    const big = { ...events(1, 1)[0]!, message: 'é'.repeat(1000) };
    const dir = await enterpriseWith([big, ...events(2, 2)]);
    const receiver = await startUdpReceiver();
    try {
      const summary = await forward(dir, destination(receiver.port, { protocol: 'udp' }));
      assert.equal(summary.sent, 3);
      assert.equal(summary.truncated, 1);
      await receiver.waitForCount(3);
      assert.ok(receiver.datagrams[0]!.length <= 1472 && receiver.datagrams[0]!.length >= 1470);
      assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(receiver.datagrams[0]!), 'cut on a UTF-8 boundary');
      assert.equal(receiver.datagrams[1]!.at(-1), '}'.charCodeAt(0), 'no framing on UDP');
    } finally {
      await receiver.close();
    }
  });

  for (const threads of [0, 2]) {
    test(`replay sends a time range again without moving the delivered position (encode threads: ${threads})`, async () => {
      const dir = await enterpriseWith(events(50));
      const receiver = await startStreamReceiver({ framing: 'lf' });
      try {
        const dest = destination(receiver.port);
        await forward(dir, dest);
        const before = await loadPosition(dir, 'siem-a');
        const summary = await replayRange({
          enterpriseDir: dir, enterpriseName: ENTERPRISE, destination: dest, mapping: fixture.mapping,
          sinceMs: BASE_MS + 10_000, untilMs: BASE_MS + 20_000, encodeThreads: threads,
        });
        assert.equal(summary.sent, 10);
        assert.equal(summary.skipped, 40);
        assert.deepEqual(ids(receiver.frames), [...range(1, 50), ...range(10, 19)]);
        assert.deepEqual(await loadPosition(dir, 'siem-a'), before);
      } finally {
        await receiver.close();
      }
    });
  }
});
