import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { buildDestinations, parseFacility } from './siem.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vco-siem-siem-'));
const pem = path.join(dir, 'ca.pem');
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\n');

function file(name: string, content: unknown): string {
  const p = path.join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

test('one destination from SIEM_* with sane defaults', () => {
  const [d] = buildDestinations({ SIEM_HOST: 'siem.example.net', VCO_HOSTNAME: 'https://vco.example.net:8443/' });
  assert.equal(d!.name, 'siem');
  assert.equal(d!.protocol, 'tcp');
  assert.equal(d!.port, 514);
  assert.equal(d!.format, 'cef');
  assert.equal(d!.framing, 'lf');
  assert.equal(d!.maxMessageBytes, 4096);
  assert.equal(d!.tls.insecure, false);
  assert.equal(d!.encoder.hostname, 'vco.example.net', 'header host defaults to the VCO host name');
  assert.equal(d!.encoder.facility, 16);
});

test('TLS with RFC 5424 defaults to port 6514 and octet framing (RFC 5425)', () => {
  const [d] = buildDestinations({ SIEM_HOST: 'h', SIEM_PROTOCOL: 'TLS', SIEM_FORMAT: 'rfc5424', SIEM_TLS_CA: pem, SIEM_FACILITY: 'local4' });
  assert.equal(d!.port, 6514);
  assert.equal(d!.framing, 'octet');
  assert.equal(d!.tls.ca, pem);
  assert.equal(d!.encoder.facility, 20);
});

test('bad SIEM settings name the variable and the fix', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{}, /SIEM_HOST is not set/],
    [{ SIEM_HOST: 'h', SIEM_PROTOCOL: 'http' }, /SIEM_PROTOCOL=http is not valid: use one of udp, tcp, tls/],
    [{ SIEM_HOST: 'h', SIEM_FORMAT: 'xml' }, /SIEM_FORMAT=xml is not valid: use one of cef, leef, rfc5424, rfc3164, json/],
    [{ SIEM_HOST: 'h', SIEM_PORT: '70000' }, /SIEM_PORT=70000 is out of range/],
    [{ SIEM_HOST: 'h', SIEM_FRAMING: 'nul' }, /SIEM_FRAMING=nul is not valid: use one of lf, octet/],
    [{ SIEM_HOST: 'h', SIEM_MAX_MESSAGE_BYTES: '100' }, /SIEM_MAX_MESSAGE_BYTES=100 is out of range/],
    [{ SIEM_HOST: 'h', SIEM_PROTOCOL: 'tls', SIEM_TLS_CA: '/nope.pem' }, /SIEM_TLS_CA=\/nope.pem cannot be read/],
    [{ SIEM_HOST: 'h', SIEM_TLS_CA: pem }, /TLS settings are given but the protocol is tcp; set SIEM_PROTOCOL=tls/],
    [{ SIEM_HOST: 'h', SIEM_PROTOCOL: 'tls', SIEM_TLS_CERT: pem }, /SIEM_TLS_CERT and SIEM_TLS_KEY/],
    [{ SIEM_HOST: 'h', SIEM_TLS_INSECURE: 'sure' }, /SIEM_TLS_INSECURE=sure is not a boolean/],
    [{ SIEM_HOST: 'h', SIEM_FACILITY: 'local9' }, /SIEM_FACILITY=local9 is not a syslog facility/],
    [{ SIEM_HOST: 'h', SIEM_LEEF_VERSION: '3' }, /SIEM_LEEF_VERSION=3 is not valid/],
    // Timers: Node fires a delay over 2^31-1 ms at once (TimeoutOverflowWarning), so a long one is refused.
    [{ SIEM_HOST: 'h', SIEM_CONNECT_TIMEOUT: '25d' }, /SIEM_CONNECT_TIMEOUT=25d is too long: use at most 2147483647ms \(about 24\.8d\)/],
    [{ SIEM_HOST: 'h', SIEM_WRITE_TIMEOUT: '2147483648ms' }, /SIEM_WRITE_TIMEOUT=2147483648ms is too long: use at most 2147483647ms/],
  ];
  for (const [settings, expected] of cases) {
    assert.throws(() => buildDestinations(settings), (e: unknown) => e instanceof ConfigError && expected.test(e.message), `${JSON.stringify(settings)} -> ${expected}`);
  }
});

