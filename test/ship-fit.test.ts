/**
 * Messages over the size limit are made to FIT (src/ship/fit.ts), never cut blindly: the reviewer's three
 * repros end to end over real sockets, and a property test over every format. The parsers below are strict
 * and escape-aware, written independently of the encoders: a shortened message must still be well formed.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { VcoEvent } from '../src/event.js';
import { FORMATS, createEncoder, loadMapping, type Format, type Mapping } from '../src/map/index.js';
import { makeDestination, type DestinationInput } from '../src/ship/destination.js';
import { fittingEncoder } from '../src/ship/fit.js';
import { forwardEnterprise } from '../src/ship/forwarder.js';
import { startStreamReceiver, startUdpReceiver } from './support/receivers.js';
import { testPki } from './support/tls-certs.js';
import { forwardingFixture } from './support/enterprise-log.js';


const EVENT: VcoEvent = {
  id: 1109553,
  eventTime: '2024-05-01T12:34:56.789Z',
  event: 'EDGE_DOWN',
  category: 'EDGE',
  severity: 'ALERT',
  message: 'Edge b1-edge1 is down',
  edgeName: 'b1-edge1',
};

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

describe('oversize events fit the limit, end to end', () => {
  const fixture = forwardingFixture('fit');

  const { enterpriseWith } = fixture;

  const destination = (port: number, extra: Pick<DestinationInput, 'protocol' | 'format'> & Partial<DestinationInput>) =>
    makeDestination({ name: 'siem', host: '127.0.0.1', port, connectTimeoutMs: 2000, encoder: { hostname: 'vco.example.net' }, ...extra });

  const forward = (dir: string, dest: ReturnType<typeof destination>) =>
    forwardEnterprise({ enterpriseDir: dir, enterpriseName: 'ACME', destination: dest, mapping: fixture.mapping });

  test('CEF over TCP (4096): a backslash-heavy JSON detail ends in no dangling escape', async () => {
    const detail = `{"path":"${'C:\\\\'.repeat(1500)}"}`; // JSON text: C:\\ per repetition, one backslash each
    const big = { ...EVENT, detail };
    const dir = await enterpriseWith([big, { ...EVENT, id: 2 }]);
    const receiver = await startStreamReceiver({ framing: 'lf' });
    try {
      const dest = destination(receiver.port, { protocol: 'tcp', format: 'cef' });
      assert.equal(dest.maxMessageBytes, 4096);
      assert.ok(utf8Bytes(createEncoder({ format: 'cef', mapping: fixture.mapping, hostname: 'vco.example.net', lineSafe: true })(big)) > 6000, 'the repro is oversize');
      const summary = await forward(dir, dest);
      assert.deepEqual([summary.sent, summary.truncated, summary.pending], [2, 1, 0]);
      await receiver.waitFor(() => receiver.frames.length === 2);
      const frame = receiver.frames[0]!;
      assert.ok(utf8Bytes(frame) <= 4096, `${utf8Bytes(frame)} bytes`);
      const { header, extension } = parseCef(frame); // throws on a dangling or invalid escape
      assert.equal(header[4], 'EDGE_DOWN');
      assert.equal(extension.get('externalId'), '1109553');
      assert.equal(extension.get('cs2Label'), 'detail');
      assert.equal(extension.get('msg'), 'Edge b1-edge1 is down', 'the message survives: only the detail was shortened');
      const shortened = extension.get('cs2')!;
      assert.ok(shortened.length > 1000 && detail.startsWith(shortened), 'cs2 is a prefix of the raw detail');
    } finally {
      await receiver.close();
    }
  });

  test('RFC 5424 over UDP (1472): a 2000-character detail keeps the SD closed and the MSG', async () => {
    const detail = `{"note":"${'a]"\\\\'.repeat(400)}"}`;
    assert.equal(detail.length, 2011);
    const dir = await enterpriseWith([{ ...EVENT, detail }]);
    const receiver = await startUdpReceiver();
    try {
      const summary = await forward(dir, destination(receiver.port, { protocol: 'udp', format: 'rfc5424' }));
      assert.deepEqual([summary.sent, summary.truncated], [1, 1]);
      await receiver.waitForCount(1);
      const datagram = receiver.datagrams[0]!;
      assert.ok(datagram.length <= 1472, `${datagram.length} bytes`);
      const { params, msg } = parseRfc5424(datagram.toString('utf8')); // throws unless the SD closes with ]
      assert.equal(msg, 'Edge b1-edge1 is down');
      assert.equal(params.get('eventId'), '1109553');
      const shortened = [...params.values()].find((v) => v.startsWith('{"note"'))!;
      assert.ok(shortened.length > 500 && detail.startsWith(shortened), 'the detail param is a prefix of the raw detail');
    } finally {
      await receiver.close();
    }
  });

  test('JSON over TLS (8192): a 9000-character detail leaves MSG valid JSON', async () => {
    const pki = await testPki();
    const detail = 'x"\\\u00e9'.repeat(2250);
    assert.equal(detail.length, 9000);
    const dir = await enterpriseWith([{ ...EVENT, detail }, { ...EVENT, id: 2 }]);
    const receiver = await startStreamReceiver({ framing: 'octet', tls: { cert: pki.serverCert, key: pki.serverKey } });
    try {
      const dest = destination(receiver.port, { protocol: 'tls', format: 'json', tls: { ca: pki.caCertFile } });
      assert.equal(dest.maxMessageBytes, 8192);
      const summary = await forward(dir, dest);
      assert.deepEqual([summary.sent, summary.truncated], [2, 1]);
      await receiver.waitFor(() => receiver.frames.length === 2);
      const frame = receiver.frames[0]!;
      assert.ok(utf8Bytes(frame) <= 8192, `${utf8Bytes(frame)} bytes`);
      const { msg } = parseRfc5424(frame);
      const body = JSON.parse(msg!) as VcoEvent;
      assert.deepEqual({ ...body, detail: undefined }, { ...EVENT, detail: undefined, enterpriseName: 'ACME' });
      assert.ok(typeof body.detail === 'string' && body.detail.length > 2000 && detail.startsWith(body.detail));
      assert.equal((JSON.parse(parseRfc5424(receiver.frames[1]!).msg!) as VcoEvent).id, 2);
    } finally {
      await receiver.close();
    }
  });
});

describe('fittingEncoder (property)', () => {
  let mapping: Mapping;
  before(async () => {
    mapping = await loadMapping();
  });

  /** Text that stresses every escaping rule: backslashes, quotes, brackets, =, |, CR/LF, tabs, non-ASCII. */
  const nasty = (maxLength: number) =>
    fc.string({ unit: fc.constantFrom('a', ' ', '\\', '"', ']', '[', '=', '|', '\n', '\r', '\t', '^', 'é', '東', '😀', '{', '}'), maxLength });
  const detail = fc.oneof(
    fc.constant(null),
    nasty(3000),
    fc.dictionary(fc.constantFrom('path', 'reason', 'ip', 'interface', 'note'), nasty(1500)).map((o) => JSON.stringify(o)),
  );
  const event = fc.record(
    {
      id: fc.integer({ min: 1, max: 2 ** 40 }),
      eventTime: fc.constant('2024-05-01T12:34:56.789Z'),
      event: fc.constantFrom('EDGE_DOWN', 'EDGE_UP', 'SOMETHING_NOT_IN_THE_CATALOGUE_WITH_A_LONG_NAME_OVER_32'),
      category: fc.constantFrom('EDGE', 'SYSTEM'),
      severity: fc.constantFrom('ALERT', 'INFO', 'ERROR'),
      message: nasty(3000),
      detail,
      edgeName: nasty(600),
      enterpriseUsername: nasty(300),
      extra: nasty(1200),
    },
    { requiredKeys: ['id', 'event'] },
  );

  /** Parses as its format, or throws. */
  const wellFormed = (format: Format, message: string): void => {
    if (format === 'cef') parseCef(message);
    else if (format === 'rfc5424') parseRfc5424(message);
    else if (format === 'json') JSON.parse(parseRfc5424(message).msg!);
    else if (format === 'leef') assert.match(message, /LEEF:1\.0\|[^|]*\|[^|]*\|[^|]*\|[^|]*\|/);
    else assert.match(message, /^<\d+>\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ \S+(\[\d+\])?: /);
  };

  test('a name or category longer than any real one is shortened rather than the header cut', () => {
    const hostile: VcoEvent = { id: 7, eventTime: '2024-05-01T12:34:56.789Z', event: `${'E'.repeat(300)}${'|'.repeat(600)}`, category: 'C'.repeat(5000), severity: 'ALERT', message: 'short' };
    for (const format of FORMATS) {
      const encode = createEncoder({ format, mapping, hostname: 'vco.example.net', lineSafe: true });
      const { message } = fittingEncoder(encode, format, 1472)(hostile);
      assert.ok(utf8Bytes(message) <= 1472, `${format}: ${utf8Bytes(message)} bytes`);
      wellFormed(format, message);
      if (format === 'cef') {
        const classId = parseCef(message).header[4]!;
        assert.ok(classId.length >= 300 && `${'E'.repeat(300)}${'\\|'.repeat(600)}`.startsWith(classId), 'the class id is the name, shortened');
      }
    }
  });

  test('every format fits any limit down to 480 bytes and still parses', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FORMATS), fc.boolean(), fc.integer({ min: 480, max: 4096 }), event, (format, lineSafe, max, e) => {
        // A fixed clock: an event without eventTime takes the time of encoding, which may tick between the two encodes.
        const encode = createEncoder({ format, mapping, hostname: 'vco.example.net', lineSafe, now: () => Date.UTC(2024, 4, 1, 23, 59, 59) });
        const whole = encode(e);
        const { message, truncated } = fittingEncoder(encode, format, max)(e);
        assert.ok(utf8Bytes(message) <= max, `${utf8Bytes(message)} > ${max}`);
        assert.equal(truncated, utf8Bytes(whole) > max);
        if (!truncated) assert.equal(message, whole);
        wellFormed(format, message);
      }),
      { numRuns: 400 },
    );
  });
});

