import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../errors.js';
import { DEFAULT_WRITE_TIMEOUT_MS, defaultFraming, defaultMaxBytes, destinationAddress, hostProblem, makeDestination } from './destination.js';
import { backoffDelay } from './sender.js';

test('framing defaults: octet only for RFC 5424 / JSON over TLS (RFC 5425)', () => {
  assert.equal(defaultFraming('tls', 'rfc5424'), 'octet');
  assert.equal(defaultFraming('tls', 'json'), 'octet');
  assert.equal(defaultFraming('tls', 'cef'), 'lf');
  assert.equal(defaultFraming('tcp', 'rfc5424'), 'lf');
  assert.equal(defaultFraming('udp', 'leef'), 'lf');
});

test('size defaults follow wire-formats.md section 8', () => {
  assert.equal(defaultMaxBytes('udp', 'cef'), 1472);
  assert.equal(defaultMaxBytes('udp', 'rfc3164'), 1024);
  assert.equal(defaultMaxBytes('tls', 'rfc5424'), 8192);
  assert.equal(defaultMaxBytes('tcp', 'leef'), 4096);
  assert.equal(defaultMaxBytes('tcp', 'cef'), 4096);
});

test('makeDestination fills defaults and validates at the edge', () => {
  const d = makeDestination({ name: 'qradar', host: 'siem.example', port: 6514, protocol: 'tls', format: 'rfc5424' });
  assert.equal(d.framing, 'octet');
  assert.equal(d.maxMessageBytes, 8192);
  assert.equal(d.tls.insecure, false);
  assert.equal(d.writeTimeoutMs, DEFAULT_WRITE_TIMEOUT_MS);
  assert.equal(DEFAULT_WRITE_TIMEOUT_MS, 30_000);
  assert.throws(() => makeDestination({ name: 'x', host: 'h', port: 514, protocol: 'tcp', format: 'cef', writeTimeoutMs: 0 }), /write timeout/);
  assert.throws(() => makeDestination({ name: 'x', host: 'h', port: 514, protocol: 'tcp', format: 'cef', writeTimeoutMs: Number.NaN }), /write timeout/);
  // Node timers take at most 2^31-1 ms; a longer timeout would fire at once ("delay" is out of range for sockets).
  assert.throws(() => makeDestination({ name: 'x', host: 'h', port: 514, protocol: 'tcp', format: 'cef', connectTimeoutMs: 99_999_999_999 }), (e: unknown) => e instanceof ConfigError && /connect timeout 99999999999 .*at most 2147483647 \(SIEM_CONNECT_TIMEOUT, connectTimeoutMs\)/.test(e.message));
  assert.throws(() => makeDestination({ name: 'x', host: 'h', port: 514, protocol: 'tcp', format: 'cef', writeTimeoutMs: 2 ** 31 }), (e: unknown) => e instanceof ConfigError && /write timeout 2147483648 .*at most 2147483647 \(SIEM_WRITE_TIMEOUT, writeTimeoutMs\)/.test(e.message));
  assert.equal(makeDestination({ name: 'x', host: 'h', port: 514, protocol: 'tcp', format: 'cef', connectTimeoutMs: 2 ** 31 - 1, writeTimeoutMs: 2 ** 31 - 1 }).connectTimeoutMs, 2 ** 31 - 1);
  assert.throws(() => makeDestination({ name: 'x', host: 'h', port: 0, protocol: 'tcp', format: 'cef' }), /port 0 .*SIEM_PORT/);
  assert.throws(() => makeDestination({ name: 'x', host: 'h', port: 514, protocol: 'tcp', format: 'cef', tls: { ca: '/ca.pem' } }), /SIEM_PROTOCOL=tls/);
  assert.throws(() => makeDestination({ name: 'x', host: 'h', port: 514, protocol: 'tls', format: 'cef', tls: { cert: '/c.pem' } }), ConfigError);
  assert.throws(() => makeDestination({ name: 'x', host: 'h', port: 514, protocol: 'udp', format: 'cef', maxMessageBytes: 70_000 }), /SIEM_MAX_MESSAGE_BYTES/);
  assert.equal(destinationAddress({ host: '::1', port: 514 }), '[::1]:514');
});

test('a host is a host name or an IP address: no URL, path, port or whitespace; IPv6 bare or in brackets', () => {
  const make = (host: string) => makeDestination({ name: 'x', host, port: 514, protocol: 'tcp', format: 'cef' });
  for (const host of ['siem.example.net', 'siem', '10.0.0.5', '::1', '2001:db8::5', 'fe80::1%eth0']) assert.equal(hostProblem(host), undefined, host);
  assert.equal(make('[2001:db8::5]').host, '2001:db8::5', 'brackets removed: sockets and SNI take the bare address');
  assert.equal(destinationAddress(make('[::1]')), '[::1]:514');
  const cases: [string, string][] = [
    ['http://siem:514/', 'is a URL'],
    ['siem/syslog', 'contains "/"'],
    ['siem:514', 'has a port'],
    ['siem:', 'has a port'],
    ['[::1]:514', 'has a port'],
    ['si em', 'contains whitespace'],
    ['siem\t', 'contains whitespace'],
    ['u:p@siem', 'contains "@" (a user name belongs to a URL)'],
    ['siem:x', 'contains ":" but is not an IPv6 address'],
    ['[siem]', 'has brackets, which are only for IPv6 addresses'],
  ];
  for (const [host, problem] of cases) {
    assert.equal(hostProblem(host), problem, host);
    assert.throws(() => make(host), (e: unknown) => e instanceof ConfigError && e.message.includes(`host ${problem}`) && /port in SIEM_PORT \(SIEM_HOST\)$/.test(e.message), host);
  }
});

test('a key passphrase needs a key and the TLS protocol', () => {
  const base = { name: 'x', host: 'h', port: 6514, format: 'cef' } as const;
  assert.throws(() => makeDestination({ ...base, protocol: 'tls', tls: { keyPassphrase: 'pass phrase' } }), (e: unknown) => e instanceof ConfigError && /SIEM_TLS_KEY_PASSPHRASE needs SIEM_TLS_KEY/.test(e.message) && !e.message.includes('pass phrase'));
  assert.throws(() => makeDestination({ ...base, protocol: 'tcp', tls: { keyPassphrase: 'pass phrase' } }), /set SIEM_PROTOCOL=tls/);
  assert.equal(makeDestination({ ...base, protocol: 'tls', tls: { cert: '/c.pem', key: '/k.pem', keyPassphrase: 'pass phrase' } }).tls.keyPassphrase, 'pass phrase');
});

test('backoff grows exponentially, is capped, and keeps at least half the delay', () => {
  const policy = { attempts: 10, initialDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(backoffDelay(2, policy, () => 0), 50);
  assert.equal(backoffDelay(2, policy, () => 1), 100);
  assert.equal(backoffDelay(4, policy, () => 1), 400);
  assert.equal(backoffDelay(9, policy, () => 1), 1000);
});
