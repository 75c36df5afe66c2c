import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EventLog, readLogBatches, readLogChunks, readLogLines, tailOffset, type LogLine } from './event-log.js';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vco-log-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function collect(path: string, from: number, options: Parameters<typeof readLogLines>[2] = {}): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const line of readLogLines(path, from, options)) out.push(line);
  return out;
}

test('append writes lines with newlines; size follows; reopen continues at the end', async () => {
  const path = join(root, 'append.json');
  const log = await EventLog.open(path);
  assert.equal(log.size, 0);
  await log.append(['{"id":1}', '{"id":2,"m":"é"}']);
  await log.append([]);
  assert.equal(log.size, Buffer.byteLength('{"id":1}\n{"id":2,"m":"é"}\n'));
  await log.close();
  const again = await EventLog.open(path);
  await again.append(['{"id":3}']);
  await again.close();
  assert.equal(await readFile(path, 'utf8'), '{"id":1}\n{"id":2,"m":"é"}\n{"id":3}\n');
  await assert.rejects(async () => {
    const l = await EventLog.open(path);
    try {
      await l.append(['{"a":1}\n{"b":2}']);
    } finally {
      await l.close();
    }
  }, /raw newline/);
  await assert.rejects(async () => {
    const l = await EventLog.open(path);
    try {
      await l.appendBytes(Buffer.from('{"a":1}'));
    } finally {
      await l.close();
    }
  }, /unterminated line/);
});

test('open cuts a torn final line back to the last newline', async () => {
  const path = join(root, 'torn.json');
  await writeFile(path, '{"id":1}\n{"id":2}\n{"id":3,"mess');
  const log = await EventLog.open(path);
  assert.equal(log.repairedBytes, '{"id":3,"mess'.length);
  assert.equal(log.size, 18);
  await log.append(['{"id":3}']);
  await log.close();
  assert.equal(await readFile(path, 'utf8'), '{"id":1}\n{"id":2}\n{"id":3}\n');

  const onlyTorn = join(root, 'only-torn.json');
  await writeFile(onlyTorn, '{"id":1');
  const log2 = await EventLog.open(onlyTorn);
  assert.equal(log2.size, 0);
  await log2.close();
  assert.equal(await readFile(onlyTorn, 'utf8'), '');
});

test('a torn line longer than the backward scan chunk is removed whole', async () => {
  const path = join(root, 'torn-long.json');
  await writeFile(path, `{"id":1}\n{"m":"${'x'.repeat(200_000)}`);
  const log = await EventLog.open(path);
  assert.equal(log.size, 9);
  await log.close();
});

test('readLogLines decodes multi-byte UTF-8 split across read boundaries, with exact offsets', async () => {
  const path = join(root, 'utf8.json');
  // 1..4-byte characters; with tiny chunks every possible split point inside a character is exercised.
  const lines = ['{"m":"aé€😀"}', '{"m":"😀😀😀😀😀"}', '{}', '{"m":"ﬀ 日本語 ✓"}', `{"m":"${'€'.repeat(3000)}"}`];
  await writeFile(path, `${lines.join('\n')}\n`);
  const expectedOffsets: [number, number][] = [];
  let offset = 0;
  for (const line of lines) {
    const end = offset + Buffer.byteLength(line) + 1;
    expectedOffsets.push([offset, end]);
    offset = end;
  }
  for (const chunkSize of [1, 2, 3, 5, 7, 64, 1 << 20]) {
    const got = await collect(path, 0, { chunkSize });
    assert.deepEqual(got.map((l) => l.line), lines, `chunkSize ${chunkSize}`);
    assert.deepEqual(got.map((l) => [l.start, l.end]), expectedOffsets, `chunkSize ${chunkSize}`);
  }
  // From a line start in the middle, up to an end offset.
  const middle = await collect(path, expectedOffsets[1]![0], { endOffset: expectedOffsets[3]![1], chunkSize: 4 });
  assert.deepEqual(middle.map((l) => l.line), lines.slice(1, 4));
});

test('readLogLines skips an incomplete last line and refuses offsets that are not line starts', async () => {
  const path = join(root, 'partial.json');
  await writeFile(path, '{"id":1}\n{"id":2}\n{"id":3');
  assert.deepEqual((await collect(path, 0)).map((l) => l.line), ['{"id":1}', '{"id":2}']);
  assert.deepEqual(await collect(path, 18), []);
  await assert.rejects(collect(path, 4), /not at the start of a line/);
  await assert.rejects(collect(path, 1000), /holds only 25 bytes/);
});

test('readLogLines stops at the size it saw when it started', async () => {
  const path = join(root, 'growing.json');
  await writeFile(path, '{"id":1}\n');
  const seen: string[] = [];
  for await (const { line } of readLogLines(path, 0, { chunkSize: 4 })) {
    seen.push(line);
    await appendFile(path, '{"id":9}\n');
  }
  assert.deepEqual(seen, ['{"id":1}']);
});

test('readLogBatches honours an aborted signal', async () => {
  const path = join(root, 'abort.json');
  await writeFile(path, '{"id":1}\n'.repeat(100));
  const controller = new AbortController();
  let batches = 0;
  await assert.rejects(async () => {
    for await (const _batch of readLogBatches(path, 0, { chunkSize: 90, signal: controller.signal })) {
      batches++;
      controller.abort();
    }
  }, { name: 'CancelledError' });
  assert.equal(batches, 1);
});

test('readLogChunks closes the file when the reader stops early, with the next read in flight', { skip: process.platform !== 'linux' }, async () => {
  const path = join(root, 'early.json');
  await writeFile(path, '{"id":1}\n'.repeat(1000));
  const openFiles = (): number => readdirSync('/proc/self/fd').length;
  const before = openFiles();
  for await (const chunk of readLogChunks(path, 0, { chunkSize: 64 })) {
    assert.equal(chunk.start, 0);
    break;
  }
  assert.equal(openFiles(), before);
});

test('tailOffset finds where the last N lines start', async () => {
  const path = join(root, 'tail.json');
  await writeFile(path, 'a\nbb\nccc\n');
  assert.equal(await tailOffset(path, 9, 1), 5);
  assert.equal(await tailOffset(path, 9, 2), 2);
  assert.equal(await tailOffset(path, 9, 3), 0);
  assert.equal(await tailOffset(path, 9, 10), 0);
  assert.equal(await tailOffset(path, 5, 1), 2);
  assert.equal(await tailOffset(path, 0, 5), 0);
});
