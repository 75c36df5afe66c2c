import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { eventKey, isRecord, parseVcoTime, type VcoEvent } from '../event.js';
import { keyText } from '../store/seen-ids.js';
import { EventBatch, parseEventsReply as parseReplyBytes } from './event-text.js';

/** parseEventsReply of a body given as text. */
const parseEventsReply = (text: string, path: readonly string[]): unknown => parseReplyBytes(Buffer.from(text, 'utf8'), path);

type Json = null | boolean | number | string | Json[] | { entries: [string, Json][] };

/** Deterministic choices for one rendering, from the property's seed. */
function chooser(seed: number): (p: number) => boolean {
  let state = seed >>> 0 || 1;
  return (p) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32 < p;
  };
}

const hex4 = (unit: number, upper: boolean): string => `\\u${upper ? unit.toString(16).padStart(4, '0').toUpperCase() : unit.toString(16).padStart(4, '0')}`;

/** Valid JSON for a string, now and then with escapes JSON.stringify would not write (\/, \u of any character, upper-case hex). */
function renderString(s: string, odd: (p: number) => boolean): string {
  let out = '"';
  for (const char of s) {
    if (!odd(0.03)) out += JSON.stringify(char).slice(1, -1);
    else if (char === '/') out += '\\/';
    else for (let i = 0; i < char.length; i++) out += hex4(char.charCodeAt(i), odd(0.5));
  }
  return `${out}"`;
}

function renderNumber(n: number, odd: (p: number) => boolean): string {
  const text = JSON.stringify(n);
  if (!odd(0.05)) return text;
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return odd(0.5) ? `${text}.0` : `${text}e0`;
  return text.replace('e+', 'E');
}

/** JSON text of a value: JSON.stringify's form most of the time, with odd spacing, escapes and numbers now and then. */
function render(value: Json, odd: (p: number) => boolean): string {
  const space = (): string => (odd(0.01) ? (odd(0.5) ? ' ' : odd(0.5) ? '\n' : '\t') : '');
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') return renderNumber(value, odd);
  if (typeof value === 'string') return renderString(value, odd);
  if (Array.isArray(value)) return `[${space()}${value.map((v) => `${render(v, odd)}${space()}`).join(`,${space()}`)}]`;
  const members = value.entries.map(([k, v]) => `${space()}${renderString(k, odd)}${space()}:${space()}${render(v, odd)}${space()}`);
  return `{${members.join(',')}}`;
}

const scalar = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('/path', 'tab\there', 'quote " and \\ back', '\u0000\u001f\u007f\u2028', 'é😀', '\ud800 lone', '{"json":"in a string"}', ''),
  fc.integer(),
  fc.constantFrom(0, -0, 1.5, 1e21, 2 ** 53 + 2, 123456789012345, 1234567890123456, -7, 0.1),
  fc.boolean(),
  fc.constant(null),
);
const eventTime = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('2021-10-23T06:48:57.000Z', '2025-11-03T21:02:42.831369', 'not a time', '', '1500000000000', '2021-10-23T06:48:\\57') },
  { weight: 1, arbitrary: scalar },
);
/** Field values as the VCO writes them, mostly. */
const typical = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom('tab\there', 'quote " and \\ back', '\u0000\u001f\u007f\u2028', 'é😀', '{"json":"in a string"}') },
  { weight: 1, arbitrary: scalar },
);
const nested = fc.oneof(fc.array(scalar, { maxLength: 2 }), fc.array(fc.tuple(fc.string({ maxLength: 3 }), scalar), { maxLength: 2 }).map((entries) => ({ entries })));
const REST_KEYS = ['event', 'category', 'severity', 'message', 'detail', 'enterpriseUsername', 'edgeName', 'segmentName'];

