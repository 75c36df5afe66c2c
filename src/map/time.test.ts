import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVcoTime } from '../event.js';
import { memoLast } from '../memo.js';
import { privateTimeParser, timeParser } from './time.js';

test('the fast path and the memo give exactly what parseVcoTime gives, in any order of inputs', () => {
  const inputs: unknown[] = [
    '2024-05-01T12:34:56.789Z', '2024-05-01T12:34:56.789Z', '2024-02-30T00:00:00.000Z', '2024-13-01T00:00:00.000Z',
    '2024-05-01T12:34:56.789123Z', '2024-05-01 12:34:56', '2024-05-01T12:34:56+02:00', '1714566896789', 1714566896789,
    'garbage', '', null, undefined, Number.NaN, '2024-05-01T12:34:56.789Z',
  ];
  const shared = timeParser('eventTime');
  const own = privateTimeParser();
  for (const value of inputs) {
    assert.equal(shared(value), parseVcoTime(value), `shared parser: ${String(value)}`);
    assert.equal(own(value), parseVcoTime(value), `private parser: ${String(value)}`);
  }
  assert.equal(timeParser('eventTime'), shared, 'one parser per event key');
});

test('memoLast computes again only when the argument changes', () => {
  const seen: string[] = [];
  const upper = memoLast((s: string) => {
    seen.push(s);
    return s.toUpperCase();
  });
  assert.deepEqual(['a', 'a', 'b', 'a'].map(upper), ['A', 'A', 'B', 'A']);
  assert.deepEqual(seen, ['a', 'b', 'a']);
});
