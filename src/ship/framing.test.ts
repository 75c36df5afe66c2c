import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { FrameBuffer, lf, octet, truncateUtf8, type FrameLayout } from './framing.js';

// RFC 5424 golden vector 1 (wire-formats.md 3.3): 189 bytes with the BOM, 186 without.
const VECTOR_1 =
  '<129>1 2024-05-01T12:34:56.789Z vco.example.net velocloud - EDGE_DOWN [vco@32473 eventId="1109553" category="EDGE" edgeName="b1-edge1" segmentName="Global Segment"] \ufeffEdge b1-edge1 is down';

describe('reference framings', () => {
  test('octet counting counts bytes, BOM included', () => {
    const framed = octet(Buffer.from(VECTOR_1));
    assert.equal(framed.toString('utf8', 0, 4), '189 ');
    assert.equal(framed.length, 4 + 189);
    assert.equal(octet(Buffer.from(VECTOR_1.replace('\ufeff', ''))).toString('utf8', 0, 4), '186 ');
  });

  test('octet count of non-ASCII content (vector 3: 157 bytes)', () => {
    const msg = '<132>1 2024-05-01T12:34:56.789Z vco.example.net velocloud - EDGE_INTERFACE_DOWN [vco@32473 edgeName="Zürich-東京"] \ufeffInterface GE3 down on Zürich-東京';
    assert.equal(octet(Buffer.from(msg)).toString('utf8', 0, 4), '157 ');
  });

  test('lf appends exactly one LF', () => {
    assert.deepEqual(lf(Buffer.from('CEF:0|a')), Buffer.from('CEF:0|a\n'));
  });
});

describe('truncateUtf8', () => {
  test('vector 6: 72-byte header + BOM + 1000 euro signs cut to 2046 bytes, 657 euro signs', () => {
    const header = '<129>1 2024-05-01T12:34:56.789Z vco.example.net velocloud - EDGE_DOWN - ';
    assert.equal(Buffer.byteLength(header), 72);
    const cut = truncateUtf8(Buffer.from(`${header}\ufeff${'€'.repeat(1000)}`), 2048);
    assert.equal(cut.length, 2046);
    assert.equal(cut.toString(), `${header}\ufeff${'€'.repeat(657)}`);
  });

  test('never splits a 4-byte character; leaves short buffers alone', () => {
    const buf = Buffer.from('ab😀');
    assert.equal(truncateUtf8(buf, 5).toString(), 'ab');
    assert.equal(truncateUtf8(buf, 6), buf);
    assert.equal(truncateUtf8(buf, 2).toString(), 'ab');
  });
});

describe('FrameBuffer', () => {
  const reference = (layout: FrameLayout, messages: string[], max: number): Buffer =>
    Buffer.concat(
      messages.map((m) => {
        const cut = truncateUtf8(Buffer.from(m), max);
        return layout === 'octet' ? octet(cut) : layout === 'lf' ? lf(cut) : cut;
      }),
    );

  test('writes the same bytes as the reference framings, and flags exactly the truncated messages', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<FrameLayout>('lf', 'octet', 'none'),
        fc.array(fc.string({ unit: 'binary', maxLength: 60 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 120 }),
        (layout, messages, max) => {
          const frames = new FrameBuffer(layout, max, 16);
          const flags = messages.map((m) => frames.add(m));
          assert.deepEqual(frames.bytes(), reference(layout, messages, max));
          assert.deepEqual(flags, messages.map((m) => Buffer.byteLength(m) > max));
          assert.equal(frames.count, messages.length);
          if (layout === 'none') assert.deepEqual(frames.messages(), messages.map((m) => truncateUtf8(Buffer.from(m), max)));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('reset reuses the buffer for the next batch', () => {
    const frames = new FrameBuffer('octet', 100);
    frames.add('first');
    frames.reset();
    frames.add('é');
    assert.deepEqual(frames.bytes(), Buffer.from('2 é'));
  });
});
