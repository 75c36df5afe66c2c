import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { createLogger } from '../log.js';
import { buildVcoConfig, warnPlainHttpVco } from './vco.js';

const TOKEN = 'TOKENSECRET123';
const PASSWORD = 'PASSWORDSECRET456';

/** A logger that keeps its lines, to see what a run warns about. */
function capture(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'debug', json: true, write: (line) => lines.push(line) }), lines };
}

function refusedHttp(settings: Record<string, string>): void {
  assert.throws(
    () => buildVcoConfig(settings, capture().logger),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `${settings.VCO_HOSTNAME}: ${String(e)}`);
      assert.equal(e.exitCode, 2);
      assert.match(e.message, /^VCO_HOSTNAME=http:\/\/\S+ .*plain http:\/\/.*use https:\/\/.*VCO_ALLOW_HTTP=true/, settings.VCO_HOSTNAME);
      assert.ok(!e.message.includes(TOKEN) && !e.message.includes(PASSWORD), e.message);
      return true;
    },
  );
}

test('http:// to a host that is not loopback is refused (exit 2), for a token and for a password login', () => {
  for (const host of [
    'http://192.0.2.2:18080',
    'http://vco.example.net',
    'HTTP://vco.example.net/portal/',
    'http://10.0.0.1:8585',
    'http://[2001:db8::1]:8080',
    'http://0.0.0.0:8585',
    'http://localhost.example.net',
    'http://127.0.0.1.nip.io:8585',
    'http://[::ffff:192.0.2.2]',
  ]) {
    refusedHttp({ VCO_HOSTNAME: host, VCO_TOKEN: TOKEN });
    refusedHttp({ VCO_HOSTNAME: host, VCO_USERNAME: 'soc', VCO_PASSWORD: PASSWORD });
    refusedHttp({ VCO_HOSTNAME: host, VCO_TOKEN: TOKEN, VCO_ALLOW_HTTP: 'false' });
  }
});

test('http:// to loopback (the local simulator) is accepted without a warning; https anywhere too', () => {
  for (const [host, baseUrl] of [
    ['http://127.0.0.1:8585', 'http://127.0.0.1:8585'],
    ['http://127.0.0.1:8585/portal/', 'http://127.0.0.1:8585'],
    ['http://127.10.20.30:8585', 'http://127.10.20.30:8585'],
    ['http://127.1:8585', 'http://127.0.0.1:8585'],
    ['http://localhost:8585', 'http://localhost:8585'],
    ['http://LOCALHOST', 'http://localhost'],
    ['http://[::1]:8585', 'http://[::1]:8585'],
    ['http://[0:0:0:0:0:0:0:1]:8585', 'http://[::1]:8585'],
    ['https://192.0.2.2:18080', 'https://192.0.2.2:18080'],
    ['vco.example.net', 'https://vco.example.net'],
  ] as const) {
    const { logger, lines } = capture();
    assert.equal(buildVcoConfig({ VCO_HOSTNAME: host, VCO_TOKEN: TOKEN }, logger).baseUrl, baseUrl);
    assert.deepEqual(lines, [], host);
  }
});

test('VCO_ALLOW_HTTP=true lets http:// reach another host, with a warning on every run', () => {
  const settings = { VCO_HOSTNAME: 'http://192.0.2.2:18080', VCO_TOKEN: TOKEN, VCO_ALLOW_HTTP: 'true' };
  const { logger, lines } = capture();
  assert.equal(buildVcoConfig(settings, logger).baseUrl, 'http://192.0.2.2:18080');
  assert.equal(buildVcoConfig(settings, logger).baseUrl, 'http://192.0.2.2:18080');
  assert.equal(lines.length, 2, 'one warning per run');
  for (const line of lines) {
    const record = JSON.parse(line) as { level: string; msg: string; vco: string };
    assert.equal(record.level, 'warn');
    assert.match(record.msg, /unencrypted.*VCO_ALLOW_HTTP=true/);
    assert.equal(record.vco, 'http://192.0.2.2:18080');
    assert.ok(!line.includes(TOKEN));
  }
  // the daemon reuses one config for many runs and warns with it on each
  warnPlainHttpVco(buildVcoConfig(settings, capture().logger), logger);
  assert.equal(lines.length, 3);
  assert.match(lines[2]!, /VCO_ALLOW_HTTP=true/);
  // loopback needs no opt-out, so it is not warned about
  const quiet = capture();
  buildVcoConfig({ ...settings, VCO_HOSTNAME: 'http://127.0.0.1:8585' }, quiet.logger);
  assert.deepEqual(quiet.lines, []);
  assert.throws(() => buildVcoConfig({ ...settings, VCO_ALLOW_HTTP: 'maybe' }, logger), (e: unknown) => e instanceof ConfigError && /^VCO_ALLOW_HTTP=maybe is not a boolean/.test(e.message));
});

test('credentials in VCO_HOSTNAME are refused without being echoed, whatever else is wrong with it', () => {
  for (const host of ['ftp://u:URLPWSECRET@vco', 'https://u:URLPWSECRET@vco:99999', 'https://u:URLPWSECRET@[bad', 'http://u:URLPWSECRET@192.0.2.2']) {
    assert.throws(
      () => buildVcoConfig({ VCO_HOSTNAME: host, VCO_TOKEN: TOKEN }, capture().logger),
      (e: unknown) => e instanceof ConfigError && e.exitCode === 2 && /^VCO_HOSTNAME must not contain credentials.*VCO_TOKEN/.test(e.message) && !e.message.includes('URLPWSECRET'),
      host,
    );
  }
});
