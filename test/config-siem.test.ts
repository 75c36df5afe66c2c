import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testPki } from './support/tls-certs.js';
import { ConfigError } from '../src/errors.js';
import { redact } from '../src/log.js';
import { buildDestinations, parseFacility } from '../src/config/siem.js';
import { loadSettings } from '../src/config/settings.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vco-siem-siem-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
const pki = await testPki();
const pem = pki.caCertFile;
/** An EC key encrypted with the passphrase 'right', whose decryption with 'wrong' passes the padding check. */
const UNLUCKY_ENCRYPTED_KEY = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAgdt0NfpuXf6wICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEFKj/FfkUq+oS8PQuqTop/MEgZCM
AG1HpOb3pHFVfm2JpVMsT9jky2fA0kfGVnrVJz5lfry6BpwwN3uIRhDJPWUrDosZ
YTwk6kGt+TIzz0shOj3hd2JvUtyYSMsvsnfcyYfSwbu4RFR4FJphqCXy2aC6XoFY
S+vwvuPI6GbDJg4OTyM/Hv1XqAarQsNOslMZbT28WkRtaQoCYxqmTQwH/x5J51U=
-----END ENCRYPTED PRIVATE KEY-----
`;

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

/** A ConfigError (exit 2) whose message matches every pattern and never shows `secrets`. */
function configError(patterns: RegExp[], secrets: string[] = []): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${String(e)}`);
    assert.equal(e.exitCode, 2);
    for (const pattern of patterns) assert.match(e.message, pattern);
    for (const secret of secrets) assert.ok(!e.message.includes(secret), `the message shows a secret: ${e.message}`);
    return true;
  };
}

describeEncryptedKeys();

