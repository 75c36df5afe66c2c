import assert from 'node:assert/strict';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { eventKey, eventTimeMs, type VcoEvent } from '../event.js';
import { keyText } from './seen-ids.js';
import { Spool, type EventPage } from './spool.js';

let root = '';
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** A page as the pager hands it out. */
const asPage = (events: VcoEvent[]): EventPage => ({ texts: events.map((e) => JSON.stringify(e)), keys: events.map(eventKey), timesMs: events.map(eventTimeMs) });

test('pages come back in reverse order, each sorted by (eventTime, id), with exact JSON and keys', async () => {
  root = await mkdtemp(join(tmpdir(), 'vco-spool-'));
  const path = join(root, 'collect.spool');
  await writeFile(path, 'left over from a crash\n');
  const spool = await Spool.create(path);
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
  ];
  await spool.writePage(asPage(newest));
  await spool.writePage(asPage([]));
  await spool.writePage(asPage(oldest));
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
    expected([oldest[3]!, oldest[2]!, oldest[1]!, oldest[0]!], Date.parse(t(5))),
    expected([newest[5]!, newest[2]!, newest[0]!, newest[4]!, newest[1]!, newest[3]!], Infinity),
  ]);
  await spool.discard();
  await assert.rejects(access(path), { code: 'ENOENT' });
});
