import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mappingWith } from './fixtures.js';
import { EventView } from './view.js';

test('detailRest writes the same text as JSON.stringify of the detail without the lifted keys', () => {
  const detail = { remoteIp: '10.0.0.1', '2': 'numeric keys first', __proto__x: 1, nested: { a: [1, 'x"y'], b: null }, text: 'é\n"\\', n: 1.5e-7 };
  const raw = `{"__proto__":{"polluted":true},${JSON.stringify(detail).slice(1)}`;
  const view = new EventView({ id: 1, detail: raw }, mappingWith(), undefined);
  const parsed = JSON.parse(raw) as Record<string, unknown>;
  for (const lifted of [['remoteIp'], ['remoteIp', 'nested'], ['__proto__', '2']]) {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(parsed)) {
      if (!lifted.includes(key)) Object.defineProperty(copy, key, { value: parsed[key], enumerable: true, writable: true, configurable: true });
    }
    assert.equal(view.detailRest(lifted), JSON.stringify(copy), `lifted ${lifted.join(',')}`);
  }
  assert.equal(view.detailRest([]), raw, 'nothing lifted: the original text');
  assert.equal(new EventView({ id: 1, detail: '{"a":1}' }, mappingWith(), undefined).detailRest(['a']), undefined, 'nothing left');
});

test('detail that only looks like an object after JSON whitespace is parsed; anything else is not', () => {
  const detailOf = (detail: string): unknown => new EventView({ id: 1, detail }, mappingWith(), undefined).detailObject;
  assert.deepEqual(detailOf(' \t\r\n{"a":1}'), { a: 1 });
  assert.equal(detailOf('\u00a0{"a":1}'), undefined);
  assert.equal(detailOf('[{"a":1}]'), undefined);
  assert.equal(detailOf('{not json'), undefined);
});
