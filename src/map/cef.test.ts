import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VcoEvent } from '../event.js';
import { STANDARD_EVENT, vectorOptions } from './fixtures.js';
import { createEncoder } from './index.js';
import type { EncoderOptions } from './options.js';

const PREFIX = 'CEF:0|VMware|VeloCloud Orchestrator|5.2.0|';
type Fields = { key?: string; from: string; label?: string; as?: string }[];

/** CEF without syslog header and with exactly `fields` in the extension. */
function cef(fields: Fields, patch: Record<string, unknown> = {}, extra: Partial<EncoderOptions> = {}) {
  return createEncoder(vectorOptions('cef', { cef: { fields }, ...patch }, { cefSyslogHeader: 'none', ...extra }));
}
const MSG: Fields = [{ key: 'msg', from: 'message' }];
const at = (message: string): VcoEvent => ({ ...STANDARD_EVENT, message });

describe('CEF golden vectors (wire-formats.md 1.6)', () => {
  test('1: pipe and backslash in Name', () => {
    const encode = cef([], { events: { EDGE_DOWN: { name: 'Link "WAN|1" down \\ backup' } } });
    assert.equal(encode(STANDARD_EVENT), `${PREFIX}EDGE_DOWN|Link "WAN\\|1" down \\\\ backup|9|`);
  });

  test('2: = stays in the header, is escaped in the extension', () => {
    const encode = cef(MSG, { events: { EDGE_DOWN: { name: 'x=1' } } });
    assert.equal(encode(at('user=admin changed x=1')), `${PREFIX}EDGE_DOWN|x=1|9|msg=user\\=admin changed x\\=1`);
  });

  test('3: CR and LF escaped each as itself in the extension, spaces in the header', () => {
    const encode = cef(MSG, { events: { EDGE_DOWN: { name: 'a\r\nb\nc' } } });
    const out = encode(at('line1\r\nline2\nline3\r'));
    assert.equal(out, `${PREFIX}EDGE_DOWN|a  b c|9|msg=line1\\r\\nline2\\nline3\\r`);
    assert.doesNotMatch(out, /[\r\n]/);
  });

  test('4: detail JSON with backslashes, quotes, = and | in cs2 (label after value)', () => {
    const encode = cef([{ key: 'cs2', label: 'detail', from: 'detailRest' }], { cef: { labelPosition: 'after', fields: [{ key: 'cs2', label: 'detail', from: 'detailRest' }] } });
    const detail = '{"path": "C:\\\\Temp\\\\x", "q": "a=b", "list": ["|"]}';
    assert.equal(encode({ ...STANDARD_EVENT, detail }), `${PREFIX}EDGE_DOWN|Edge down|9|cs2={"path": "C:\\\\\\\\Temp\\\\\\\\x", "q": "a\\=b", "list": ["|"]} cs2Label=detail`);
  });

  test('5: non-ASCII passes unescaped', () => {
    const encode = cef([{ key: 'dvchost', from: 'edgeName' }]);
    assert.equal(encode({ ...STANDARD_EVENT, edgeName: 'Zürich-Édge-東京' }), `${PREFIX}EDGE_DOWN|Edge down|9|dvchost=Zürich-Édge-東京`);
  });

  test('6: long msg cut to 1023 characters before escaping', () => {
    const encode = cef(MSG);
    const out = encode(at('é'.repeat(1100)));
    assert.equal(out, `${PREFIX}EDGE_DOWN|Edge down|9|msg=${'é'.repeat(1023)}`);
    assert.equal(Buffer.byteLength(out.slice(out.indexOf('msg=') + 4)), 2046);
    // The cut keeps the backslash, escaping then doubles it: never a dangling backslash.
    assert.equal(encode(at(`${'a'.repeat(1022)}\\${'b'.repeat(50)}`)), `${PREFIX}EDGE_DOWN|Edge down|9|msg=${'a'.repeat(1022)}\\\\`);
    // A surrogate pair straddling the limit is dropped whole.
    assert.equal(encode(at(`${'a'.repeat(1022)}😀b`)), `${PREFIX}EDGE_DOWN|Edge down|9|msg=${'a'.repeat(1022)}`);
  });

  test('7: severity EMERGENCY 10 ... DEBUG 0', () => {
    const encode = cef([]);
    const expected = { EMERGENCY: 10, ALERT: 9, CRITICAL: 8, ERROR: 7, WARNING: 5, NOTICE: 3, INFO: 1, DEBUG: 0 };
    for (const [severity, cefSeverity] of Object.entries(expected)) {
      assert.equal(encode({ ...STANDARD_EVENT, severity }), `${PREFIX}EDGE_DOWN|Edge down|${cefSeverity}|`, severity);
    }
  });

  test('8: full syslog-wrapped event with the reduced field set, 228 bytes', () => {
    const fields: Fields = [
      { key: 'rt', from: 'eventTime', as: 'epochMs' }, { key: 'externalId', from: 'eventId' }, { key: 'cat', from: 'cefCategory' },
      { key: 'msg', from: 'message' }, { key: 'dvchost', from: 'edgeName' }, { key: 'cs1', label: 'segmentName', from: 'segmentName' },
    ];
    const out = createEncoder(vectorOptions('cef', { cef: { fields } }))(STANDARD_EVENT);
    assert.equal(out, '<129>May  1 12:34:56 vco.example.net CEF:0|VMware|VeloCloud Orchestrator|5.2.0|EDGE_DOWN|Edge down|9|rt=1714566896789 externalId=1109553 cat=EDGE msg=Edge b1-edge1 is down dvchost=b1-edge1 cs1Label=segmentName cs1=Global Segment');
    assert.equal(Buffer.byteLength(out), 228);
  });
});