test('several destinations from a file, each with its own settings', () => {
  const config = file('ok.json', {
    destinations: [
      { name: 'arcsight', host: 'a.example.net', format: 'cef' },
      { name: 'qradar', host: 'q.example.net', protocol: 'tls', format: 'leef', tls: { ca: pem }, encoder: { leefVersion: '2.0', leefDelimiter: '^' } },
      { name: 'splunk', host: 's.example.net', port: 10514, protocol: 'udp', format: 'rfc5424', maxMessageBytes: 2048 },
    ],
  });
  const [a, q, s] = buildDestinations({ CONFIG_FILE: config, SIEM_APP_NAME: 'vco' });
  assert.deepEqual([a!.name, a!.port, a!.protocol], ['arcsight', 514, 'tcp']);
  assert.deepEqual([q!.port, q!.framing, q!.encoder.leefVersion, q!.encoder.leefDelimiter, q!.encoder.appName], [6514, 'lf', '2.0', '^', 'vco']);
  assert.deepEqual([s!.port, s!.maxMessageBytes], [10514, 2048]);
});

test('a wrong destinations file names the file and the JSON path', () => {
  const cases: [unknown, RegExp][] = [
    ['{ not json', /cannot be read as JSON/],
    [{ destinations: {} }, /\$ must be an object with a "destinations" array/],
    [{ destinations: [] }, /destinations is empty/],
    [{ destinations: [{ host: 'h' }] }, /destinations\[0\]\.name is required/],
    [{ destinations: [{ name: 'a', host: 'h', port: '514' }] }, /destinations\[0\]\.port must be a whole number/],
    [{ destinations: [{ name: 'a', host: 'h', protocol: 'tcp' }, { name: 'b', host: 'h', format: 'syslog' }] }, /destinations\[1\]\.format must be one of cef, leef/],
    [{ destinations: [{ name: 'a', host: 'h', tls: { insecure: 'yes' } }] }, /destinations\[0\]\.tls\.insecure must be true or false/],
    [{ destinations: [{ name: 'a', host: 'h', maxMessagebytes: 9000 }] }, /destinations\[0\]\.maxMessagebytes is not a known setting/],
    [{ destinations: [{ name: 'a', host: 'h', protocol: 'tls', tls: { cafile: 'x' } }] }, /destinations\[0\]\.tls\.cafile is not a known setting/],
    [{ destinations: [{ name: 'a', host: 'h', encoder: { bom: 'false' } }] }, /destinations\[0\]\.encoder\.bom must be a boolean/],
    [{ destinations: [{ name: 'a', host: 'h', encoder: { leefDelimeter: '^' } }] }, /destinations\[0\]\.encoder\.leefDelimeter is not a known setting/],
    [{ destinations: [{ name: 'a', host: 'h' }, { name: 'a', host: 'i' }] }, /two destinations are named "a"/],
    [{ destinations: [{ name: 'a', host: 'h', connectTimeoutMs: 99999999999 }] }, /destinations\[0\]\.connectTimeoutMs must be from 1 to 2147483647 \(milliseconds/],
    [{ destinations: [{ name: 'a', host: 'h', writeTimeoutMs: 2 ** 31 }] }, /destinations\[0\]\.writeTimeoutMs must be from 1 to 2147483647 \(milliseconds/],
    [{ destinations: [{ name: 'a', host: 'h', connectTimeoutMs: 0 }] }, /destinations\[0\]\.connectTimeoutMs must be from 1 to 2147483647/],
  ];
  cases.forEach(([content, expected], i) => {
    const p = file(`bad${i}.json`, content);
    assert.throws(() => buildDestinations({ CONFIG_FILE: p }), (e: unknown) => e instanceof ConfigError && e.message.includes(p) === !/two destinations/.test(expected.source) && expected.test(e.message), `${JSON.stringify(content)}`);
  });
});

test('facilities by name or number', () => {
  assert.equal(parseFacility('F', 'local0'), 16);
  assert.equal(parseFacility('F', 'AUTH'), 4);
  assert.equal(parseFacility('F', '23'), 23);
  assert.throws(() => parseFacility('F', '24'), /out of range/);
});
