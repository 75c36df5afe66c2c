import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeDurableDirectory, readJsonFile, writeJsonAtomic } from './atomic-file.js';

let root = '';
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

test('writeJsonAtomic replaces the file and leaves no temporary file; readJsonFile reads it back', async () => {
  root = await mkdtemp(join(tmpdir(), 'vco-atomic-'));
  const path = join(root, 'state.json');
  assert.equal(await readJsonFile(path), undefined);
  await writeJsonAtomic(path, { a: 1 });
  await writeJsonAtomic(path, { a: 2, s: 'é\n' });
  assert.deepEqual(await readJsonFile(path), { a: 2, s: 'é\n' });
  assert.deepEqual(await readdir(root), ['state.json']);
  assert.ok((await readFile(path, 'utf8')).endsWith('}\n'));
});

test('a corrupt file is an error that names the path', async () => {
  const path = join(root, 'broken.json');
  await writeFile(path, '{"a": 1, ');
  await assert.rejects(readJsonFile(path), (error: Error) => error.message.includes(path) && /corrupt/.test(error.message));
});

test('a write into a missing directory fails with the path and leaves nothing behind', async () => {
  const path = join(root, 'missing', 'x.json');
  await assert.rejects(writeJsonAtomic(path, {}), (error: Error) => error.message.includes(path));
});

test('makeDurableDirectory syncs the parent of every directory it creates, and nothing when all exist', async () => {
  const base = await mkdtemp(join(tmpdir(), 'vco-durable-dir-'));
  try {
    const deep = join(base, 'acme', 'positions', 'x');
    assert.deepEqual(await makeDurableDirectory(deep), [join(base, 'acme', 'positions'), join(base, 'acme'), base]);
    assert.ok((await stat(deep)).isDirectory());
    assert.deepEqual(await makeDurableDirectory(deep), []);
    assert.deepEqual(await makeDurableDirectory(join(base, 'acme', 'other')), [join(base, 'acme')]);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
