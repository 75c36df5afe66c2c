import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../errors.js';
import { STANDARD_EVENT, vectorOptions } from './fixtures.js';
import { createEncoder } from './index.js';
import type { EncoderOptions } from './options.js';

const REDUCED = [
  { key: 'devTime', from: 'eventTime', as: 'epochMs' }, { key: 'cat', from: 'leefCategory' }, { key: 'sev', from: 'leefSeverity' },
  { key: 'usrName', from: 'enterpriseUsername' }, { key: 'vSrcName', from: 'edgeName' }, { key: 'msg', from: 'message' },
];
function leef(fields: object[], extra: Partial<EncoderOptions> = {}) {
  return createEncoder(vectorOptions('leef', { leef: { fields } }, { leefSyslogHeader: 'none', ...extra }));
}

describe('LEEF golden vectors (wire-formats.md 2.5)', () => {
  test('1: LEEF 1.0, TAB delimiter', () => {
    assert.equal(leef(REDUCED)(STANDARD_EVENT), 'LEEF:1.0|VMware|VeloCloud Orchestrator|5.2.0|EDGE_DOWN|devTime=1714566896789\tcat=EDGE\tsev=9\tusrName=admin@example.com\tvSrcName=b1-edge1\tmsg=Edge b1-edge1 is down');
  });

  test('2: LEEF 2.0, caret delimiter', () => {
    assert.equal(leef(REDUCED, { leefVersion: '2.0', leefDelimiter: '^' })(STANDARD_EVENT), 'LEEF:2.0|VMware|VeloCloud Orchestrator|5.2.0|EDGE_DOWN|^|devTime=1714566896789^cat=EDGE^sev=9^usrName=admin@example.com^vSrcName=b1-edge1^msg=Edge b1-edge1 is down');
  });

  test('3: LEEF 2.0, hex delimiter', () => {
    assert.equal(leef(REDUCED.slice(0, 2), { leefVersion: '2.0', leefDelimiter: 'x5E' })(STANDARD_EVENT), 'LEEF:2.0|VMware|VeloCloud Orchestrator|5.2.0|EDGE_DOWN|x5E|devTime=1714566896789^cat=EDGE');
    assert.equal(leef(REDUCED.slice(0, 1), { leefVersion: '2.0', leefDelimiter: '0x5e' })(STANDARD_EVENT), 'LEEF:2.0|VMware|VeloCloud Orchestrator|5.2.0|EDGE_DOWN|0x5e|devTime=1714566896789');
  });

  test('4: TAB, =, CRLF, ^ and | in a value', () => {
    const event = { ...STANDARD_EVENT, message: 'a\tb=c\r\nd^e|f' };
    const msgOnly = [{ key: 'msg', from: 'message' }];
    assert.ok(leef(msgOnly)(event).endsWith('|EDGE_DOWN|msg=a b=c d^e|f'));
    assert.ok(leef(msgOnly, { leefVersion: '2.0', leefDelimiter: '^' })(event).endsWith('|^|msg=a\tb=c d e|f'));
    assert.ok(leef(msgOnly)({ ...event, message: 'x\ry\nz' }).endsWith('msg=x y z'));
  });

  test('5: with a syslog header', () => {
    const out = createEncoder(vectorOptions('leef', { leef: { fields: REDUCED } }))(STANDARD_EVENT);
    assert.ok(out.startsWith('<129>May  1 12:34:56 vco.example.net LEEF:1.0|VMware|VeloCloud Orchestrator|5.2.0|EDGE_DOWN|devTime='), out);
  });

  test('6: sev EMERGENCY 10 ... INFO 2, DEBUG 1', () => {
    const encode = leef([{ key: 'sev', from: 'leefSeverity' }]);
    const expected = { EMERGENCY: 10, ALERT: 9, CRITICAL: 8, ERROR: 7, WARNING: 5, NOTICE: 3, INFO: 2, DEBUG: 1 };
    for (const [severity, sev] of Object.entries(expected)) assert.ok(encode({ ...STANDARD_EVENT, severity }).endsWith(`|sev=${sev}`), severity);
  });
});

describe('LEEF with the default mapping', () => {
  test('standard event', () => {
    const out = createEncoder(vectorOptions('leef', {}, { leefSyslogHeader: 'none' }))(STANDARD_EVENT, { enterpriseName: 'ACME Co.' });
    assert.equal(out, 'LEEF:1.0|VMware|VeloCloud Orchestrator|5.2.0|EDGE_DOWN|devTime=1714566896789\tcat=EDGE\tsev=9\tusrName=admin@example.com\tvSrcName=b1-edge1\tmsg=Edge b1-edge1 is down\tvcoEventId=1109553\tsegmentName=Global Segment\tenterpriseName=ACME Co.\tdetail={"edgeName":"b1-edge1","state":"PENDING"}');
  });

  test('pipes, CR and LF never reach the header', () => {
    const out = createEncoder(vectorOptions('leef', {}, { leefSyslogHeader: 'none', vendor: 'A|B' }))({ ...STANDARD_EVENT, event: 'X|Y\r\nZ' });
    assert.ok(out.startsWith('LEEF:1.0|A B|VeloCloud Orchestrator|5.2.0|X Y  Z|'), out);
  });

  test('bad delimiters are configuration errors', () => {
    for (const leefDelimiter of ['|', '=', 'ab', 'x7C', '0xD800', '\n']) {
      assert.throws(() => createEncoder(vectorOptions('leef', {}, { leefVersion: '2.0', leefDelimiter })), ConfigError, leefDelimiter);
    }
    assert.throws(() => createEncoder(vectorOptions('leef', {}, { leefVersion: '1.0', leefDelimiter: '^' })), ConfigError);
  });

  test('a delimiter that a checked value can hold is still replaced there (":" in a MAC address)', () => {
    const event = { ...STANDARD_EVENT, eventTime: '1960-01-01T00:00:00.000Z', detail: '{"client_mac":"aa:bb:cc:dd:ee:ff","remoteIp":"10.1.2.3"}' };
    const colon = createEncoder(vectorOptions('leef', {}, { leefSyslogHeader: 'none', leefVersion: '2.0', leefDelimiter: ':' }))(event);
    assert.match(colon, /:srcMAC=aa bb cc dd ee ff$/);
    assert.match(colon, /:src=10\.1\.2\.3:/);
    assert.match(colon, /\|:\|devTime=-315619200000:/);
  });
});