/** CEF: the seven header fields (escapes kept) and the extension pairs (unescaped). */
export function parseCef(message: string): { header: string[]; extension: Map<string, string> } {
  const start = message.indexOf('CEF:0|');
  if (start === -1) throw new Error('no CEF:0| in the message');
  const header: string[] = [];
  let field = '';
  let at = start;
  while (header.length < 7) {
    if (at >= message.length) throw new Error(`CEF header has ${header.length} of 7 fields`);
    const ch = message[at]!;
    if (ch === '\\') {
      const next = message[at + 1];
      if (next !== '\\' && next !== '|') throw new Error(`invalid CEF header escape \\${next ?? '(end)'} at ${at}`);
      field += ch + next;
      at += 2;
      continue;
    }
    if (ch === '|') {
      header.push(field);
      field = '';
    } else field += ch;
    at++;
  }
  return { header, extension: parseCefExtension(message.slice(at)) };
}

const CEF_ESCAPES: Record<string, string> = { '\\': '\\', '=': '=', n: '\n', r: '\r' };

/** `key=value key=value`: a value runs to the next ` key=`; `\\ \= \n \r` are the only escapes. */
export function parseCefExtension(extension: string): Map<string, string> {
  const pairs = new Map<string, string>();
  if (extension === '') return pairs;
  let key: string | undefined;
  let token = '';
  for (let at = 0; at < extension.length; at++) {
    const ch = extension[at]!;
    if (ch === '\\') {
      const next = extension[at + 1];
      if (next === undefined) throw new Error('CEF extension ends in a dangling backslash');
      const unescaped = CEF_ESCAPES[next];
      if (unescaped === undefined) throw new Error(`invalid CEF escape \\${next} at ${at}`);
      token += unescaped;
      at++;
    } else if (ch === '=') {
      // An unescaped '=' ends a key: the key is the last word of what came before.
      const space = token.lastIndexOf(' ');
      const newKey = token.slice(space + 1);
      if (!/^[A-Za-z0-9_]+$/.test(newKey)) throw new Error(`bad CEF key ${JSON.stringify(newKey)}`);
      if (key !== undefined) pairs.set(key, token.slice(0, Math.max(space, 0)));
      else if (space !== -1) throw new Error(`text before the first CEF key: ${JSON.stringify(token.slice(0, space))}`);
      key = newKey;
      token = '';
    } else token += ch;
  }
  if (key === undefined) throw new Error('CEF extension without a key');
  pairs.set(key, token);
  return pairs;
}