/** Events in the VCO's shapes (numeric id or logicalId first), now and then with a key dropped, doubled, added or a nested value. */
const vcoShaped = fc
  .tuple(
    fc.oneof(
      fc.tuple(fc.constant('id'), fc.oneof({ weight: 4, arbitrary: fc.integer() }, { weight: 1, arbitrary: scalar })),
      fc.tuple(fc.constant('logicalId'), fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 8 }) }, { weight: 1, arbitrary: scalar })),
    ),
    eventTime,
    fc.array(typical, { minLength: 12, maxLength: 12 }),
    fc.constantFrom('none', 'none', 'none', 'none', 'drop', 'double', 'extra', 'nested', 'digitKey'),
    fc.nat(11),
  )
  .map(([[idKey, id], time, values, change, at]): Json => {
    const keys = idKey === 'id' ? REST_KEYS : [...REST_KEYS, 'created', 'enterpriseName'];
    const entries: [string, Json][] = [[idKey, id], ['eventTime', time], ...keys.map((k, i): [string, Json] => [k, values[i]!])];
    const k = at % entries.length;
    if (change === 'drop') entries.splice(k, 1);
    if (change === 'double') entries.push([entries[k]![0], values[0]!]);
    if (change === 'extra') entries.splice(k, 0, ['extra', values[1]!]);
    if (change === 'nested') entries[k] = [entries[k]![0], { entries: [['x', values[2]!]] }];
    if (change === 'digitKey') entries.splice(k, 0, ['7', 1]);
    return { entries };
  });
const member = fc.tuple(fc.string({ maxLength: 5 }), fc.oneof({ weight: 6, arbitrary: scalar }, { weight: 1, arbitrary: nested }));
const item = fc.oneof(
  { weight: 6, arbitrary: vcoShaped },
  { weight: 2, arbitrary: fc.array(member, { maxLength: 5 }).map((entries): Json => ({ entries })) },
  { weight: 1, arbitrary: scalar },
);

/** The value at `path` and the body with that value taken out. */
function split(body: unknown, path: readonly string[]): { items: unknown; rest: unknown } {
  const rest = { ...(body as Record<string, unknown>) };
  let holder = rest;
  for (const key of path.slice(0, -1)) holder = holder[key] = { ...(holder[key] as Record<string, unknown>) };
  const items = holder[path.at(-1)!];
  delete holder[path.at(-1)!];
  return { items, rest };
}

test('parseEventsReply gives what JSON.parse + JSON.stringify give: texts, keys, times, skipped items and the rest of the reply', () => {
  let copied = 0;
  let serialised = 0;
  fc.assert(
    fc.property(fc.array(item, { maxLength: 6 }), fc.integer(), fc.boolean(), (items, seed, rpc) => {
      const odd = chooser(seed);
      const never = (): boolean => false;
      const data = `[${items.map((e) => render(e, odd(0.5) ? never : odd)).join(',')}]`;
      const text = rpc ? `{"jsonrpc":"2.0","result":{"metaData":{"more":false},"data":${data}},"id":3}` : `{"metaData":{"limit":2048,"more":true}, "data" : ${data}}`;
      const path = rpc ? ['result', 'data'] : ['data'];
      const expected = split(JSON.parse(text), path);
      const actual = split(parseEventsReply(text, path), path);
      assert.deepEqual(actual.rest, expected.rest);
      assert.ok(actual.items instanceof EventBatch);
      const events = (expected.items as unknown[]).filter(isRecord) as VcoEvent[];
      assert.deepEqual(
        { texts: actual.items.texts, keys: actual.items.keys.map(keyText), times: actual.items.timesMs, skipped: actual.items.skipped, events: actual.items.events },
        {
          texts: events.map((e) => JSON.stringify(e)),
          keys: events.map(eventKey),
          times: events.map((e) => parseVcoTime(e.eventTime)),
          skipped: (expected.items as unknown[]).length - events.length,
          events,
        },
      );
      copied += actual.items.copied;
      serialised += actual.items.count - actual.items.copied;
    }),
    { numRuns: 1000 },
  );
  assert.ok(copied > 150 && serialised > 150, `both ways exercised (${copied} copied, ${serialised} serialised)`);
});

