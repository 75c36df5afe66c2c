import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { STANDARD_EVENT, vectorOptions } from './fixtures.js';
import { createEncoder } from './index.js';
import { truncateUtf8 } from './text.js';
import type { EncoderOptions } from './options.js';

const REDUCED_SD = [{ key: 'eventId', from: 'eventId' }, { key: 'category', from: 'category' }, { key: 'edgeName', from: 'edgeName' }, { key: 'segmentName', from: 'segmentName' }];
function syslog(structuredData: object[], extra: Partial<EncoderOptions> = {}) {
  return createEncoder(vectorOptions('rfc5424', { rfc5424: { structuredData } }, extra));
}
const octetFrame = (msg: string): string => `${Buffer.byteLength(msg)} ${msg}`;

describe('RFC 5424 golden vectors (wire-formats.md 3.3)', () => {
  test('1: full event with SD and BOM, 189 octets', () => {
    const msg = syslog(REDUCED_SD, { bom: true })(STANDARD_EVENT);
    assert.equal(octetFrame(msg), '189 <129>1 2024-05-01T12:34:56.789Z vco.example.net velocloud - EDGE_DOWN [vco@32473 eventId="1109553" category="EDGE" edgeName="b1-edge1" segmentName="Global Segment"] \ufeffEdge b1-edge1 is down');
    assert.equal(Buffer.byteLength(syslog(REDUCED_SD)(STANDARD_EVENT)), 186);
  });

  test('2: SD escaping of ", \\ and ]', () => {
    const msg = syslog([{ key: 'segmentName', from: 'segmentName' }])({ ...STANDARD_EVENT, segmentName: 'Seg "A"\\B]' });
    assert.ok(msg.includes(' [vco@32473 segmentName="Seg \\"A\\"\\\\B\\]"] '), msg);
  });

  test('3: non-ASCII in SD and MSG, ASCII HOSTNAME, 157 octets', () => {
    const event = { eventTime: '2024-05-01T12:34:56.789Z', event: 'EDGE_INTERFACE_DOWN', severity: 'WARNING', edgeName: 'Zürich-東京', message: 'Interface GE3 down on Zürich-東京' };
    const msg = syslog([{ key: 'eventId', from: 'eventId' }, { key: 'edgeName', from: 'edgeName' }, { key: 'segmentName', from: 'segmentName' }], { bom: true })(event);
    assert.equal(msg, '<132>1 2024-05-01T12:34:56.789Z vco.example.net velocloud - EDGE_INTERFACE_DOWN [vco@32473 edgeName="Zürich-東京"] \ufeffInterface GE3 down on Zürich-東京');
    assert.equal(Buffer.byteLength(msg), 157);
  });

  test('4: all optional parts NIL, no MSG (default mapping), 63 octets', () => {
    const msg = createEncoder(vectorOptions('rfc5424'))({ eventTime: '2024-05-01T12:34:56.789Z', severity: 'INFO' });
    assert.equal(msg, '<134>1 2024-05-01T12:34:56.789Z vco.example.net velocloud - - -');
    assert.equal(Buffer.byteLength(msg), 63);
  });

  test('5: MSGID cut to 32 with the full name in SD; LF kept under octet framing, neutralised under LF framing', () => {
    const event = { eventTime: '2024-05-01T12:34:56.789Z', event: 'LINK_ALIVE_STATUS_CHANGED_TO_INACTIVE', severity: 'INFO', message: 'User admin changed rule\nline2' };
    assert.equal(octetFrame(createEncoder(vectorOptions('rfc5424'))(event)), '180 <134>1 2024-05-01T12:34:56.789Z vco.example.net velocloud - LINK_ALIVE_STATUS_CHANGED_TO_INA [vco@32473 event="LINK_ALIVE_STATUS_CHANGED_TO_INACTIVE"] User admin changed rule\nline2');
    assert.equal(`${createEncoder(vectorOptions('rfc5424', {}, { lineSafe: true }))(event)}\n`, '<134>1 2024-05-01T12:34:56.789Z vco.example.net velocloud - LINK_ALIVE_STATUS_CHANGED_TO_INA [vco@32473 event="LINK_ALIVE_STATUS_CHANGED_TO_INACTIVE"] User admin changed rule\\nline2\n');
  });

  test('6: truncation to 2048 octets at a UTF-8 boundary', () => {
    const msg = syslog([], { bom: true })({ eventTime: '2024-05-01T12:34:56.789Z', event: 'EDGE_DOWN', severity: 'ALERT', message: '€'.repeat(1000) });
    assert.equal(Buffer.byteLength(msg), 3075);
    const header = '<129>1 2024-05-01T12:34:56.789Z vco.example.net velocloud - EDGE_DOWN - ';
    assert.equal(Buffer.byteLength(header), 72);
    const cut = truncateUtf8(msg, 2048);
    assert.equal(Buffer.byteLength(cut), 2046);
    assert.equal(cut, `${header}\ufeff${'€'.repeat(657)}`);
  });
});

describe('RFC 5424 with the default mapping', () => {
  test('standard event: SD carries the mapped fields and the raw detail', () => {
    const msg = createEncoder(vectorOptions('rfc5424'))(STANDARD_EVENT, { enterpriseName: 'ACME Co.' });
    assert.equal(msg, '<129>1 2024-05-01T12:34:56.789Z vco.example.net velocloud - EDGE_DOWN [vco@32473 eventId="1109553" category="EDGE" user="admin@example.com" edgeName="b1-edge1" segmentName="Global Segment" enterpriseName="ACME Co." detail="{\\"edgeName\\":\\"b1-edge1\\",\\"state\\":\\"PENDING\\"}"] Edge b1-edge1 is down');
  });

  test('missing or invalid eventTime: created, else NILVALUE; printable-ASCII header fields', () => {
    const encode = createEncoder(vectorOptions('rfc5424', { rfc5424: { structuredData: [] } }));
    assert.equal(encode({ eventTime: 'garbage', created: '2024-05-01T12:35:16.000Z', event: 'ÉVÉNEMENT X', severity: 'BOGUS' }), '<133>1 2024-05-01T12:35:16.000Z vco.example.net velocloud - _V_NEMENT_X [vco@32473 event="ÉVÉNEMENT X"]');
    assert.equal(encode({ eventTime: '99999-01-01T00:00:00Z' }), '<133>1 - vco.example.net velocloud - - -');
  });

  test('facility and PEN are configurable', () => {
    const msg = createEncoder(vectorOptions('rfc5424', {}, { facility: 1, pen: 6876 }))(STANDARD_EVENT);
    assert.ok(msg.startsWith('<9>1 2024-05-01T12:34:56.789Z vco.example.net velocloud - EDGE_DOWN [vco@6876 '), msg);
  });
});
