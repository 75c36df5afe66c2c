import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { normaliseVcoUrl, parseBoolean, parseDuration, parseIdList, parseInteger, parseSince } from './parse.js';

test('VCO_HOSTNAME accepts host, host:port and URLs, with or without a trailing slash', () => {
  assert.equal(normaliseVcoUrl('VCO_HOSTNAME', 'vco.example.net'), 'https://vco.example.net');
  assert.equal(normaliseVcoUrl('VCO_HOSTNAME', 'vco.example.net/'), 'https://vco.example.net');
  assert.equal(normaliseVcoUrl('VCO_HOSTNAME', 'vco.example.net:8443'), 'https://vco.example.net:8443');
  assert.equal(normaliseVcoUrl('VCO_HOSTNAME', 'https://vco.example.net//'), 'https://vco.example.net');
  assert.equal(normaliseVcoUrl('VCO_HOSTNAME', 'http://127.0.0.1:8585/portal/'), 'http://127.0.0.1:8585');
  assert.equal(normaliseVcoUrl('VCO_HOSTNAME', 'HTTPS://VCO.example.net'), 'https://vco.example.net');
});

test('VCO_HOSTNAME rejects other schemes and embedded credentials, naming the setting', () => {
  assert.throws(() => normaliseVcoUrl('VCO_HOSTNAME', 'ftp://vco'), (e: unknown) => e instanceof ConfigError && /VCO_HOSTNAME.*https/.test(e.message));
  assert.throws(() => normaliseVcoUrl('VCO_HOSTNAME', 'https://u:p@vco'), /must not contain credentials/);
  assert.throws(() => normaliseVcoUrl('VCO_HOSTNAME', ' / '), /VCO_HOSTNAME is empty/);
});

test('VCO_HOSTNAME never echoes a user:password or a query string, whatever else is wrong with the value', () => {
  const secret = 'URLPWSECRET';
  const refused = (value: string, expect: RegExp): void => {
    assert.throws(
      () => normaliseVcoUrl('VCO_HOSTNAME', value),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, `${value}: ${String(e)}`);
        assert.equal(e.exitCode, 2, value);
        assert.match(e.message, /^VCO_HOSTNAME/, value);
        assert.match(e.message, expect, value);
        assert.ok(!e.message.includes(secret), `${value} echoed: ${e.message}`);
        assert.ok(!JSON.stringify(e.context).includes(secret), value);
        return true;
      },
    );
  };
  const credentials = /must not contain credentials.*use VCO_TOKEN or VCO_USERNAME\/VCO_PASSWORD/;
  for (const value of [
    'ftp://u:URLPWSECRET@vco', // bad scheme
    'https://u:URLPWSECRET@vco:99999', // bad port
    'https://u:URLPWSECRET@[bad', // not a URL at all
    'https://u:URLPWSECRET@vco bad', // space in the host
    'u:URLPWSECRET@vco.example.net', // no scheme
    'https://u:URLPWSECRET@vco.example.net',
    'https://URLPWSECRET@vco.example.net', // token as user name
    'http://u:URLPWSECRET@127.0.0.1:8585',
    'https://u:p/URLPWSECRET@vco', // a password with a slash: the URL parser would see a path
    'https://u:URLPWSECRET#x@vco', // ... or a fragment
    'https://u:URLPWSECRET?x@vco', // ... or a query
    'https://u:URLPW\nSECRET@vco', // with a newline, which the URL parser drops
  ]) {
    refused(value, credentials);
  }
  refused('https://vco:99999/?token=URLPWSECRET', /VCO_HOSTNAME=https:\/\/vco:99999 is not a host name or URL/);
  refused('https://[bad#URLPWSECRET', /VCO_HOSTNAME=https:\/\/\[bad is not a host name or URL/);
  refused('ftp://vco/path?key=URLPWSECRET', /VCO_HOSTNAME=ftp:\/\/vco\/path has scheme ftp/);
  // a query string is dropped from a good value too
  assert.equal(normaliseVcoUrl('VCO_HOSTNAME', 'https://vco.example.net/?token=URLPWSECRET'), 'https://vco.example.net');
});

test('durations take units and bare seconds', () => {
  assert.equal(parseDuration('X', '15m'), 900_000);
  assert.equal(parseDuration('X', '24h'), 86_400_000);
  assert.equal(parseDuration('X', '30d'), 2_592_000_000);
  assert.equal(parseDuration('X', '90'), 90_000);
  assert.equal(parseDuration('X', '250ms'), 250);
  assert.throws(() => parseDuration('VCO_LOOKBACK', '15 minutes'), /VCO_LOOKBACK=15 minutes is not a duration/);
});

test('since is an absolute time or a duration ago', () => {
  const now = Date.parse('2024-05-02T00:00:00Z');
  assert.equal(parseSince('VCO_SINCE', '24h', now), Date.parse('2024-05-01T00:00:00Z'));
  assert.equal(parseSince('VCO_SINCE', '2024-05-01T12:00:00Z', now), Date.parse('2024-05-01T12:00:00Z'));
  assert.equal(parseSince('VCO_SINCE', '2024-05-01T12:00:00', now), Date.parse('2024-05-01T12:00:00Z'), 'naive = UTC');
  assert.equal(parseSince('VCO_SINCE', '1714566896789', now), 1714566896789);
  assert.throws(() => parseSince('VCO_SINCE', 'yesterday', now), /VCO_SINCE=yesterday is not a time/);
  assert.throws(() => parseSince('VCO_SINCE', '1714566896', now), /VCO_SINCE=1714566896 looks like epoch seconds/);
  assert.throws(() => parseSince('VCO_SINCE', '2024-13-45', now), /not a valid time/);
});

test('integers, booleans and id lists fail with the setting name and the fix', () => {
  assert.equal(parseInteger('VCO_RETRIES', '3', 0, 20), 3);
  assert.throws(() => parseInteger('VCO_RETRIES', '3.5', 0, 20), /VCO_RETRIES=3.5 is not a whole number/);
  assert.throws(() => parseInteger('VCO_RETRIES', '99', 0, 20), /out of range: use a number from 0 to 20/);
  assert.equal(parseBoolean('SIEM_TLS_INSECURE', 'TRUE'), true);
  assert.equal(parseBoolean('SIEM_TLS_INSECURE', 'no'), false);
  assert.throws(() => parseBoolean('SIEM_TLS_INSECURE', 'maybe'), /SIEM_TLS_INSECURE=maybe is not a boolean/);
  assert.deepEqual(parseIdList('VCO_ENTERPRISE_IDS', '1, 7,7,12'), [1, 7, 12]);
  assert.throws(() => parseIdList('VCO_ENTERPRISE_IDS', '1,x'), /VCO_ENTERPRISE_IDS=x/);
});
