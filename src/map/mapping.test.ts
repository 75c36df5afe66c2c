import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, EXIT_CONFIG } from '../errors.js';
import { DEFAULT_MAPPING_FILE, loadMapping } from './mapping.js';

let dir: string;
before(async () => { dir = await mkdtemp(path.join(tmpdir(), 'vco-siem-mapping-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

async function userFile(content: string): Promise<string> {
  const file = path.join(dir, `user-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, content);
  return file;
}

/** Loads `content` as a user file and returns the ConfigError it must raise. */
async function rejection(content: string): Promise<{ error: ConfigError; file: string }> {
  const file = await userFile(content);
  const error = await loadMapping(file).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
  assert.equal(error.exitCode, EXIT_CONFIG);
  assert.ok(error.message.includes(file), error.message);
  return { error, file };
}

describe('loadMapping', () => {
  test('default mapping loads and has the tables', async () => {
    const m = await loadMapping();
    assert.deepEqual(m.files, [DEFAULT_MAPPING_FILE]);
    assert.deepEqual(m.severities.get('ALERT'), { syslog: 1, cef: 9, leef: 9 });
    assert.equal(m.events.get('EDGE_DOWN')?.name, 'Edge down');
    assert.equal(m.detail.get('client_mac')?.cef, 'smac');
    assert.equal(m.events.get('constructor'), undefined);
  });

  test('a user file merges deep per event entry, extends, and deletes with null', async () => {
    const file = await userFile(JSON.stringify({
      events: { EDGE_DOWN: { cefSeverity: 10 }, MY_EVENT: { name: 'Mine', defaultSeverity: 'ERROR' }, LINK_DEAD: null },
      categories: { EDGE: { cef: '/Edge' } },
    }));
    const m = await loadMapping(file);
    assert.deepEqual(m.files, [DEFAULT_MAPPING_FILE, file]);
    assert.deepEqual(m.events.get('EDGE_DOWN'), { name: 'Edge down', defaultCategory: 'EDGE', defaultSeverity: 'ALERT', cefSeverity: 10 });
    assert.equal(m.events.get('MY_EVENT')?.name, 'Mine');
    assert.equal(m.events.has('LINK_DEAD'), false);
    assert.deepEqual(m.categories.get('EDGE'), { cef: '/Edge', leef: 'EDGE' });
  });

  test('bad JSON names the file', async () => {
    const { error } = await rejection('{"events": {');
    assert.match(error.message, /not valid JSON/);
  });

  test('a missing file names the file', async () => {
    const missing = path.join(dir, 'nope.json');
    await assert.rejects(loadMapping(missing), (e: unknown) => e instanceof ConfigError && e.message.includes(missing));
  });

  const cases: [string, object, RegExp][] = [
    ['wrong type at a path', { events: { EDGE_DOWN: { cefSeverity: 'high' } } }, /events\.EDGE_DOWN\.cefSeverity: must be an integer from 0 to 10, found string "high"/],
    ['out of range', { events: { EDGE_DOWN: { leefSeverity: 0 } } }, /events\.EDGE_DOWN\.leefSeverity: must be an integer from 1 to 10/],
    ['unknown severity', { events: { EDGE_DOWN: { severity: 'SEVERE' } } }, /events\.EDGE_DOWN\.severity: unknown severity "SEVERE"/],
    ['unknown default severity', { defaults: { severity: 'LOUD' } }, /defaults\.severity: unknown severity "LOUD"/],
    ['a typo in a setting', { events: { EDGE_DOWN: { cefSeverty: 3 } } }, /events\.EDGE_DOWN\.cefSeverty: unknown setting/],
    ['an unknown top-level key', { evnts: {} }, /evnts: unknown setting/],
    ['a csN key without its label', { cef: { fields: [{ key: 'cs4', from: 'message' }] } }, /cef\.fields\[0\]\.label: must be a non-empty string/],
    ['a duplicate key', { leef: { fields: [{ key: 'msg', from: 'message' }, { key: 'msg', from: 'event' }] } }, /leef\.fields\[1\]\.key: msg appears twice/],
    ['an ArcSight consumer key', { cef: { fields: [{ key: 'rawEvent', from: 'message' }] } }, /cef\.fields\[0\]\.key: rawEvent is set by ArcSight/],
    ['an invalid SD-PARAM name', { rfc5424: { structuredData: [{ key: 'a b', from: 'message' }] } }, /rfc5424\.structuredData\[0\]\.key: an SD-PARAM name/],
    ['detailRest before detailFields', { leef: { fields: [{ key: 'detail', from: 'detailRest' }, { from: 'detailFields' }] } }, /leef\.fields\[0\]: detailRest must come after detailFields/],
    ['a detail lift to a bad type', { detail: { foo: { cef: 'src', type: 'ipv6' } } }, /detail\.foo\.type: must be one of string, ipv4, mac/],
    ['a field list that is not an array', { cef: { fields: {} } }, /cef\.fields: must be an array/],
    ['a severity row with a bad syslog value', { severities: { ALERT: { syslog: 8 } } }, /severities\.ALERT\.syslog: must be an integer from 0 to 7/],
  ];
  for (const [what, patch, message] of cases) {
    test(`ConfigError with file and JSON path: ${what}`, async () => {
      const { error } = await rejection(JSON.stringify(patch));
      assert.match(error.message, message);
    });
  }

  test('a user file that is not an object', async () => {
    const { error } = await rejection('[1, 2]');
    assert.match(error.message, /must be a JSON object/);
  });
});
