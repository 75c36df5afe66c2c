import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../errors.js';
import { STANDARD_EVENT, vectorOptions } from './fixtures.js';
import { createEncoder } from './index.js';

const encoder = (extra = {}) => createEncoder(vectorOptions('rfc3164', {}, { hostname: 'vco', ...extra }));

describe('RFC 3164 golden vectors (wire-formats.md 4)', () => {
  test('1: space-padded day, TAG, PID = event id', () => {
    assert.equal(encoder()(STANDARD_EVENT), '<129>May  1 12:34:56 vco velocloud[1109553]: Edge b1-edge1 is down');
  });

  test('2: two-digit day, no PID without a numeric id', () => {
    assert.equal(encoder()({ eventTime: '2024-11-12T03:04:05.000Z', severity: 'INFO', message: 'x' }), '<134>Nov 12 03:04:05 vco velocloud: x');
  });

  test('3: over 1024 bytes: cut at a UTF-8 boundary, header intact', () => {
    const out = encoder()({ ...STANDARD_EVENT, message: `a${'€'.repeat(500)}` });
    const bytes = Buffer.from(out);
    assert.ok(bytes.length <= 1024 && bytes.length >= 1022, String(bytes.length));
    assert.ok(out.startsWith('<129>May  1 12:34:56 vco velocloud[1109553]: a€€'));
    assert.equal(bytes.toString('utf8'), out);
    assert.ok(!out.includes('\ufffd'));
  });
});

describe('RFC 3164 details', () => {
  test('TAG is appName reduced to letters, digits and _', () => {
    assert.ok(encoder({ appName: 'vco-siem' })(STANDARD_EVENT).includes(' vco vcosiem[1109553]: '));
    assert.throws(() => encoder({ appName: '---' }), ConfigError);
  });

  test('lineSafe turns CR/LF into \\r / \\n; no message: the readable name', () => {
    assert.ok(encoder({ lineSafe: true })({ ...STANDARD_EVENT, message: 'a\r\nb' }).endsWith(': a\\r\\nb'));
    assert.ok(encoder()({ ...STANDARD_EVENT, message: undefined }).endsWith(': Edge down'));
  });

  test('no usable time: the current time (RFC 3164 has no NIL timestamp)', () => {
    const now = Date.parse('2025-02-03T04:05:06Z');
    assert.equal(encoder({ now: () => now })({ event: 'EDGE_UP', severity: 'INFO', message: 'm' }), '<134>Feb  3 04:05:06 vco velocloud: m');
  });
});
