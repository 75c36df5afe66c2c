import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { after, describe, test } from 'node:test';
import { REGISTRY_FILE, listEnterpriseDirs, resolveEnterpriseDir, sanitizeName } from './paths.js';

const roots: string[] = [];
async function freshDataDir(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'vco-paths-'));
  roots.push(root);
  return join(root, 'data');
}
after(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

function assertPlainChild(dataDir: string, dir: string): string {
  const rel = relative(dataDir, dir);
  assert.ok(rel !== '' && !rel.startsWith('..') && !rel.includes(sep), `${dir} is not a direct child of ${dataDir}`);
  assert.match(rel, /^[A-Za-z0-9-]+$/);
  return rel;
}

describe('sanitizeName', () => {
  test('replaces every character that is not an ASCII letter or digit', () => {
    assert.equal(sanitizeName('ACME Co.'), 'ACME-Co-');
    assert.equal(sanitizeName('../../etc'), '------etc');
    assert.equal(sanitizeName('Müller/ÄG\0x'), 'M-ller--G-x');
    assert.equal(sanitizeName('a\\b:c*d'), 'a-b-c-d');
    assert.equal(sanitizeName(''), '');
  });
});

describe('resolveEnterpriseDir', () => {
  test('uses the sanitised name, creates the directory and records it', async () => {
    const dataDir = await freshDataDir();
    const dir = await resolveEnterpriseDir(dataDir, { id: 1, name: 'ACME Co.' });
    assert.equal(assertPlainChild(dataDir, dir), 'ACME-Co-');
    assert.deepEqual(await readdir(dataDir), ['ACME-Co-', REGISTRY_FILE]);
    const registry = JSON.parse(await readFile(join(dataDir, REGISTRY_FILE), 'utf8'));
    assert.deepEqual(registry.enterprises['1'], { dir: 'ACME-Co-', name: 'ACME Co.' });
  });

  test('hostile names stay strictly inside the data directory', async () => {
    const dataDir = await freshDataDir();
    const hostile = ['../../etc', '..', '.', '/', '/etc/passwd', '', '\0', '\\..\\..', '.. ', 'a/../../b', 'x'.repeat(5000), '-'];
    const dirs = new Set<string>();
    for (const [i, name] of hostile.entries()) {
      const rel = assertPlainChild(dataDir, await resolveEnterpriseDir(dataDir, { id: 100 + i, name }));
      assert.ok(rel.length <= 120, `name too long: ${rel.length}`);
      dirs.add(rel);
    }
    assert.equal(dirs.size, hostile.length, 'every enterprise gets its own directory');
    assert.ok(dirs.has('enterprise-103'), 'all-dash name "/" -> enterprise-<id>');
    assert.ok(dirs.has('enterprise-106'), 'NUL name -> enterprise-<id>');
  });

  test('names that sanitise alike (or differ only in case) get distinct, stable directories', async () => {
    const dataDir = await freshDataDir();
    const a = await resolveEnterpriseDir(dataDir, { id: 1, name: 'ACME Co.' });
    const b = await resolveEnterpriseDir(dataDir, { id: 2, name: 'ACME Co!' });
    const c = await resolveEnterpriseDir(dataDir, { id: 3, name: 'acme co.' });
    assert.deepEqual([a, b, c].map((d) => relative(dataDir, d)), ['ACME-Co-', 'ACME-Co--2', 'acme-co--3']);
    // Stable: asked again (even concurrently, in another order) each id keeps its directory.
    const again = await Promise.all([3, 1, 2].map((id) => resolveEnterpriseDir(dataDir, { id, name: id === 3 ? 'acme co.' : 'ACME Co.' })));
    assert.deepEqual(again, [c, a, b]);
  });

  test('concurrent first sightings do not lose registry entries', async () => {
    const dataDir = await freshDataDir();
    const dirs = await Promise.all(Array.from({ length: 20 }, (_, i) => resolveEnterpriseDir(dataDir, { id: i, name: 'Same Name' })));
    assert.equal(new Set(dirs).size, 20);
    const listed = await listEnterpriseDirs(dataDir);
    assert.deepEqual(listed.map((e) => e.enterprise.id), Array.from({ length: 20 }, (_, i) => i));
  });

  test('a renamed enterprise keeps its directory; listEnterpriseDirs reports the new name', async () => {
    const dataDir = await freshDataDir();
    const before = await resolveEnterpriseDir(dataDir, { id: 7, name: 'Old Name' });
    const afterRename = await resolveEnterpriseDir(dataDir, { id: 7, name: 'New Name', logicalId: 'L7' });
    assert.equal(afterRename, before);
    assert.deepEqual(await listEnterpriseDirs(dataDir), [{ enterprise: { id: 7, name: 'New Name', logicalId: 'L7' }, dir: before }]);
  });

  test('a tampered registry cannot point outside the data directory', async () => {
    const dataDir = await freshDataDir();
    await resolveEnterpriseDir(dataDir, { id: 1, name: 'ok' });
    await writeFile(join(dataDir, REGISTRY_FILE), JSON.stringify({ version: 1, enterprises: { '1': { dir: '../escape', name: 'ok' } } }));
    await assert.rejects(resolveEnterpriseDir(dataDir, { id: 1, name: 'ok' }), /corrupt file .*enterprises\.json/);
    await assert.rejects(listEnterpriseDirs(dataDir), /corrupt file/);
  });

  test('listEnterpriseDirs on an empty data directory is empty', async () => {
    assert.deepEqual(await listEnterpriseDirs(await freshDataDir()), []);
  });
});
