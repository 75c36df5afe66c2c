/**
 * Property-based round trips: random strings full of the characters that break each format go through
 * our encoder and back through an independent parser written here (not our escaping code), and come
 * out as the original value (after the documented trimming / replacement rules).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { VcoEvent } from '../src/event.js';
import { STANDARD_EVENT, vectorOptions } from '../src/map/fixtures.js';
import { createEncoder, FORMATS } from '../src/map/index.js';

const RUNS = { numRuns: 150, seed: 20240501 };

const nasty = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('|', '\\', '=', '\n', '\r', '\r\n', '"', ']', '[', '\t', ' ', '^', 'é', '東', '😀', '\\n', '\\=', 'k=v') },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''));

// ---- independent parsers -------------------------------------------------------------------------

/** CEF: 7 header fields split on unescaped '|', then the extension key=value pairs unescaped. */
function parseCef(line: string): { header: string[]; ext: Map<string, string> } {
  const start = line.indexOf('CEF:');
  const header: string[] = [];
  let i = start + 4;
  let field = '';
  while (header.length < 7) {
    const ch = line[i]!;
    if (ch === '\\' && (line[i + 1] === '\\' || line[i + 1] === '|')) { field += line[i + 1]; i += 2; continue; }
    if (ch === '|') { header.push(field); field = ''; i++; continue; }
    field += ch; i++;
  }
  const ext = new Map<string, string>();
  const body = line.slice(i);
  // Every '=' inside a value is escaped, so a key starts exactly where a word at the beginning or after
  // a space is followed by a bare '='.
  const starts: { key: string; at: number; valueAt: number }[] = [];
  const keyPattern = /(?:^| )([A-Za-z0-9]+)=/g;
  for (let m = keyPattern.exec(body); m; m = keyPattern.exec(body)) {
    const at = m.index + (m[0].startsWith(' ') ? 1 : 0);
    starts.push({ key: m[1]!, at, valueAt: at + m[1]!.length + 1 });
  }
  starts.forEach((s, n) => {
    const end = n + 1 < starts.length ? starts[n + 1]!.at - 1 : body.length;
    assert.equal(ext.has(s.key), false, `duplicate key ${s.key}`);
    ext.set(s.key, unescapeCef(body.slice(s.valueAt, end)));
  });
  return { header, ext };
}

function unescapeCef(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch !== '\\') { out += ch; continue; }
    const next = raw[++i];
    if (next === '\\' || next === '=') out += next;
    else if (next === 'n') out += '\n';
    else if (next === 'r') out += '\r';
    else throw new Error(`illegal CEF escape \\${next} in ${JSON.stringify(raw)}`);
  }
  return out;
}

/** RFC 5424: six header tokens, one SD element with unescaped params, then the MSG. */
function parse5424(line: string): { header: string[]; sd: Map<string, string>; msg: string | undefined } {
  const header = line.split(' ', 6);
  let i = header.join(' ').length + 1;
  const sd = new Map<string, string>();
  if (line[i] === '-') i++;
  else {
    assert.equal(line[i], '[');
    i = line.indexOf(' ', i);
    while (line[i] === ' ') {
      const eq = line.indexOf('="', i);
      const name = line.slice(i + 1, eq);
      let value = '';
      i = eq + 2;
      for (;;) {
        const ch = line[i]!;
        if (ch === '\\' && ['"', '\\', ']'].includes(line[i + 1]!)) { value += line[i + 1]; i += 2; continue; }
        if (ch === '"') { i++; break; }
        value += ch; i++;
      }
      sd.set(name, value);
    }
    assert.equal(line[i], ']');
    i++;
  }
  return { header, sd, msg: i < line.length ? line.slice(i + 1) : undefined };
}

const trim = (s: string): string => s.replace(/^[ \t]+|[ \t]+$/g, '');
const lineSafe = (s: string): string => s.replace(/\r/g, '\\r').replace(/\n/g, '\\n');

function nastyEvent(name: string, msg: string, edge: string, seg: string): VcoEvent {
  return { ...STANDARD_EVENT, event: name, message: msg, edgeName: edge, segmentName: seg, detail: seg };
}