test('events in the VCO shapes are copied from the reply; odd ones are serialised', () => {
  const events: VcoEvent[] = [
    { id: 2913202, eventTime: '2021-10-23T06:48:57.000Z', event: 'VPN', category: 'SYSTEM', severity: 'NOTICE', message: 'a "q" \\ é😀 \u001f\u2028', detail: '{"x":[1]}', enterpriseUsername: null, edgeName: 'b1', segmentName: null },
    { logicalId: 'u-1', eventTime: '2025-01-01T00:00:00.000Z', event: 'E', category: 'EDGE', severity: 'INFO', message: '', detail: null, enterpriseUsername: '', edgeName: null, segmentName: 'Global Segment', created: '2025-01-01T00:00:20.000Z', enterpriseName: 'ACME' },
    { logicalId: '', eventTime: '2025-01-01T00:00:00.000Z', event: 'E', category: 'EDGE', severity: 'INFO', message: '', detail: null, enterpriseUsername: '', edgeName: null, segmentName: null, created: '', enterpriseName: '' },
    { id: 1, eventTime: '2025-01-01T00:00:00.000Z' },
  ];
  const text = JSON.stringify({ metaData: { limit: 2048, more: false }, data: events });
  const batch = (parseEventsReply(text, ['data']) as { data: EventBatch }).data;
  assert.equal(batch.copied, 2, 'the two complete VCO shapes; an empty logicalId is keyed by hash, the last event lacks keys');
  assert.deepEqual(batch.texts, events.map((e) => JSON.stringify(e)));
  assert.deepEqual(batch.keys.map(keyText), events.map(eventKey));

  // The same event written in ways JSON.stringify would not: each must be serialised, not copied.
  const base = JSON.stringify(events[0]);
  const edits: [string | RegExp, string][] = [
    ['"id":2913202', '"id":2913202.0'],
    ['"id":2913202', '"id":2.913202e6'],
    ['"id":2913202', '"id":-0'],
    ['"id":2913202', '"id":1234567890123456'],
    ['"b1"', '"b\\/1"'],
    ['"b1"', '"b\\u00311"'],
    ['\\u001f', '\\u001F'],
    ['\\u001f', '\\u001f\\u000a'],
    ['"event":', ' "event":'],
    ['"event":"VPN"', '"event":"VPN","event":"VPN"'],
    ['"event":"VPN","category":"SYSTEM"', '"category":"SYSTEM","event":"VPN"'],
    ['"detail":"{\\"x\\":[1]}"', '"detail":{"x":[1]}'],
    [/}$/, ',"extra":1}'],
  ];
  const variants = edits.map(([from, to]) => base.replace(from, to));
  assert.equal(new Set(variants).size, variants.length, 'every variant differs from the others');
  assert.ok(!variants.includes(base));
  for (const variant of variants) {
    const one = (parseEventsReply(`{"data":[${base},${variant}]}`, ['data']) as { data: EventBatch }).data;
    assert.equal(one.copied, 1, variant);
    assert.deepEqual(one.texts, [base, JSON.stringify(JSON.parse(variant))], variant);
  }
});

test('not JSON, the last of repeated keys, a missing array: as JSON.parse has it', () => {
  assert.throws(() => parseEventsReply('{"data":[{"id":1,]}', ['data']), SyntaxError);
  assert.throws(() => parseEventsReply('{"data":[1]} trailing', ['data']), SyntaxError);
  assert.throws(() => parseEventsReply('<html>502</html>', ['data']), SyntaxError);
  const twice = parseEventsReply('{"data":[{"a":1}],"metaData":{},"data":[{"b":2},{"c":3}]}', ['data']) as { data: EventBatch };
  assert.deepEqual(twice.data.events, [{ b: 2 }, { c: 3 }]);
  assert.deepEqual(parseEventsReply('{"result":{"data":[{"a":1}]},"result":{}}', ['result', 'data']), { result: {} });
  assert.deepEqual(parseEventsReply('{"error":{"code":-32000,"message":"tokenError"}}', ['data']), { error: { code: -32000, message: 'tokenError' } });
  const escapedKey = parseEventsReply('{"d\\u0061ta":[{"a":1}]}', ['data']) as { data: EventBatch };
  assert.deepEqual(escapedKey.data.events, [{ a: 1 }]);
});