describe('CEF with the default mapping', () => {
  test('standard event: every mapped field, detail lifted, rest in cs2', () => {
    const out = createEncoder(vectorOptions('cef'))(STANDARD_EVENT, { enterpriseName: 'ACME Co.' });
    assert.equal(out, '<129>May  1 12:34:56 vco.example.net CEF:0|VMware|VeloCloud Orchestrator|5.2.0|EDGE_DOWN|Edge down|9|rt=1714566896789 externalId=1109553 cat=EDGE msg=Edge b1-edge1 is down suser=admin@example.com dvchost=b1-edge1 cs1Label=segmentName cs1=Global Segment cs3Label=enterpriseName cs3=ACME Co. cs2Label=detail cs2={"edgeName":"b1-edge1","state":"PENDING"}');
  });

  test('RFC 5424 syslog header option', () => {
    const out = createEncoder(vectorOptions('cef', {}, { cefSyslogHeader: 'rfc5424' }))(STANDARD_EVENT);
    assert.ok(out.startsWith('<129>1 2024-05-01T12:34:56.789Z vco.example.net velocloud - EDGE_DOWN - CEF:0|VMware|'), out);
  });

  test('values are trimmed, empty values and their labels are omitted, no trailing space', () => {
    const out = createEncoder(vectorOptions('cef', {}, { cefSyslogHeader: 'none' }))({ ...STANDARD_EVENT, message: '  spaced  ', segmentName: '   ', detail: null });
    assert.match(out, / msg=spaced suser=/);
    assert.doesNotMatch(out, /cs1|cs2/);
    assert.doesNotMatch(out, / $/);
  });

  test('externalId: a logicalId that fits 40 characters, omitted (never cut) when longer; cs6 keeps it whole', () => {
    const encode = createEncoder(vectorOptions('cef', {}, { cefSyslogHeader: 'none' }));
    const uuid = '6f1c7a0e-5d1b-4a4b-9a53-2d0e8d2c8f11';
    const { id: _id, ...noId } = STANDARD_EVENT;
    assert.match(encode({ ...noId, logicalId: uuid }), new RegExp(`externalId=${uuid} .* cs6Label=eventLogicalId cs6=${uuid}`));
    const long = 'x'.repeat(41);
    const out = encode({ ...noId, logicalId: long });
    assert.doesNotMatch(out, /externalId=/);
    assert.match(out, new RegExp(`cs6=${long}`));
  });

  test('a field read from an event key that Object.prototype also has: only the event\'s own value counts', () => {
    const encode = cef([{ key: 'cs4', label: 'ctor', from: 'constructor' }, { key: 'cs5', label: 'proto', from: '__proto__' }, ...MSG]);
    assert.equal(encode(at('m')), `${PREFIX}EDGE_DOWN|Edge down|9|msg=m`);
    const own = JSON.parse('{"constructor":"c1","__proto__":"p1","message":"m"}') as VcoEvent;
    assert.equal(encode(own), `${PREFIX}UNKNOWN|Unknown event|3|cs4Label=ctor cs4=c1 cs5Label=proto cs5=p1 msg=m`);
  });

  test('labels after their values: every labelled pair, lifted ones too, keeps one space between pairs', () => {
    const fields: Fields = [{ key: 'cs1', label: 'segmentName', from: 'segmentName' }, { from: 'detailFields' }, { key: 'cs2', label: 'detail', from: 'detailRest' }];
    const event: VcoEvent = { ...STANDARD_EVENT, detail: '{"logicalInterface":"GE3","physicalInterface":"ge-0/0/3","state":"DOWN"}' };
    const after = cef(fields, { cef: { labelPosition: 'after', fields } })(event);
    assert.equal(after, `${PREFIX}EDGE_DOWN|Edge down|9|cs1=Global Segment cs1Label=segmentName cs4=GE3 cs4Label=interface cs5=ge-0/0/3 cs5Label=physicalInterface cs2={"state":"DOWN"} cs2Label=detail`);
    const before = cef(fields)(event);
    assert.equal(before, `${PREFIX}EDGE_DOWN|Edge down|9|cs1Label=segmentName cs1=Global Segment cs4Label=interface cs4=GE3 cs5Label=physicalInterface cs5=ge-0/0/3 cs2Label=detail cs2={"state":"DOWN"}`);
  });

  test('numbers skip the escape, but `as: epochMs` on the detail\'s rest does not make its text a number', () => {
    const encode = cef([...MSG, { key: 'cs6', label: 'rest', from: 'detailRest', as: 'epochMs' }]);
    assert.equal(encode({ ...at('m'), detail: ' a=b\\c\nX=evil ' }), `${PREFIX}EDGE_DOWN|Edge down|9|msg=m cs6Label=rest cs6=a\\=b\\\\c\\nX\\=evil`);
    const times = cef([{ key: 'rt', from: 'eventTime', as: 'epochMs' }, { key: 'cn1', label: 'sev', from: 'cefSeverity' }]);
    assert.equal(times({ ...STANDARD_EVENT, eventTime: '1960-01-01T00:00:00.000Z' }), `${PREFIX}EDGE_DOWN|Edge down|9|rt=-315619200000 cn1Label=sev cn1=9`);
  });

  test('rt is the instant the header tells, also for a time sent as a JSON number', () => {
    const fields: Fields = [{ key: 'rt', from: 'eventTime', as: 'epochMs' }];
    const withHeader = createEncoder(vectorOptions('cef', { cef: { fields } }, { cefSyslogHeader: 'rfc5424' }));
    for (const eventTime of [12345.5, 1714566896789, '1714566896789', '2024-05-01T12:34:56.789Z']) {
      const out = withHeader({ ...STANDARD_EVENT, eventTime } as VcoEvent);
      const header = /^<\d+>1 (\S+) /.exec(out)![1]!;
      assert.equal(out.slice(out.indexOf('rt=') + 3), String(Date.parse(header) + (eventTime === 12345.5 ? 0.5 : 0)), `${eventTime}: ${out}`);
    }
  });

  test('user overrides: per-event CEF severity and category', () => {
    const encode = createEncoder(vectorOptions('cef', { events: { EDGE_DOWN: { cefSeverity: 10, cefCategory: '/Monitor/Edge/Down' } } }, { cefSyslogHeader: 'none' }));
    assert.match(encode(STANDARD_EVENT), /\|Edge down\|10\|rt=1714566896789 externalId=1109553 cat=\/Monitor\/Edge\/Down msg=/);
  });
});

