/** Back-pressure: a SIEM that stops reading makes the sender wait; user-space buffering stays at one chunk. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeDestination } from '../src/ship/destination.js';
import { createSender } from '../src/ship/transports.js';
import { startStreamReceiver } from './support/receivers.js';

test('a receiver that stops reading stalls send() instead of growing memory; nothing is lost when it resumes', async () => {
  const receiver = await startStreamReceiver({ framing: 'lf', paused: true });
  try {
    const sender = await createSender(makeDestination({ name: 'slow', host: '127.0.0.1', port: receiver.port, protocol: 'tcp', format: 'cef' }));
    const line = `${'x'.repeat(1023)}\n`;
    const chunk = Buffer.from(line.repeat(256)); // 256 KiB of frames
    const chunks = 128; // 32 MiB: far more than loopback socket buffers hold
    let taken = 0;
    const sending = (async () => {
      for (let i = 0; i < chunks; i++) {
        await sender.send(chunk);
        taken++;
      }
    })();
    await sleep(300);
    assert.ok(taken < chunks, 'send() waits while the SIEM does not read');
    assert.ok(sender.stats.maxQueuedBytes <= chunk.length, `user-space queue ${sender.stats.maxQueuedBytes} bytes`);
    receiver.resume();
    await sending;
    await sender.close();
    assert.equal(taken, chunks);
    assert.equal(receiver.bytes().length, chunks * chunk.length);
    assert.equal(receiver.frames.length, chunks * 256);
    assert.ok(receiver.frames.every((f) => f === line.slice(0, -1)));
    assert.ok(sender.stats.maxQueuedBytes <= chunk.length);
  } finally {
    await receiver.close();
  }
});