/** A VCO-shaped event (numeric id) whose message is `message`. */
const shaped = (id: number, message: string, second = id % 60): VcoEvent => ({
  id,
  eventTime: `2025-01-01T00:00:${String(second).padStart(2, '0')}.000Z`,
  event: 'E',
  category: 'EDGE',
  severity: 'INFO',
  message,
  detail: null,
  enterpriseUsername: null,
  edgeName: 'b1',
  segmentName: null,
});

test('a reply read window by window: events across every window edge, longer than a window, a large member before the array', () => {
  const events: VcoEvent[] = [];
  // Lengths that move the window edges through every part of an event, non-ASCII text among them.
  for (let i = 0; i < 1500; i++) events.push(shaped(1000 + i, `${'é'.repeat(i % 7)}${'m'.repeat((i * 37) % 301)}😀`));
  events.splice(700, 0, shaped(5, 'x'.repeat(200_000))); // longer than a window: copied all the same
  events.splice(900, 0, { ...shaped(6, 'y'.repeat(150_000)), extra: true }); // long and not in the VCO shape
  const padding = 'p'.repeat(130_000);
  const body = `{"padding":"${padding}","data":[1],"metaData":{"more":false,"n":12345678901234567890},"data":${JSON.stringify(events)},"tail":[${'0,'.repeat(60_000)}0]}`;
  const reply = parseEventsReply(body, ['data']) as { data: EventBatch; metaData: unknown; padding: string; tail: number[] };
  const batch = reply.data;
  assert.equal(batch.count, events.length);
  assert.equal(batch.copied, events.length - 1, 'all but the event with an extra key copied');
  assert.deepEqual(batch.keys.map(keyText), events.map(eventKey));
  assert.deepEqual(batch.timesMs, events.map((e) => parseVcoTime(e.eventTime)));
  assert.deepEqual(reply.metaData, { more: false, n: 12345678901234567890 });
  assert.equal(reply.padding, padding);
  assert.equal(reply.tail.length, 60_001);
  events.forEach((event, i) => {
    assert.ok(batch.data.subarray(batch.starts[i], batch.ends[i]).equals(Buffer.from(JSON.stringify(event), 'utf8')), `event ${i}: exact bytes`);
  });
});

test('bytes that are not UTF-8 are read as decoding reads them (U+FFFD), in copied and serialised events alike', () => {
  const text = `{"data":[${JSON.stringify(shaped(1, 'bad: XX end'))},${JSON.stringify({ id: 2, message: 'bad: XX too' })}]}`;
  const body = Buffer.from(text, 'utf8');
  for (let at = body.indexOf('XX'); at >= 0; at = body.indexOf('XX', at + 2)) body.fill(0xff, at, at + 1);
  const batch = (parseReplyBytes(body, ['data']) as { data: EventBatch }).data;
  const expected = (JSON.parse(body.toString('utf8')) as { data: VcoEvent[] }).data;
  assert.equal(batch.copied, 1);
  assert.ok(expected[0]!.message!.includes('\ufffdX'));
  assert.deepEqual(batch.texts, expected.map((e) => JSON.stringify(e)));
  assert.ok(batch.data.subarray(batch.starts[0], batch.ends[0]).equals(Buffer.from(JSON.stringify(expected[0]), 'utf8')));
});

test('an event nested deeper than JSON.stringify can follow is left out and counted, not a failed reply', () => {
  const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  const body = `{"metaData":{"more":false},"data":[{"id":1,"eventTime":"2024-05-01T00:00:00.000Z","event":"A"},{"id":2,"extra":${deep}},{"logicalId":"x","extra":${deep}}]}`;
  const reply = parseReplyBytes(Buffer.from(body), ['data']) as { data: EventBatch };
  assert.equal(reply.data.count, 1);
  assert.equal(reply.data.tooDeep, 2);
  assert.deepEqual(reply.data.events.map((e) => e.id), [1]);
});
