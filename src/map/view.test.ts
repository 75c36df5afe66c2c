import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mappingWith } from './fixtures.js';
import { EventView } from './view.js';

test('detailRest keeps the other members exactly as the VCO wrote them: order, number forms, escapes, repeats', () => {
  const restOf = (detail: string, lifted: string[]): string | undefined => new EventView({ id: 1, detail }, mappingWith(), undefined).detailRest(lifted);
  const raw = String.raw`{"__proto__":{"polluted":true},"remoteIp":"10.0.0.1","2":"numeric keys stay in place","nested":{"a":[1,"x\"y"],"b":null},"text":"é\n\"\\","n":1.5e-7,"big":12345678901234567890,"ratio":1.0,"esc":"caf\u00e9"}`;
  assert.equal(restOf(raw, ['remoteIp']), raw.replace('"remoteIp":"10.0.0.1",', ''));
  assert.equal(restOf(raw, ['remoteIp', 'nested']), raw.replace('"remoteIp":"10.0.0.1",', '').replace(String.raw`"nested":{"a":[1,"x\"y"],"b":null},`, ''));
  assert.equal(restOf(raw, ['__proto__', '2']), raw.replace('"__proto__":{"polluted":true},', '').replace('"2":"numeric keys stay in place",', ''));
  assert.equal(restOf(raw, ['esc']), raw.replace(String.raw`,"esc":"caf\u00e9"`, ''), 'the last member');
  assert.equal(restOf(raw, []), raw, 'nothing lifted: the original text');
  assert.equal(restOf('{"a":1}', ['a']), undefined, 'nothing left');
  // Every occurrence of a lifted key goes (JSON.parse lifted the last); other repeats stay as written.
  assert.equal(restOf('{"k":1,"remoteIp":"a","k":2,"remoteIp":"b"}', ['remoteIp']), '{"k":1,"k":2}');
  assert.equal(restOf(String.raw`{"remote\u0049p":"10.0.0.1","x":1}`, ['remoteIp']), '{"x":1}', 'a key written with escapes');
  assert.equal(restOf(' { "remoteIp" : "10.0.0.1" , "x" : [ 1 , 2 ] } ', ['remoteIp']), '{"x" : [ 1 , 2 ]}', 'JSON whitespace');
  // Nesting deeper than JSON.stringify can recurse costs no stack.
  const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  assert.equal(restOf(`{"remoteIp":"10.0.0.1","x":${deep}}`, ['remoteIp']), `{"x":${deep}}`);
});

test('detail that only looks like an object after JSON whitespace is parsed; anything else is not', () => {
  const detailOf = (detail: string): unknown => new EventView({ id: 1, detail }, mappingWith(), undefined).detailObject;
  assert.deepEqual(detailOf(' \t\r\n{"a":1}'), { a: 1 });
  assert.equal(detailOf('\u00a0{"a":1}'), undefined);
  assert.equal(detailOf('[{"a":1}]'), undefined);
  assert.equal(detailOf('{not json'), undefined);
});
