import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { rfc3164Timestamp, rfc5424Timestamp } from './syslog.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');

/** The reference: everything through Date, as the writers did before they cached the day. */
function dateRfc3164(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

const MAX_TIME_MS = 253402300799999; // 9999-12-31T23:59:59.999Z
// Runs of instants, some within one day and some across midnights, so the day cache is hit and replaced.
// Fractional ones too: a JSON number eventTime reaches the header as it is.
const instant = fc.oneof(
  fc.integer({ min: 0, max: MAX_TIME_MS }),
  fc.integer({ min: 1714521600000 - 5000, max: 1714521600000 + 5000 }),
  fc.double({ min: 0, max: MAX_TIME_MS, noNaN: true }),
);

test('timestamps equal what Date writes, for any instant of years 1970-9999 (whole or fractional ms) and in any order', () => {
  fc.assert(
    fc.property(fc.array(instant, { minLength: 1, maxLength: 20 }), (instants) => {
      for (const ms of instants) {
        assert.equal(rfc5424Timestamp(ms), new Date(ms).toISOString(), String(ms));
        assert.equal(rfc3164Timestamp(ms), dateRfc3164(ms), String(ms));
      }
    }),
    { numRuns: 500 },
  );
});

test('edges: the first and last instant, midnight and the millisecond before it, leap day, no time', () => {
  for (const ms of [0, MAX_TIME_MS, 1714521600000, 1714521599999, 1714521599999.9, 0.5, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2000, 0, 1)]) {
    assert.equal(rfc5424Timestamp(ms), new Date(ms).toISOString(), String(ms));
    assert.equal(rfc3164Timestamp(ms), dateRfc3164(ms), String(ms));
  }
  assert.equal(rfc5424Timestamp(undefined), '-');
  assert.equal(rfc5424Timestamp(-1), '-');
  assert.equal(rfc5424Timestamp(MAX_TIME_MS + 1), '-');
});
