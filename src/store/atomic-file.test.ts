import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
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
    assert.equal((await stat(deep)).mode & 0o777, 0o700, 'the directory asked for is 0700');
    assert.equal((await stat(join(base, 'acme'))).mode & 0o077, 0o777 & ~process.umask() & 0o077, 'a parent it had to create keeps the usual mode');
    assert.deepEqual(await makeDurableDirectory(deep), []);
    assert.deepEqual(await makeDurableDirectory(join(base, 'acme', 'other')), [join(base, 'acme')]);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('makeDurableDirectory in a parent it may write but not read (-wx): created, the parent sync skipped', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root, to run the check as another user');
  // As root the mode would not stop us: the module runs in a child as nobody, from a copy it can read.
  const base = await mkdtemp(join(tmpdir(), 'vco-durable-wx-'));
  try {
    await chmod(base, 0o755);
    const here = dirname(fileURLToPath(import.meta.url));
    await mkdir(join(base, 'module', 'store'), { recursive: true });
    await writeFile(join(base, 'module', 'package.json'), '{"type":"module"}');
    await copyFile(join(here, 'atomic-file.js'), join(base, 'module', 'store', 'atomic-file.js'));
    await copyFile(join(here, '..', 'errors.js'), join(base, 'module', 'errors.js'));
    const parent = join(base, 'drop-box');
    await mkdir(parent, { mode: 0o703 });
    await chmod(parent, 0o703);
    const script = `const m = await import(${JSON.stringify(join(base, 'module', 'store', 'atomic-file.js'))});
      console.log(JSON.stringify(await m.makeDurableDirectory(${JSON.stringify(join(parent, 'data', 'acme'))})));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), [join(parent, 'data'), parent]);
    assert.ok((await stat(join(parent, 'data', 'acme'))).isDirectory());
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
