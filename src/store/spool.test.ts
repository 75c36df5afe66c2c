import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EventBatch } from '../collect/event-text.js';
import { eventKey, eventTimeMs, type VcoEvent } from '../event.js';
import { keyText } from './seen-ids.js';
import { Spool } from './spool.js';

let root = '';
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** A page as the pager hands it out. */
const asPage = (events: VcoEvent[]): EventBatch => EventBatch.fromValues(events);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vco-spool-'));
});

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** Memory budgets, from the first page's bytes: all held in memory, all on file, moved to the file at the second page. */
const budgets = [
  { name: 'in memory', memoryBytes: (): number => 1 << 20, onFile: false, spilledAtFirst: false },
  { name: 'on file', memoryBytes: (): number => 0, onFile: true, spilledAtFirst: true },
  { name: 'moved to the file at the second page', memoryBytes: (firstPage: number): number => 2 * firstPage, onFile: true, spilledAtFirst: false },
];

for (const { name, onFile, spilledAtFirst, ...budget } of budgets) test(`pages come back in reverse order, each sorted by (eventTime, id), with exact JSON and keys (${name})`, async () => {
  const t = (s: number): string => `2024-05-01T10:00:0${s}.000Z`;
  const newest: VcoEvent[] = [
    { id: 12, eventTime: t(5), message: 'tab\there, newline\nthere, "quotes", é😀' },
    { id: 11, eventTime: t(6) },
    { id: 10, eventTime: t(5) },
    // Structural characters inside strings, escapes, a trailing backslash and nested values must not move the
    // boundaries of the events cut out of the page's JSON array.
    { id: 13, eventTime: t(7), detail: '},{"x":"\\"]', message: 'say "{" and end in a backslash \\', nested: { list: [1, { s: '}{][' }], empty: {} } },
    // Keys that are not plain numbers, beside numeric ones in the same second.
    { logicalId: 'z', eventTime: t(5) },
    { id: 1.5, eventTime: t(5) },
  ];
  const oldest: VcoEvent[] = [
    { logicalId: 'b\n\t"x"', eventTime: t(2) },
    { logicalId: 'a', eventTime: t(2) },
    { eventTime: t(1), event: 'NO_ID' },
    { eventTime: 'not a time', event: 'UNDATED' },
    { id: 3, eventTime: t(3), message: 'long enough not to fit beside the first page '.repeat(100) },
  ];
  const path = join(root, `collect-${name.replaceAll(' ', '-')}.spool`);
  await writeFile(path, 'left over from a crash\n');
  const spool = Spool.create(path, { memoryBytes: budget.memoryBytes(asPage(newest).data.length) });
  await spool.writePage(asPage(newest));
  assert.equal(spool.spilled, spilledAtFirst);
  await spool.writePage(asPage([]));
  await spool.writePage(asPage(oldest));
  assert.equal(spool.spilled, onFile);
  assert.equal(await readFile(path, 'utf8') === 'left over from a crash\n', !onFile, 'the file is replaced only when pages go there');
  const pages: { keys: string[]; times: number[]; dated: boolean[]; laterFromMs: number; all: string; firstAndLast: string }[] = [];
  for await (const page of spool.pagesOldestFirst()) {
    pages.push({
      keys: page.events.map((e) => keyText(e.key)),
      times: page.events.map((e) => e.timeMs),
      dated: page.events.map((e) => e.dated),
      laterFromMs: page.laterFromMs,
      all: page.linesOf(page.events).toString('utf8'),
      firstAndLast: page.linesOf([page.events[0]!, page.events.at(-1)!]).toString('utf8'),
    });
  }
  const expected = (events: VcoEvent[], laterFromMs: number) => ({
    keys: events.map(eventKey),
    times: events.map((e) => eventTimeMs(e) ?? 0),
    dated: events.map((e) => eventTimeMs(e) !== undefined),
    laterFromMs,
    all: events.map((e) => `${JSON.stringify(e)}\n`).join(''),
    firstAndLast: `${JSON.stringify(events[0])}\n${JSON.stringify(events.at(-1))}\n`,
  });
  assert.deepEqual(pages, [
    expected([oldest[3]!, oldest[2]!, oldest[1]!, oldest[0]!, oldest[4]!], Date.parse(t(5))),
    expected([newest[5]!, newest[2]!, newest[0]!, newest[4]!, newest[1]!, newest[3]!], Infinity),
  ]);
  await spool.discard();
  assert.equal(await exists(path), !onFile, 'a file the spool wrote is deleted; one it never used is left to the collector');
});

test('a spool whose file cannot be created fails the page that needed it, and can still be discarded', async () => {
  const spool = Spool.create(join(root, 'no-such-dir', 'collect.spool'), { memoryBytes: 0 });
  await assert.rejects(spool.writePage(asPage([{ id: 1, eventTime: '2024-05-01T10:00:00.000Z' }])), { code: 'ENOENT' });
  await spool.discard();
  assert.equal(spool.spilled, false);
});