function describeEncryptedKeys(): void {
  const passphrase = 'correct horse battery';
  const wrong = 'wrong staple 42';
  // The client key of the test PKI, encrypted (PKCS#8, AES-256-CBC), so that it still matches the client certificate.
  const encryptedClientKey = file('client-encrypted.key', createPrivateKey(pki.clientKey).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string);
  // The same key in the traditional format ("Proc-Type: 4,ENCRYPTED" header), as `openssl ec -aes256` writes.
  const tradKey = file('client-traditional.key', createPrivateKey(pki.clientKey).export({ type: 'sec1', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string);
  const ndjson = file('events.ndjson', '{"id":1,"event":"EDGE_UP"}\n{"id":2,"event":"EDGE_DOWN"}\n');
  const tlsEnv = (extra: Record<string, string>): Record<string, string> => ({ SIEM_HOST: 'siem.example.net', SIEM_PROTOCOL: 'tls', SIEM_TLS_CA: pem, ...extra });
  const mtls = (extra: Record<string, string>): Record<string, string> => tlsEnv({ SIEM_TLS_CERT: pki.clientCertFile, SIEM_TLS_KEY: encryptedClientKey, ...extra });

  test('SIEM_TLS_KEY_PASSPHRASE decrypts an encrypted client key at configuration time, is kept for TLS and is registered as a secret', () => {
    const [d] = buildDestinations(mtls({ SIEM_TLS_KEY_PASSPHRASE: passphrase }));
    assert.equal(d!.tls.key, encryptedClientKey);
    assert.equal(d!.tls.keyPassphrase, passphrase);
    assert.equal(redact(`passphrase ${passphrase}!`), 'passphrase ***!');
    const [t] = buildDestinations(mtls({ SIEM_TLS_KEY: tradKey, SIEM_TLS_KEY_PASSPHRASE: passphrase }));
    assert.equal(t!.tls.key, tradKey);
  });

  test('loadSettings registers SIEM_TLS_KEY_PASSPHRASE for redaction, like VCO_PASSWORD', () => {
    const envFile = file('empty.env', '');
    loadSettings({ SIEM_TLS_KEY_PASSPHRASE: 'loaded from the environment' }, envFile);
    assert.equal(redact('x loaded from the environment y'), 'x *** y');
  });

  test('an encrypted SIEM_TLS_KEY without, or with the wrong, SIEM_TLS_KEY_PASSPHRASE is a setting error naming both', () => {
    const at = encryptedClientKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.throws(() => buildDestinations(mtls({})), configError([new RegExp(`^SIEM_TLS_KEY=${at} is an encrypted key: set SIEM_TLS_KEY_PASSPHRASE to its passphrase`)]));
    assert.throws(
      () => buildDestinations(mtls({ SIEM_TLS_KEY_PASSPHRASE: wrong })),
      configError([new RegExp(`^SIEM_TLS_KEY_PASSPHRASE does not decrypt SIEM_TLS_KEY=${at} \\([^)]+\\): set it to the passphrase`)], [wrong, passphrase]),
    );
    // A wrong passphrase usually fails the padding check ("bad decrypt"), but about 1 time in 220 the padding comes
    // out valid and OpenSSL fails to decode the garbage instead ("unsupported" with Node 20's OpenSSL). This key,
    // made with 'right', is such a case for 'wrong': it must still name the passphrase as the thing to fix.
    const unluckyKey = file('unlucky.key', UNLUCKY_ENCRYPTED_KEY);
    assert.throws(
      () => buildDestinations(tlsEnv({ SIEM_TLS_CERT: pki.clientCertFile, SIEM_TLS_KEY: unluckyKey, SIEM_TLS_KEY_PASSPHRASE: 'wrong' })),
      configError([/^SIEM_TLS_KEY_PASSPHRASE does not decrypt SIEM_TLS_KEY=\S+unlucky\.key \([^)]+\): set it to the passphrase/], ['wrong']),
    );
    assert.throws(() => buildDestinations(tlsEnv({ SIEM_TLS_CERT: pki.clientCertFile, SIEM_TLS_KEY: unluckyKey, SIEM_TLS_KEY_PASSPHRASE: 'right' })), configError([/^SIEM_TLS_KEY=\S+unlucky\.key is not the key of the certificate/]));
    assert.throws(() => buildDestinations(tlsEnv({ SIEM_TLS_CERT: pki.clientCertFile, SIEM_TLS_KEY: tradKey, SIEM_TLS_KEY_PASSPHRASE: wrong })), configError([/^SIEM_TLS_KEY_PASSPHRASE does not decrypt SIEM_TLS_KEY=/], [wrong]));
    assert.throws(() => buildDestinations(tlsEnv({ SIEM_TLS_CERT: pki.clientCertFile, SIEM_TLS_KEY: tradKey })), configError([/^SIEM_TLS_KEY=\S+ is an encrypted key: set SIEM_TLS_KEY_PASSPHRASE/]));
  });

  test('a SIEM_TLS_KEY that is not a PEM key, or not the key of SIEM_TLS_CERT, is a setting error naming it', () => {
    assert.throws(() => buildDestinations(tlsEnv({ SIEM_TLS_CERT: pki.clientCertFile, SIEM_TLS_KEY: ndjson })), configError([/^SIEM_TLS_KEY=\S+events\.ndjson is not a PEM private key \(.+\): point it at the client certificate's key in PEM form/]));
    assert.throws(() => buildDestinations(tlsEnv({ SIEM_TLS_CERT: pki.clientCertFile, SIEM_TLS_KEY: pki.clientCertFile, SIEM_TLS_KEY_PASSPHRASE: wrong })), configError([/^SIEM_TLS_KEY=\S+ is not a PEM private key/], [wrong]));
    assert.throws(() => buildDestinations(tlsEnv({ SIEM_TLS_CERT: pki.clientCertFile, SIEM_TLS_KEY: pki.serverKeyFile })), configError([/^SIEM_TLS_KEY=\S+server\.key is not the key of the certificate in SIEM_TLS_CERT=\S+client\.pem/]));
    assert.throws(() => buildDestinations(tlsEnv({ SIEM_TLS_KEY_PASSPHRASE: wrong })), configError([/^SIEM_TLS_KEY_PASSPHRASE is set but SIEM_TLS_KEY is not/], [wrong]));
  });

  test('the destinations file takes tls.keyPassphrase, with the same checks naming the file and the JSON path', () => {
    const destinations = (tls: Record<string, unknown>) => ({ destinations: [{ name: 'a', host: 'h', protocol: 'tls', tls: { cert: pki.clientCertFile, key: encryptedClientKey, ...tls } }] });
    const ok = file('keypass-ok.json', destinations({ keyPassphrase: passphrase }));
    assert.equal(buildDestinations({ CONFIG_FILE: ok })[0]!.tls.keyPassphrase, passphrase);
    const missing = file('keypass-missing.json', destinations({}));
    assert.throws(() => buildDestinations({ CONFIG_FILE: missing }), configError([new RegExp(`^${missing}: destinations\\[0\\]\\.tls\\.key=\\S+ is an encrypted key: set destinations\\[0\\]\\.tls\\.keyPassphrase to its passphrase`)]));
    const bad = file('keypass-wrong.json', destinations({ keyPassphrase: wrong }));
    assert.throws(() => buildDestinations({ CONFIG_FILE: bad }), configError([new RegExp(`^${bad}: destinations\\[0\\]\\.tls\\.keyPassphrase does not decrypt destinations\\[0\\]\\.tls\\.key=`)], [wrong]));
    const notPem = file('keypass-ndjson.json', destinations({ key: ndjson }));
    assert.throws(() => buildDestinations({ CONFIG_FILE: notPem }), configError([new RegExp(`^${notPem}: destinations\\[0\\]\\.tls\\.key=\\S+ is not a PEM private key`)]));
    const unreadable = file('keypass-unreadable.json', destinations({ key: path.join(dir, 'nope.key') }));
    assert.throws(() => buildDestinations({ CONFIG_FILE: unreadable }), configError([new RegExp(`^${unreadable}: destinations\\[0\\]\\.tls\\.key=\\S+nope\\.key cannot be read`)]));
  });
}

test('a SIEM_TLS_CA or SIEM_TLS_CERT that holds no PEM certificate is a setting error naming it', () => {
  const ndjson = file('ca.ndjson', '{"id":1,"event":"EDGE_UP"}\n');
  const cut = file('cut.pem', pki.caCert.slice(0, 200));
  const damaged = file('damaged.pem', pki.caCert.replace(/^(-----BEGIN CERTIFICATE-----\n)(.{10})/, '$1!!!!!!!!!!'));
  const tlsEnv = (extra: Record<string, string>): Record<string, string> => ({ SIEM_HOST: 'h', SIEM_PROTOCOL: 'tls', ...extra });
  assert.throws(() => buildDestinations(tlsEnv({ SIEM_TLS_CA: ndjson })), configError([/^SIEM_TLS_CA=\S+ca\.ndjson holds no PEM certificate .*: point it at the CA certificate that signed the SIEM certificate in PEM form/]));
  assert.throws(() => buildDestinations(tlsEnv({ SIEM_TLS_CA: cut })), configError([/^SIEM_TLS_CA=\S+cut\.pem has a certificate without its "-----END CERTIFICATE-----" line/]));
  assert.throws(() => buildDestinations(tlsEnv({ SIEM_TLS_CA: damaged })), configError([/^SIEM_TLS_CA=\S+damaged\.pem: certificate 1 of 1 cannot be parsed/]));
  assert.throws(() => buildDestinations(tlsEnv({ SIEM_TLS_CERT: ndjson, SIEM_TLS_KEY: pki.clientKeyFile })), configError([/^SIEM_TLS_CERT=\S+ca\.ndjson holds no PEM certificate .*point it at the client certificate/]));
  // A bundle (several certificates, text between them) is fine.
  const bundle = file('bundle.pem', `# our CAs\n${pki.caCert}\nsubject=whatever\n${pki.serverCert}`);
  assert.equal(buildDestinations(tlsEnv({ SIEM_TLS_CA: bundle }))[0]!.tls.ca, bundle);
  const config = file('ca-ndjson.json', { destinations: [{ name: 'a', host: 'h', protocol: 'tls', tls: { ca: ndjson } }] });
  assert.throws(() => buildDestinations({ CONFIG_FILE: config }), configError([new RegExp(`^${config}: destinations\\[0\\]\\.tls\\.ca=\\S+ca\\.ndjson holds no PEM certificate`)]));
});

test('an unknown top-level key in a destinations file is refused; keys starting with _ are comments at every level', () => {
  const typo = file('top-typo.json', { destinations: [{ name: 'a', host: 'h' }], destination: [{ name: 'b', host: 'i' }] });
  assert.throws(() => buildDestinations({ CONFIG_FILE: typo }), configError([new RegExp(`^${typo}: \\$\\.destination is not a known setting \\(known: destinations`)]));
  const commented = file('comments.json', {
    _comment: 'SIEMs of the SOC',
    destinations: [{ _note: 'primary', name: 'a', host: 'h', protocol: 'tls', tls: { _why: 'private CA', ca: pem }, encoder: { _c: 'x', appName: 'vco' } }],
  });
  const [d] = buildDestinations({ CONFIG_FILE: commented });
  assert.equal(d!.encoder.appName, 'vco');
  assert.ok(!Object.hasOwn(d!.encoder, '_c'), 'comments do not reach the encoder options');
  const withSchema = file('schema.json', { $schema: './destinations.schema.json', destinations: [{ name: 'a', host: 'h' }] });
  assert.equal(buildDestinations({ CONFIG_FILE: withSchema }).length, 1, 'an editor schema hint is allowed');
});

test('a CA file in OpenSSL TRUSTED CERTIFICATE form (x509 -trustout) is accepted, as node:tls accepts it', () => {
  const trusted = path.join(dir, 'trusted-ca.pem');
  execFileSync('openssl', ['x509', '-in', pem, '-trustout', '-out', trusted]);
  assert.match(readFileSync(trusted, 'latin1'), /-----BEGIN TRUSTED CERTIFICATE-----/);
  const [d] = buildDestinations({ SIEM_HOST: 'siem.example.net', SIEM_PROTOCOL: 'tls', SIEM_TLS_CA: trusted });
  assert.equal(d!.tls.ca, trusted);
});

test('SIEM_HOST must be a host name or IP address: no scheme, path, port or whitespace', () => {
  const refused: [string, RegExp][] = [
    ['http://siem:514/', /^SIEM_HOST=http:\/\/siem:514\/ is a URL: .*put the port in SIEM_PORT/],
    ['tls://siem.example.net', /^SIEM_HOST=tls:\/\/siem\.example\.net is a URL/],
    ['siem.example.net/syslog', /^SIEM_HOST=siem\.example\.net\/syslog contains "\/"/],
    ['siem.example.net:6514', /^SIEM_HOST=siem\.example\.net:6514 has a port: .*put the port in SIEM_PORT/],
    ['10.0.0.5:514', /^SIEM_HOST=10\.0\.0\.5:514 has a port/],
    ['[2001:db8::5]:6514', /^SIEM_HOST=\[2001:db8::5\]:6514 has a port/],
    ['siem example', /^SIEM_HOST=siem example contains whitespace/],
    ['user:secret@siem', /^SIEM_HOST contains "@"/],
    ['siem:abc', /^SIEM_HOST=siem:abc contains ":" but is not an IPv6 address/],
  ];
  for (const [host, expected] of refused) {
    assert.throws(() => buildDestinations({ SIEM_HOST: host }), configError([expected], ['secret']), host);
  }
  // IPv6 keeps working, bare or in brackets (the brackets are removed: sockets take the bare address).
  assert.equal(buildDestinations({ SIEM_HOST: '2001:db8::5' })[0]!.host, '2001:db8::5');
  assert.equal(buildDestinations({ SIEM_HOST: '[2001:db8::5]' })[0]!.host, '2001:db8::5');
  assert.equal(buildDestinations({ SIEM_HOST: '::1', SIEM_PORT: '1514' })[0]!.port, 1514);
  assert.equal(buildDestinations({ SIEM_HOST: ' siem.example.net ' })[0]!.host, 'siem.example.net', 'edge spaces are trimmed, as for every setting');
  const config = file('host-url.json', { destinations: [{ name: 'a', host: 'http://siem:514/' }] });
  assert.throws(() => buildDestinations({ CONFIG_FILE: config }), configError([new RegExp(`^${config}: destinations\\[0\\]\\.host "http://siem:514/" is a URL: .*put the port in destinations\\[0\\]\\.port`)]));
  const port = file('host-port.json', { destinations: [{ name: 'a', host: 'siem:514' }] });
  assert.throws(() => buildDestinations({ CONFIG_FILE: port }), configError([/destinations\[0\]\.host "siem:514" has a port/]));
});

test('a TLS server name that is an IP address is refused, named as the variable or as the file entry', () => {
  assert.throws(
    () => buildDestinations({ SIEM_HOST: 'siem.example.net', SIEM_PROTOCOL: 'tls', SIEM_TLS_SERVERNAME: '10.0.0.5' }),
    configError([/: SIEM_TLS_SERVERNAME must be a DNS name, not an IP address/]),
  );
  const entry = file('servername-ip.json', { destinations: [{ name: 'qradar', host: 'h', protocol: 'tls', tls: { servername: '10.0.0.5' } }] });
  assert.throws(() => buildDestinations({ CONFIG_FILE: entry }), configError([/: destinations\[0\]\.tls\.servername must be a DNS name, not an IP address/]));
});