describe('CEF with hostile or unusual details and keys', () => {
  const LIFT_AND_REST: Fields = [{ from: 'detailFields' }, { key: 'cs2', label: 'detail', from: 'detailRest' }];

  test('the detail rest keeps large integers and number forms as the VCO wrote them', () => {
    const detail = '{"client_ipv4addr":"10.0.0.1","flowId":12345678901234567890,"ratio":1.0}';
    const out = cef(LIFT_AND_REST)({ ...STANDARD_EVENT, detail });
    assert.equal(out, `${PREFIX}EDGE_DOWN|Edge down|9|src=10.0.0.1 cs2Label=detail cs2={"flowId":12345678901234567890,"ratio":1.0}`);
  });

  test('a detail nested deeper than JSON.stringify can follow is still sent, the lifted key out of it', () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const out = cef(LIFT_AND_REST)({ ...STANDARD_EVENT, detail: `{"client_ipv4addr":"10.0.0.1","x":${deep}}` });
    const rest = `{"x":${deep}}`.slice(0, 4000); // cs2 holds at most 4000 characters
    assert.equal(out, `${PREFIX}EDGE_DOWN|Edge down|9|src=10.0.0.1 cs2Label=detail cs2=${rest}`);
  });

  test('a field key that Object.prototype also has (toString) gets the default 1023 limit', () => {
    const out = cef([{ key: 'toString', from: 'message' }])(at('m'.repeat(2000)));
    assert.equal(out, `${PREFIX}EDGE_DOWN|Edge down|9|toString=${'m'.repeat(1023)}`);
  });
});
