/** TLS verification, mutual TLS and the insecure opt-in, against real node:tls servers and our test PKI. */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { buildDestinations } from '../src/config/siem.js';
import { ConfigError, TransportError } from '../src/errors.js';
import { checkDestination } from '../src/ship/check.js';
import { makeDestination, type DestinationTls } from '../src/ship/destination.js';
import { createSender } from '../src/ship/transports.js';
import { cleanEnv, runCli } from './support/cli.js';
import { startStreamReceiver, type StreamReceiver } from './support/receivers.js';
import { testPki, type TestPki } from './support/tls-certs.js';

const MESSAGE = Buffer.from('5 hello');

const tlsDestination = (port: number, tls: Partial<DestinationTls>) =>
  makeDestination({ name: 'tls', host: '127.0.0.1', port, protocol: 'tls', format: 'rfc5424', connectTimeoutMs: 2000, reconnect: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20 }, tls });

async function withReceiver(options: Parameters<typeof startStreamReceiver>[0], body: (receiver: StreamReceiver) => Promise<void>): Promise<void> {
  const receiver = await startStreamReceiver(options);
  try {
    await body(receiver);
  } finally {
    await receiver.close();
  }
}

describe('tls', () => {
  let pki: TestPki;
  before(async () => {
    pki = await testPki();
  });

  test('an untrusted (self-signed) certificate is refused with a clear message and nothing is sent', async () => {
    await withReceiver({ framing: 'octet', tls: { cert: pki.selfSignedCert, key: pki.selfSignedKey } }, async (receiver) => {
      const sender = await createSender(tlsDestination(receiver.port, {}));
      const error = await sender.send(MESSAGE).then(
        () => assert.fail('sent over an untrusted connection'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof TransportError);
      assert.match(error.message, new RegExp(`^TLS connection to 127\\.0\\.0\\.1:${receiver.port} refused: self-signed certificate; set SIEM_TLS_CA to the CA file that signed the SIEM certificate`));
      assert.equal(error.context.retryable, false);
      assert.equal(sender.stats.connects, 0);
      assert.equal(receiver.bytes().length, 0, 'nothing reached the server');
    });
  });

  test('a certificate signed by the configured CA is trusted (CA added to the system roots)', async () => {
    await withReceiver({ framing: 'octet', tls: { cert: pki.serverCert, key: pki.serverKey } }, async (receiver) => {
      const sender = await createSender(tlsDestination(receiver.port, { ca: pki.caCertFile }));
      await sender.send(MESSAGE);
      await sender.close();
      assert.deepEqual(receiver.frames, ['hello']);
    });
  });

  test('servername: a name the certificate does not list is refused with a hint', async () => {
    await withReceiver({ framing: 'octet', tls: { cert: pki.serverCert, key: pki.serverKey } }, async (receiver) => {
      const sender = await createSender(tlsDestination(receiver.port, { ca: pki.caCertFile, servername: 'siem.other.example' }));
      await assert.rejects(sender.send(MESSAGE), /refused: .*siem\.other\.example.*SIEM_TLS_SERVERNAME/);
      assert.equal(receiver.bytes().length, 0);
    });
  });

  describe('mutual TLS', () => {
    const serverOptions = () => ({ cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert, requestCert: true, rejectUnauthorized: true });

    test('works with the client certificate', async () => {
      await withReceiver({ framing: 'octet', tls: serverOptions() }, async (receiver) => {
        const sender = await createSender(tlsDestination(receiver.port, { ca: pki.caCertFile, cert: pki.clientCertFile, key: pki.clientKeyFile }));
        await sender.send(MESSAGE);
        await sender.close();
        assert.deepEqual(receiver.frames, ['hello']);
      });
    });

    test('works with an encrypted client key and SIEM_TLS_KEY_PASSPHRASE (read from the variables)', async () => {
      const passphrase = 'tls key pass 7';
      const key = join(pki.dir, 'client-encrypted.key');
      await writeFile(key, createPrivateKey(pki.clientKey).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string);
      await withReceiver({ framing: 'octet', tls: serverOptions() }, async (receiver) => {
        const settings = { SIEM_HOST: '127.0.0.1', SIEM_PORT: String(receiver.port), SIEM_PROTOCOL: 'tls', SIEM_FORMAT: 'rfc5424', SIEM_TLS_CA: pki.caCertFile, SIEM_TLS_CERT: pki.clientCertFile, SIEM_TLS_KEY: key };
        const [destination] = buildDestinations({ ...settings, SIEM_TLS_KEY_PASSPHRASE: passphrase });
        const sender = await createSender(destination!);
        await sender.send(MESSAGE);
        await sender.close();
        assert.deepEqual(receiver.frames, ['hello']);
        // The key replaced after the settings were read (a renewal): still a setting error, not OpenSSL's "bad decrypt" at connect.
        await assert.rejects(createSender({ ...destination!, tls: { ...destination!.tls, keyPassphrase: 'not the passphrase' } }), (e: unknown) => e instanceof ConfigError && /^SIEM_TLS_KEY_PASSPHRASE does not decrypt SIEM_TLS_KEY=/.test(e.message));

        // The command line: a wrong or missing passphrase exits 2 with one line naming the settings, no stack trace, no secret.
        const env = cleanEnv({ VCO_HOSTNAME: 'https://127.0.0.1:9', VCO_TOKEN: 'test-token-1234', LOG_FORMAT: 'text', ...settings });
        const wrong = await runCli(['check'], { env: { ...env, SIEM_TLS_KEY_PASSPHRASE: 'the wrong one' } });
        assert.equal(wrong.code, 2, wrong.stderr);
        assert.match(wrong.stderr, /SIEM_TLS_KEY_PASSPHRASE does not decrypt SIEM_TLS_KEY=\S+client-encrypted\.key \([^)]+\): set it to the passphrase/);
        assert.doesNotMatch(wrong.stderr, /the wrong one|tls key pass 7|\n\s+at /);
        const missing = await runCli(['check'], { env });
        assert.equal(missing.code, 2, missing.stderr);
        assert.match(missing.stderr, /SIEM_TLS_KEY=\S+client-encrypted\.key is an encrypted key: set SIEM_TLS_KEY_PASSPHRASE/);
        assert.doesNotMatch(missing.stderr, /\n\s+at /);
        assert.equal(receiver.frames.length, 1, 'nothing more was sent');
      });
    });

    test('fails clearly without a client certificate, and the server never accepts a byte', async () => {
      await withReceiver({ framing: 'octet', tls: serverOptions() }, async (receiver) => {
        const sender = await createSender(tlsDestination(receiver.port, { ca: pki.caCertFile }));
        // TLS 1.3 servers refuse after the handshake, so the refusal may surface on the send or on the close.
        const error = await sender.send(MESSAGE).then(() => sender.close()).then(
          () => assert.fail('delivered without a client certificate'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof TransportError);
        assert.match(error.message, /127\.0\.0\.1:\d+.*certificate required.*SIEM_TLS_CERT and SIEM_TLS_KEY/);
        assert.equal(receiver.bytes().length, 0);
        assert.ok(receiver.tlsErrors.length >= 1);
      });
    });
  });

  test('insecure opt-in sends to an untrusted server', async () => {
    await withReceiver({ framing: 'octet', tls: { cert: pki.selfSignedCert, key: pki.selfSignedKey } }, async (receiver) => {
      const sender = await createSender(tlsDestination(receiver.port, { insecure: true }));
      await sender.send(MESSAGE);
      await sender.close();
      assert.deepEqual(receiver.frames, ['hello']);
    });
  });

  test('check reports the handshake and certificate without sending anything', async () => {
    await withReceiver({ framing: 'octet', tls: { cert: pki.serverCert, key: pki.serverKey } }, async (receiver) => {
      const trusted = await checkDestination(tlsDestination(receiver.port, { ca: pki.caCertFile }));
      assert.equal(trusted.ok, true, trusted.error);
      assert.equal(trusted.tls?.authorized, true);
      assert.match(trusted.tls?.protocol ?? '', /^TLSv1\.[23]$/);
      assert.match(trusted.tls?.subject ?? '', /CN=localhost/);
      assert.match(trusted.tls?.issuer ?? '', /CN=vco-siem test CA/);
      assert.ok((trusted.tls?.daysLeft ?? 0) > 800);

      const untrusted = await checkDestination(tlsDestination(receiver.port, {}));
      assert.equal(untrusted.ok, false);
      assert.equal(untrusted.tls?.authorized, false);
      assert.match(untrusted.error ?? '', /SIEM_TLS_CA/);
      assert.equal(receiver.bytes().length, 0);
    });
  });

  test('a destinations-file entry is named by its JSON path in TLS hints and in file errors at connect time', async () => {
    await withReceiver({ framing: 'octet', tls: { cert: pki.selfSignedCert, key: pki.selfSignedKey } }, async (receiver) => {
      const ca = join(pki.dir, 'renewed-ca.pem');
      await writeFile(ca, pki.caCert);
      const file = join(pki.dir, 'destinations-tls.json');
      await writeFile(file, JSON.stringify({ destinations: [{ name: 'qradar', host: '127.0.0.1', port: receiver.port, protocol: 'tls', format: 'leef', tls: { ca } }] }));
      const [destination] = buildDestinations({ CONFIG_FILE: file });
      const refused = await createSender(destination!).then((sender) => sender.send(MESSAGE)).then(
        () => assert.fail('sent over an untrusted connection'),
        (e: unknown) => e,
      );
      assert.ok(refused instanceof TransportError);
      assert.match(refused.message, /self-signed certificate; set destinations\[0\]\.tls\.ca to the CA file/);
      assert.doesNotMatch(refused.message, /SIEM_TLS/);
      const report = await checkDestination(destination!);
      assert.match(report.error ?? '', /set destinations\[0\]\.tls\.ca to/);

      // The CA file removed after the settings were read (a renewal gone wrong).
      await rm(ca);
      await assert.rejects(createSender(destination!), (e: unknown) => e instanceof ConfigError && e.message.startsWith(`${file}: destinations[0].tls.ca=${ca} cannot be read:`));
      assert.equal(receiver.bytes().length, 0);
    });
  });

  test('check on UDP resolves the address and says it cannot check end to end', async () => {
    const report = await checkDestination(makeDestination({ name: 'u', host: 'localhost', port: 514, protocol: 'udp', format: 'cef' }));
    assert.equal(report.ok, true);
    assert.match(report.notes.join(' '), /UDP cannot be checked end to end/);
  });
});
