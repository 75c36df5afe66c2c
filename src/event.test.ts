import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseVcoTime, vcoTimeParser } from './event.js';

test('vcoTimeParser agrees with parseVcoTime, on the VCO form with any digits and on anything else', () => {
  const digit = fc.constantFrom(...'0123456789');
  const vcoForm = fc.array(digit, { minLength: 17, maxLength: 17 }).map((d) => {
    const [y1, y2, y3, y4, mo1, mo2, d1, d2, h1, h2, mi1, mi2, s1, s2, f1, f2, f3] = d;
    return `${y1}${y2}${y3}${y4}-${mo1}${mo2}-${d1}${d2}T${h1}${h2}:${mi1}${mi2}:${s1}${s2}.${f1}${f2}${f3}Z`;
  });
  const plausible = fc
    .tuple(fc.integer({ min: 1960, max: 2100 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 999 }))
    .map(([y, mo, d, h, mi, s, ms]) => `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(ms).padStart(3, '0')}Z`);
  const other = fc.oneof(fc.string(), fc.constantFrom('2021-10-23T06:48:57Z', '2021-10-23 06:48:57', '2021-10-23T06:48:57.000+01:00', '1500000000000', ''), fc.integer(), fc.constant(null));
  fc.assert(
    fc.property(fc.array(fc.oneof(vcoForm, plausible, plausible, other), { maxLength: 8 }), (values) => {
      const parse = vcoTimeParser(); // one parser for the sequence, as a batch uses it (its day memo carries over)
      assert.deepEqual(values.map(parse), values.map(parseVcoTime));
    }),
    { numRuns: 2000 },
  );
});
