import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { eventKey } from '../event.js';
import { EventLog } from './event-log.js';
import { SEEN_IDS_FILE, SeenIds } from './seen-ids.js';

const roots: string[] = [];
after(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

/** An enterprise dir whose log holds events with ids 1..n. */
async function dirWithLog(n: number): Promise<{ dir: string; log: EventLog }> {
  const dir = await mkdtemp(join(tmpdir(), 'vco-seen-'));
  roots.push(dir);
  const log = await EventLog.open(join(dir, 'events.json'));
  await log.append(Array.from({ length: n }, (_, i) => JSON.stringify({ id: i + 1, eventTime: '2024-01-01T00:00:00.000Z' })));
  return { dir, log };
}

test('firstSighting is true once per key; save and load keep keys and recency', async () => {
  const { dir, log } = await dirWithLog(0);
  const seen = await SeenIds.load(dir, log, { max: 3 });
  assert.deepEqual(['a', 'b', 'a', 'c'].map((k) => seen.firstSighting(k)), [true, true, false, true]);
  assert.equal(seen.firstSighting('b'), false); // refreshes b: a is now the least recent
  assert.equal(seen.firstSighting('d'), true); // evicts a
  await seen.save(log.size);
  const file = JSON.parse(await readFile(join(dir, SEEN_IDS_FILE), 'utf8'));
  assert.deepEqual(file, { version: 1, logSize: 0, keys: ['c', 'b', 'd'] });
  const reloaded = await SeenIds.load(dir, log, { max: 3 });
  assert.deepEqual(['b', 'c', 'd', 'a'].map((k) => reloaded.firstSighting(k)), [false, false, false, true]);
  await log.close();
});

test('events appended after the cache was saved (crash before state) are read back from the log', async () => {
  const { dir, log } = await dirWithLog(5);
  const seen = await SeenIds.load(dir, log);
  await seen.save(log.size);
  await log.append([JSON.stringify({ id: 6 }), JSON.stringify({ logicalId: 'abc' }), JSON.stringify({ event: 'NO_ID', message: 'x' })]);
  // ...crash here: the cache file still describes the shorter log.
  const recovered = await SeenIds.load(dir, log);
  assert.equal(recovered.firstSighting('id:6'), false);
  assert.equal(recovered.firstSighting('lid:abc'), false);
  assert.equal(recovered.firstSighting(eventKey({ event: 'NO_ID', message: 'x' })), false);
  assert.equal(recovered.firstSighting('id:7'), true);
  await log.close();
});

test('a missing, corrupt or too-new cache file is rebuilt from the last N lines of the log', async () => {
  const { dir, log } = await dirWithLog(50);
  const expectKnown = async (max: number, label: string): Promise<void> => {
    const seen = await SeenIds.load(dir, log, { max });
    await seen.save(log.size);
    const { keys } = JSON.parse(await readFile(join(dir, SEEN_IDS_FILE), 'utf8')) as { keys: string[] };
    assert.deepEqual(keys, Array.from({ length: max }, (_, i) => `id:${50 - max + i + 1}`), label);
  };
  await expectKnown(10, 'missing file');
  await writeFile(join(dir, SEEN_IDS_FILE), '{"version":1,"logSize":');
  await expectKnown(10, 'corrupt file');
  await writeFile(join(dir, SEEN_IDS_FILE), JSON.stringify({ version: 1, logSize: log.size + 100, keys: ['id:999'] }));
  await expectKnown(20, 'cache newer than the log');
  await writeFile(join(dir, SEEN_IDS_FILE), JSON.stringify({ version: 1, logSize: 3, keys: [] }));
  await expectKnown(10, 'cache size not at a line start');
  await log.close();
});

test('numeric-id keys and other keys stay distinct and round-trip through the file in recency order', async () => {
  const { dir, log } = await dirWithLog(0);
  const seen = await SeenIds.load(dir, log, { max: 10 });
  const keys = ['id:5', 'id:05', 'lid:5', 'id:-7', 'id:1e2', 'id:100', 'id:9007199254740993', 'h:abc'];
  assert.deepEqual(keys.map((k) => seen.firstSighting(k)), keys.map(() => true));
  assert.deepEqual(keys.map((k) => seen.firstSighting(k)), keys.map(() => false));
  await seen.save(log.size);
  const file = JSON.parse(await readFile(join(dir, SEEN_IDS_FILE), 'utf8')) as { keys: string[] };
  assert.deepEqual(file.keys, keys);
  const reloaded = await SeenIds.load(dir, log, { max: 10 });
  assert.deepEqual([...keys, 'id:6'].map((k) => reloaded.firstSighting(k)), [...keys.map(() => false), true]);
  await log.close();
});

test('save leaves the file alone when nothing was offered since it was loaded', async () => {
  const { dir, log } = await dirWithLog(3);
  const first = await SeenIds.load(dir, log);
  await first.save(log.size);
  await writeFile(join(dir, SEEN_IDS_FILE), JSON.stringify({ version: 1, logSize: log.size, keys: ['id:1', 'marker'] }));
  const idle = await SeenIds.load(dir, log);
  await idle.save(log.size);
  assert.deepEqual(JSON.parse(await readFile(join(dir, SEEN_IDS_FILE), 'utf8')).keys, ['id:1', 'marker']);
  const busy = await SeenIds.load(dir, log);
  assert.equal(busy.firstSighting('marker'), false);
  await busy.save(log.size);
  assert.deepEqual(JSON.parse(await readFile(join(dir, SEEN_IDS_FILE), 'utf8')).keys, ['id:1', 'marker']);
  assert.equal(busy.firstSighting('id:1'), false);
  await busy.save(log.size);
  assert.deepEqual(JSON.parse(await readFile(join(dir, SEEN_IDS_FILE), 'utf8')).keys, ['marker', 'id:1']);
  await log.close();
});
