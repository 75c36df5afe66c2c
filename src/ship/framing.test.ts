import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { FrameBuffer, lf, octet, type FrameLayout } from './framing.js';

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

describe('FrameBuffer', () => {
  const reference = (layout: FrameLayout, messages: string[]): Buffer =>
    Buffer.concat(messages.map((m) => (layout === 'octet' ? octet(Buffer.from(m)) : layout === 'lf' ? lf(Buffer.from(m)) : Buffer.from(m))));

  test('writes the same bytes as the reference framings, growing past its initial size', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<FrameLayout>('lf', 'octet', 'none'),
        fc.array(fc.string({ unit: 'binary', maxLength: 60 }), { maxLength: 20 }),
        (layout, messages) => {
          const frames = new FrameBuffer(layout, 16);
          for (const m of messages) frames.add(m);
          assert.deepEqual(frames.bytes(), reference(layout, messages));
          assert.equal(frames.count, messages.length);
          if (layout === 'none') {
            let end = 0;
            assert.deepEqual(frames.messageEnds(), messages.map((m) => (end += Buffer.byteLength(m))));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('reset reuses the buffer for the next batch', () => {
    const frames = new FrameBuffer('octet');
    frames.add('first');
    frames.reset();
    frames.add('é');
    assert.deepEqual(frames.bytes(), Buffer.from('2 é'));
  });
});
