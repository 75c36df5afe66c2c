/**
 * A SIEM that stops reading must neither hang a run nor count as delivered: a write that is not taken, or a
 * FIN that is not answered, within writeTimeoutMs loses the connection; the events stay pending with the
 * reason and go out, once each, when the SIEM works again.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VcoEvent } from '../src/event.js';
import type { Socket } from 'node:net';
import { makeDestination } from '../src/ship/destination.js';
import { forwardEnterprise, pendingEvents } from '../src/ship/forwarder.js';
import { ConnectionLostError } from '../src/ship/sender.js';
import { StreamSender, streamSenderOptions } from '../src/ship/stream-sender.js';
import { tcpConnector } from '../src/ship/tcp.js';
import { createSender } from '../src/ship/transports.js';
import { loadPosition } from '../src/store/positions.js';
import { startStreamReceiver } from './support/receivers.js';
import { forwardingFixture } from './support/enterprise-log.js';

const WRITE_TIMEOUT_MS = 300;

const destination = (port: number, writeTimeoutMs = WRITE_TIMEOUT_MS) =>
  makeDestination({
    name: 'stalled', host: '127.0.0.1', port, protocol: 'tcp', format: 'json', connectTimeoutMs: 2000, writeTimeoutMs,
    reconnect: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20 }, encoder: { hostname: 'vco.example.net' },
  });

describe('a SIEM that stops reading', () => {
  const fixture = forwardingFixture('stall');

  test('send() gives up after writeTimeoutMs of zero window instead of hanging', { timeout: 20_000 }, async () => {
    const receiver = await startStreamReceiver({ framing: 'lf', paused: true });
    try {
      const sender = await createSender(destination(receiver.port));
      const chunk = Buffer.from(`${'x'.repeat(1023)}\n`.repeat(256)); // 256 KiB of frames
      const started = Date.now();
      let taken = 0;
      await assert.rejects(
        (async () => {
          for (let i = 0; i < 512; i++) { // 128 MiB: far more than any loopback socket buffers hold
            await sender.send(chunk);
            taken++;
          }
        })(),
        (error: unknown) => {
          assert.ok(error instanceof ConnectionLostError, String(error));
          assert.equal(error.message, `the SIEM at 127.0.0.1:${receiver.port} stopped reading for 0.3 s`);
          return true;
        },
      );
      assert.ok(taken < 512);
      assert.ok(Date.now() - started >= WRITE_TIMEOUT_MS);
      assert.equal(sender.stats.connectionsLost, 1);
      await sender.close(); // the lost connection is gone: nothing left to flush, nothing reported twice
      sender.destroy();
    } finally {
      await receiver.close();
    }
  });

  test('a receiver that never reads nor closes confirms nothing; a working one then gets every event once', { timeout: 20_000 }, async () => {
    const events: VcoEvent[] = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, event: 'EDGE_DOWN', eventTime: '2024-05-01T00:00:00Z', message: `edge ${i + 1} down` }));
    const dir = await fixture.enterpriseWith(events);
    const forward = (port: number, writeTimeoutMs?: number) =>
      forwardEnterprise({ enterpriseDir: dir, enterpriseName: 'ACME', destination: destination(port, writeTimeoutMs), mapping: fixture.mapping });

    const silent = await startStreamReceiver({ framing: 'lf', paused: true });
    try {
      const summary = await forward(silent.port);
      assert.equal(summary.sent, 0);
      assert.equal(summary.pending, 40);
      assert.match(summary.error ?? '', new RegExp(`^the SIEM at 127\\.0\\.0\\.1:${silent.port} did not confirm the data within 0\\.3 s \\(lost 6 connections in a row without progress; giving up for this run\\)$`));
      assert.equal(silent.connections.length, 6, 'bounded retries: one connection per attempt');
      assert.deepEqual(await loadPosition(dir, 'stalled'), { offset: 0, delivered: 0 }, 'the saved position did not move');
      assert.equal(await pendingEvents(dir, 'stalled'), 40);
    } finally {
      await silent.close();
    }

    const working = await startStreamReceiver({ framing: 'lf' });
    try {
      const summary = await forward(working.port, 10_000); // a pause of the test process must not look like a stall here
      assert.deepEqual([summary.sent, summary.pending, summary.resent, summary.error], [40, 0, 0, undefined]);
      const ids = working.frames.map((f) => (JSON.parse(f.slice(f.indexOf('{'))) as VcoEvent).id);
      assert.deepEqual(ids, events.map((e) => e.id));
      assert.equal(await pendingEvents(dir, 'stalled'), 0);
    } finally {
      await working.close();
    }
  });

  test('cancelling a send that waits for the SIEM, or the close that waits for its FIN, drops the connection at once', { timeout: 20_000 }, async () => {
    const receiver = await startStreamReceiver({ framing: 'lf', paused: true }); // takes nothing, answers nothing
    try {
      const dest = destination(receiver.port, 20_000);
      const sockets: Socket[] = [];
      const connect = tcpConnector(dest);
      // Each sender's run is cancelled 200 ms after its connection is up.
      const sender = (cancel: AbortController): StreamSender =>
        new StreamSender({
          ...streamSenderOptions(dest),
          connect: async (signal) => {
            const socket = await connect(signal);
            sockets.push(socket);
            setTimeout(() => cancel.abort(new Error('SIGTERM')), 200);
            return socket;
          },
        });

      // More than the loopback socket buffers hold: the write waits for the SIEM to read.
      const writeCancel = new AbortController();
      await assert.rejects(sender(writeCancel).send(Buffer.alloc(64 << 20, 0x61), writeCancel.signal), { name: 'CancelledError' });
      assert.equal(sockets[0]!.destroyed, true, 'the waiting write dropped its connection');

      const closeCancel = new AbortController();
      const closing = sender(closeCancel);
      await closing.send(Buffer.from('one frame\n'));
      await assert.rejects(closing.close(closeCancel.signal), { name: 'CancelledError' });
      assert.equal(sockets[1]!.destroyed, true, 'the unanswered close dropped its connection');
    } finally {
      await receiver.close();
    }
  });
});