/** RFC 5424: the structured-data params (unescaped) and MSG (without BOM), or throws when the SD is broken. */
export function parseRfc5424(message: string): { params: Map<string, string>; msg: string | undefined } {
  const header = /^<\d{1,3}>1 \S+ \S+ \S+ \S+ \S+ /.exec(message);
  if (header === null) throw new Error(`no RFC 5424 header: ${message.slice(0, 80)}`);
  let at = header[0].length;
  const params = new Map<string, string>();
  if (message[at] === '-') at++;
  else {
    while (message[at] === '[') {
      const id = /^\[([^ \]=]+)/.exec(message.slice(at));
      if (id === null) throw new Error('bad SD-ID');
      at += id[0].length;
      while (message[at] === ' ') {
        const name = /^ ([^ ="\]]+)="/.exec(message.slice(at));
        if (name === null) throw new Error(`bad SD-PARAM at ${at}`);
        at += name[0].length;
        let value = '';
        for (;;) {
          const ch = message[at];
          if (ch === undefined) throw new Error('SD-PARAM value not closed');
          if (ch === '\\' && (message[at + 1] === '"' || message[at + 1] === '\\' || message[at + 1] === ']')) {
            value += message[at + 1];
            at += 2;
          } else if (ch === '"') {
            at++;
            break;
          } else if (ch === ']') throw new Error(`unescaped ] in SD-PARAM ${name[1]}`);
          else {
            value += ch;
            at++;
          }
        }
        params.set(name[1]!, value);
      }
      if (message[at] !== ']') throw new Error(`SD element not closed with ] at ${at}`);
      at++;
    }
  }
  if (at === message.length) return { params, msg: undefined };
  if (message[at] !== ' ') throw new Error(`no space before MSG at ${at}`);
  return { params, msg: message.slice(at + 1).replace(/^\ufeff/, '') };
}