describe('round trips through independent parsers', () => {
  test('CEF: header fields and extension values', () => {
    const encode = createEncoder(vectorOptions('cef', {}, { cefSyslogHeader: 'none' }));
    fc.assert(fc.property(nasty, nasty, nasty, nasty, (name, msg, edge, seg) => {
      const out = encode(nastyEvent(name, msg, edge, seg));
      assert.doesNotMatch(out, /[\r\n]/);
      assert.doesNotMatch(out, / $/);
      const { header, ext } = parseCef(out);
      assert.equal(header[4], name.replace(/[\r\n]/g, ' ').slice(0, 1023) || 'UNKNOWN');
      const expect = (key: string, value: string) => {
        const t = trim(value);
        if (t === '') assert.equal(ext.has(key), false, key);
        else assert.equal(ext.get(key), t, key);
      };
      expect('msg', msg);
      expect('cs1', seg);
      expect('cs2', seg);
      if (trim(edge).length <= 100) expect('dvchost', edge);
    }), RUNS);
  });

  test('LEEF 1.0 and 2.0: attributes split on the delimiter', () => {
    for (const [version, delimiter] of [['1.0', '\t'], ['2.0', '^'], ['2.0', '~']] as const) {
      const encode = createEncoder(vectorOptions('leef', {}, { leefSyslogHeader: 'none', leefVersion: version, leefDelimiter: version === '2.0' ? delimiter : undefined }));
      fc.assert(fc.property(nasty, nasty, nasty, (name, msg, edge) => {
        const out = encode(nastyEvent(name, msg, edge, 'seg'));
        assert.doesNotMatch(out, /[\r\n]/);
        const headerCount = version === '1.0' ? 5 : 6;
        let at = 0;
        for (let n = 0; n < headerCount; n++) at = out.indexOf('|', at) + 1;
        const attrs = new Map(out.slice(at).split(delimiter).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
        const leefValue = (s: string) => s.replace(/\r\n|\r|\n/g, ' ').split(delimiter).join(' ');
        if (msg !== '') assert.equal(attrs.get('msg'), leefValue(msg));
        if (edge !== '') assert.equal(attrs.get('vSrcName'), leefValue(edge).slice(0, 255).replace(/[\ud800-\udbff]$/, ''));
        assert.equal(attrs.get('segmentName'), 'seg');
      }), RUNS);
    }
  });

  test('RFC 5424: SD params and MSG (octet framing keeps CR/LF, lineSafe neutralises them)', () => {
    for (const safe of [false, true]) {
      const encode = createEncoder(vectorOptions('rfc5424', {}, { lineSafe: safe }));
      fc.assert(fc.property(nasty, nasty, nasty, nasty, (name, msg, edge, seg) => {
        const out = encode(nastyEvent(name, msg, edge, seg));
        const { header, sd, msg: parsedMsg } = parse5424(out);
        for (const h of header.slice(1)) assert.match(h, /^[\x21-\x7e]+$/);
        assert.ok(header[5]!.length <= 32);
        const expect = safe ? lineSafe : (s: string) => s;
        if (edge !== '') assert.equal(sd.get('edgeName'), expect(edge));
        if (seg !== '') assert.equal(sd.get('segmentName'), expect(seg));
        if (name !== '' && header[5] !== name) assert.equal(sd.get('event'), expect(name));
        assert.equal(parsedMsg, msg === '' ? undefined : expect(msg));
        if (safe) assert.doesNotMatch(out, /[\r\n]/);
      }), RUNS);
    }
  });

  test('RFC 3164: header intact, MSG recovered, at most 1024 bytes', () => {
    const encode = createEncoder(vectorOptions('rfc3164', {}, { hostname: 'vco', lineSafe: true }));
    fc.assert(fc.property(nasty, nasty, (name, msg) => {
      const out = encode(nastyEvent(name, msg, 'e', 's'));
      assert.ok(Buffer.byteLength(out) <= 1024);
      assert.doesNotMatch(out, /[\r\n]/);
      const m = /^<(\d+)>([A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d) vco velocloud\[1109553\]: (.*)$/s.exec(out);
      assert.ok(m, out);
      assert.equal(m[3], lineSafe(msg === '' ? m[3]! : msg));
    }), RUNS);
  });

  test('JSON: MSG parses back to the event', () => {
    const encode = createEncoder(vectorOptions('json', {}, { lineSafe: true }));
    fc.assert(fc.property(nasty, nasty, (name, msg) => {
      const event = nastyEvent(name, msg, 'e', 's');
      const out = encode(event);
      assert.doesNotMatch(out, /[\r\n]/);
      assert.deepEqual(JSON.parse(out.slice(out.indexOf(' - {') + 3)), JSON.parse(JSON.stringify(event)));
    }), RUNS);
  });
});

describe('robustness', () => {
  const anyValue = fc.oneof(nasty, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(nasty, { maxLength: 2 }), fc.dictionary(nasty, nasty, { maxKeys: 2 }));
  const anyEvent = fc.record(
    {
      id: fc.oneof(fc.integer(), nasty, fc.constant(Number.NaN)), logicalId: anyValue, eventTime: fc.oneof(nasty, fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'bad' : d.toISOString())), anyValue),
      event: anyValue, category: anyValue, severity: fc.oneof(fc.constantFrom('ALERT', 'INFO', 'BOGUS'), anyValue), message: anyValue,
      detail: fc.oneof(nasty, fc.dictionary(nasty, anyValue).map((o) => JSON.stringify(o)), fc.array(anyValue).map((a) => JSON.stringify(a)), anyValue),
      enterpriseUsername: anyValue, edgeName: anyValue, segmentName: anyValue, created: anyValue, enterpriseName: anyValue,
    },
    { requiredKeys: [] },
  );

  test('any event, in every format, with lineSafe: never throws, never a raw CR or LF', () => {
    for (const format of FORMATS) {
      const encode = createEncoder(vectorOptions(format, {}, { lineSafe: true }));
      fc.assert(fc.property(anyEvent, nasty, (event, enterpriseName) => {
        const out = encode(event as VcoEvent, { enterpriseName });
        assert.equal(typeof out, 'string');
        assert.doesNotMatch(out, /[\r\n]/, format);
      }), { numRuns: 100, seed: 7 });
    }
  });
});
