import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { STANDARD_EVENT, vectorOptions } from './fixtures.js';
import { createEncoder } from './index.js';
import { mapStream } from './preview.js';

test('mapStream: one message per line, malformed lines reported by number and skipped', async () => {
  const encoder = createEncoder(vectorOptions('rfc3164', {}, { hostname: 'vco', lineSafe: true }));
  const lines = [
    JSON.stringify(STANDARD_EVENT),
    '{"event": broken',
    '',
    '[1,2]',
    JSON.stringify({ ...STANDARD_EVENT, id: 2, message: 'two\nlines' }),
    'null',
  ];
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (c: Buffer) => chunks.push(c));
  const errors: [number, string][] = [];
  const summary = await mapStream(Readable.from([`${lines.join('\r\n')}\n`]), output, (n, m) => errors.push([n, m]), encoder);
  assert.deepEqual(errors.map(([n]) => n), [2, 4, 6]);
  assert.match(errors[0]![1], /not valid JSON/);
  assert.match(errors[1]![1], /not a JSON object/);
  assert.deepEqual(summary, { lines: 6, written: 2, malformed: 3 });
  assert.equal(Buffer.concat(chunks).toString(), '<129>May  1 12:34:56 vco velocloud[1109553]: Edge b1-edge1 is down\n<129>May  1 12:34:56 vco velocloud[2]: two\\nlines\n');
});
