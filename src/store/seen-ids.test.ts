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

test('has does not refresh a key, remember does; save and load keep keys and recency', async () => {
  const { dir, log } = await dirWithLog(0);
  const seen = await SeenIds.load(dir, log, { max: 3 });
  for (const key of ['a', 'b', 'c']) seen.remember(key);
  assert.deepEqual(['a', 'b', 'c', 'd'].map((k) => seen.has(k)), [true, true, true, false]);
  seen.remember('d'); // evicts a: has() above did not make it recent
  seen.remember('b'); // refreshes b: c is now the least recent
  seen.remember('e'); // evicts c
  assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map((k) => seen.has(k)), [false, true, false, true, true]);
  await seen.save(log.size);
  const file = JSON.parse(await readFile(join(dir, SEEN_IDS_FILE), 'utf8'));
  assert.deepEqual(file, { version: 1, logSize: 0, keys: ['d', 'b', 'e'] });
  const reloaded = await SeenIds.load(dir, log, { max: 3 });
  assert.deepEqual(['b', 'd', 'e', 'a', 'c'].map((k) => reloaded.has(k)), [true, true, true, false, false]);
  await log.close();
});

test('events appended after the cache was saved (crash before state) are read back from the log', async () => {
  const { dir, log } = await dirWithLog(5);
  const seen = await SeenIds.load(dir, log);
  await seen.save(log.size);
  await log.append([JSON.stringify({ id: 6 }), JSON.stringify({ logicalId: 'abc' }), JSON.stringify({ event: 'NO_ID', message: 'x' })]);
  // ...crash here: the cache file still describes the shorter log.
  const recovered = await SeenIds.load(dir, log);
  assert.deepEqual(['id:5', 'id:6', 'lid:abc', eventKey({ event: 'NO_ID', message: 'x' }), 'id:7'].map((k) => recovered.has(k)), [true, true, true, true, false]);
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
  assert.deepEqual(keys.map((k) => seen.has(k)), keys.map(() => false));
  for (const key of keys) seen.remember(key);
  assert.deepEqual(keys.map((k) => seen.has(k)), keys.map(() => true));
  await seen.save(log.size);
  const file = JSON.parse(await readFile(join(dir, SEEN_IDS_FILE), 'utf8')) as { keys: string[] };
  assert.deepEqual(file.keys, keys);
  const reloaded = await SeenIds.load(dir, log, { max: 10 });
  assert.deepEqual([...keys, 'id:6'].map((k) => reloaded.has(k)), [...keys.map(() => true), false]);
  await log.close();
});

test('save leaves the file alone when nothing was remembered since it was loaded', async () => {
  const { dir, log } = await dirWithLog(3);
  const path = join(dir, SEEN_IDS_FILE);
  const first = await SeenIds.load(dir, log);
  await first.save(log.size);
  const idle = await SeenIds.load(dir, log);
  assert.equal(idle.has('id:1'), true);
  await writeFile(path, 'not rewritten');
  await idle.save(log.size);
  assert.equal(await readFile(path, 'utf8'), 'not rewritten');
  idle.remember('id:1');
  await idle.save(log.size);
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')).keys, ['id:2', 'id:3', 'id:1']);
  await log.close();
});

test('the saved file is byte for byte JSON.stringify of its content, however many slices of keys it is built from', async () => {
  const { dir, log } = await dirWithLog(0);
  for (const count of [0, 1, 4095, 4096, 4097, 10_000]) {
    const seen = await SeenIds.load(dir, log, { max: 20_000 });
    // Numbers, texts that JSON must escape, and non-ASCII, in recency order (the refreshed one last).
    const keys = Array.from({ length: count }, (_, i) => (i % 3 === 0 ? `id:${i}` : i % 3 === 1 ? `lid:"q\\${i}\n` : `h:é☃${i}`));
    for (const key of keys) seen.remember(key);
    if (count > 1) {
      seen.remember(keys[0]!);
      keys.push(keys.shift()!);
    }
    await seen.save(log.size + count); // any size the caller vouches for; differs per round so every round writes
    const expected = JSON.stringify({ version: 1, logSize: log.size + count, keys });
    assert.equal(await readFile(join(dir, SEEN_IDS_FILE), 'utf8'), expected, `${count} keys`);
  }
  await log.close();
});
