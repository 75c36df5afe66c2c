import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STANDARD_EVENT, vectorOptions } from './fixtures.js';
import { createEncoder } from './index.js';

test('JSON: the canonical event is the MSG of an RFC 5424 message', () => {
  const out = createEncoder(vectorOptions('json'))(STANDARD_EVENT, { enterpriseName: 'ACME Co.' });
  const header = '<129>1 2024-05-01T12:34:56.789Z vco.example.net velocloud - EDGE_DOWN - ';
  assert.ok(out.startsWith(header), out);
  assert.deepEqual(JSON.parse(out.slice(header.length)), { ...STANDARD_EVENT, enterpriseName: 'ACME Co.' });
});

test('JSON: the event own enterpriseName wins; BOM option; CR/LF only as JSON escapes', () => {
  const event = { ...STANDARD_EVENT, enterpriseName: 'Own', message: 'a\r\nb' };
  const out = createEncoder(vectorOptions('json', {}, { bom: true }))(event, { enterpriseName: 'Other' });
  const start = out.indexOf(' - \ufeff{');
  assert.ok(start > 0, out);
  assert.deepEqual(JSON.parse(out.slice(start + 4)), event);
  assert.doesNotMatch(out, /[\r\n]/);
});
