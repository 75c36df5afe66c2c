import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadPosition, positionPath, savePosition } from './positions.js';

let root = '';
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

test('positions are kept per destination, including names that sanitise alike', async () => {
  root = await mkdtemp(join(tmpdir(), 'vco-pos-'));
  assert.deepEqual(await loadPosition(root, 'qradar'), { offset: 0, delivered: 0 });
  await savePosition(root, 'siem a', { offset: 120, delivered: 3, updatedAt: '2024-01-01T00:00:00.000Z' });
  await savePosition(root, 'siem-a', { offset: 40, delivered: 1 });
  assert.deepEqual(await loadPosition(root, 'siem a'), { offset: 120, delivered: 3, updatedAt: '2024-01-01T00:00:00.000Z' });
  assert.equal((await loadPosition(root, 'siem-a')).offset, 40);
  assert.notEqual(positionPath(root, 'siem a'), positionPath(root, 'siem-a'));
  assert.ok(positionPath(root, '../../x').startsWith(join(root, 'positions')));
  const file = JSON.parse(await readFile(positionPath(root, 'siem a'), 'utf8'));
  assert.equal(file.destination, 'siem a');
});

test('a position file with a bad offset is reported as corrupt', async () => {
  await writeFile(positionPath(root, 'siem a'), JSON.stringify({ offset: -1, delivered: 0 }));
  await assert.rejects(loadPosition(root, 'siem a'), /corrupt file .*siem-a-/);
});
