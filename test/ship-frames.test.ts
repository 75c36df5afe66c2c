/** Exact bytes on the wire for each transport and framing, with fixed messages so the expected bytes are literal. */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { makeDestination, type DestinationInput } from '../src/ship/destination.js';
import { FrameBuffer } from '../src/ship/framing.js';
import type { Sender } from '../src/ship/sender.js';
import { createSender } from '../src/ship/transports.js';
import { startStreamReceiver, startUdpReceiver, type ReceiverFraming } from './support/receivers.js';
import { testPki, type TestPki } from './support/tls-certs.js';

// RFC 5424 golden vector 1 (wire-formats.md 3.3): 189 bytes including the 3-byte BOM.
const RFC5424 =
  '<129>1 2024-05-01T12:34:56.789Z vco.example.net velocloud - EDGE_DOWN [vco@32473 eventId="1109553" category="EDGE" edgeName="b1-edge1" segmentName="Global Segment"] \ufeffEdge b1-edge1 is down';
const CEF = '<129>May  1 12:34:56 vco CEF:0|VMware|VeloCloud Orchestrator|5.2.0|EDGE_DOWN|Edge down|9|externalId=1109553 msg=Zürich down';

async function sendAll(sender: Sender, framing: ReceiverFraming, messages: string[]): Promise<void> {
  const frames = new FrameBuffer(framing);
  for (const m of messages) frames.add(m);
  await sender.send(frames.bytes());
  await sender.close();
}

const destination = (port: number, extra: Partial<DestinationInput> = {}) =>
  makeDestination({ name: 'frames', host: '127.0.0.1', port, protocol: 'tcp', format: 'rfc5424', connectTimeoutMs: 2000, ...extra });

describe('exact frames', () => {
  let pki: TestPki;
  before(async () => {
    pki = await testPki();
  });

  for (const protocol of ['tcp', 'tls'] as const) {
    test(`${protocol} octet counting: counts in bytes, BOM included`, async () => {
      const receiver = await startStreamReceiver({ framing: 'octet', ...(protocol === 'tls' ? { tls: { cert: pki.serverCert, key: pki.serverKey } } : {}) });
      try {
        const sender = await createSender(destination(receiver.port, { protocol, framing: 'octet', ...(protocol === 'tls' ? { tls: { ca: pki.caCertFile } } : {}) }));
        await sendAll(sender, 'octet', [RFC5424, 'é']);
        assert.equal(receiver.bytes().toString('utf8'), `189 ${RFC5424}2 é`);
        assert.deepEqual(receiver.bytes(), Buffer.concat([Buffer.from('189 '), Buffer.from(RFC5424), Buffer.from('2 \xc3\xa9', 'latin1')]));
        assert.equal(receiver.connections.length, 1);
      } finally {
        await receiver.close();
      }
    });

    test(`${protocol} LF framing: one LF after each message`, async () => {
      const receiver = await startStreamReceiver({ framing: 'lf', ...(protocol === 'tls' ? { tls: { cert: pki.serverCert, key: pki.serverKey } } : {}) });
      try {
        const sender = await createSender(destination(receiver.port, { protocol, framing: 'lf', format: 'cef', ...(protocol === 'tls' ? { tls: { ca: pki.caCertFile } } : {}) }));
        await sendAll(sender, 'lf', [CEF, CEF]);
        assert.equal(receiver.bytes().toString('utf8'), `${CEF}\n${CEF}\n`);
        assert.equal(receiver.bytes().length, 2 * (Buffer.byteLength(CEF) + 1));
      } finally {
        await receiver.close();
      }
    });
  }

  test('udp: one message per datagram, no framing, sent exactly as given (fitting to the limit is done before, fit.ts)', async () => {
    const receiver = await startUdpReceiver();
    try {
      const sender = await createSender(destination(receiver.port, { protocol: 'udp' }));
      assert.equal(sender.kind, 'datagram');
      const big = `<134>1 2024-05-01T12:34:56.789Z vco.example.net velocloud - BIG - \ufeff${'€'.repeat(600)}`;
      await sender.send(Buffer.from(RFC5424));
      await sender.send(Buffer.from(big));
      await receiver.waitForCount(2);
      assert.deepEqual(receiver.datagrams[0], Buffer.from(RFC5424));
      assert.deepEqual(receiver.datagrams[1], Buffer.from(big));
      assert.equal(sender.stats.sends, 2);
      await sender.close();
    } finally {
      await receiver.close();
    }
  });
});
