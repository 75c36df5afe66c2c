import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { SeenIds, keyText } from '../store/seen-ids.js';
import { Spool } from '../store/spool.js';
import { RunDedupe } from './dedupe.js';
import { EventBatch } from './event-text.js';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vco-dedupe-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

let runs = 0;

/** A fetched event: its id and eventTime (ms; undefined: none). The same id always comes with the same time. */
interface Fetched {
  id: number;
  timeMs: number | undefined;
}

/**
 * Runs `pages` (in fetch order) through a spool and RunDedupe as the collector does; returns the ids judged new, in
 * append order, the most in-run keys held at once, and the keys the saved id cache holds afterwards.
 */
async function run(pages: Fetched[][], opts: { known?: number[]; rememberFrom: number; capacity?: number; countFromMs?: number }): Promise<{ fresh: number[]; held: number; cached: string[]; counted: number }> {
  const dir = await mkdtemp(join(root, 'run-'));
  await writeFile(join(dir, 'events.json'), '');
  const seen = await SeenIds.load(dir, { path: join(dir, 'events.json'), size: 0 }, { max: opts.capacity ?? 1000 });
  for (const id of opts.known ?? []) seen.remember(`id:${id}`);
  // Pages held in memory or written to the spool file, by turns: the two must read back alike.
  const spool = Spool.create(join(dir, 'collect.spool'), { memoryBytes: (runs++ % 2) * 1e9 });
  for (const page of pages) await spool.writePage(EventBatch.fromValues(page.map((e) => ({ id: e.id, eventTime: e.timeMs }))));
  const dedupe = new RunDedupe(seen, opts.rememberFrom, opts.countFromMs);
  const fresh: number[] = [];
  let held = 0;
  for await (const page of spool.pagesOldestFirst()) {
    for (const event of page.events) if (dedupe.isNew(event)) fresh.push(event.key as number);
    held = Math.max(held, dedupe.held);
    dedupe.pageDone(page.laterFromMs);
  }
  await spool.discard();
  await seen.save(0);
  const saved = await SeenIds.load(dir, { path: join(dir, 'events.json'), size: 0 }, { max: opts.capacity ?? 1000 });
  const all = new Set([...pages.flat().map((e) => e.id), ...(opts.known ?? [])]);
  return { fresh, held, cached: [...all].filter((id) => saved.has(id)).map(keyText).sort(), counted: dedupe.counted };
}

/** The events in append order: pages oldest first, each sorted by (time, id). */
function appendOrder(pages: Fetched[][]): Fetched[] {
  return [...pages].reverse().flatMap((page) => [...page].sort((a, b) => (a.timeMs ?? 0) - (b.timeMs ?? 0) || a.id - b.id));
}

/** What an unbounded set over the append order says (the old behaviour with an id cache that never evicts). */
function reference(pages: Fetched[][], known: number[] = []): number[] {
  const seen = new Set(known);
  const fresh: number[] = [];
  for (const e of appendOrder(pages)) {
    if (!seen.has(e.id)) fresh.push(e.id);
    seen.add(e.id);
  }
  return fresh;
}

/** The keys an LRU of `capacity` holds after `known`, then the events told to it: ordinal >= rememberFrom, or undated. */
function cacheModel(pages: Fetched[][], known: number[], capacity: number, rememberFrom: number): string[] {
  const lru = new Map<number, true>();
  const touch = (id: number): void => {
    lru.delete(id);
    lru.set(id, true);
    if (lru.size > capacity) lru.delete(lru.keys().next().value!);
  };
  known.forEach(touch);
  appendOrder(pages).forEach((e, ordinal) => {
    if (e.timeMs === undefined || ordinal >= rememberFrom) touch(e.id);
  });
  return [...lru.keys()].map((id) => `id:${id}`).sort();
}

test('repeats across a split second are caught although its slices are read out of time order', async () => {
  const S = 1_000_000; // a crowded second; pages in fetch order (newest first), as the pager makes them
  const pages: Fetched[][] = [
    [{ id: 50, timeMs: S + 5 }, { id: 51, timeMs: S + 6 }, { id: 40, timeMs: S + 5 }], // the full page that was split
    [{ id: 40, timeMs: S + 5 }, { id: 10, timeMs: S - 1 }, { id: 41, timeMs: S + 900 }], // slice "severity is A", from S - 1
    [{ id: 11, timeMs: S - 1 }, { id: 60, timeMs: S + 700 }, { id: 50, timeMs: S + 5 }], // slice "is B"
    [{ id: 10, timeMs: S - 1 }, { id: 11, timeMs: S - 1 }, { id: 1, timeMs: S - 5000 }], // the older pages, ending at S - 1
  ];
  const { fresh, held } = await run(pages, { rememberFrom: Infinity });
  assert.deepEqual(fresh, reference(pages));
  assert.deepEqual([...fresh].sort((a, b) => a - b), [1, 10, 11, 40, 41, 50, 51, 60]);
  assert.ok(held <= 8);
});

test('a repeat a long way behind the newest time seen so far is still caught', async () => {
  // Appended first: the older page; then a page reaching far ahead; then one that comes back to time 100.
  const pages: Fetched[][] = [
    [{ id: 7, timeMs: 100 }, { id: 8, timeMs: 120_000 }],
    [{ id: 9, timeMs: 60_000 }, { id: 10, timeMs: 90_000_000 }],
    [{ id: 7, timeMs: 100 }, { id: 6, timeMs: 50 }],
  ];
  assert.deepEqual((await run(pages, { rememberFrom: Infinity })).fresh, reference(pages));
});

test('the in-run set stays small on a long backfill; the id cache is told only the keys of the last `capacity` events', async () => {
  // 200 pages of 50 events, 1 s apart, each page repeating the previous page's last millisecond.
  const pages: Fetched[][] = [];
  for (let p = 199; p >= 0; p--) {
    const page: Fetched[] = [];
    for (let k = 0; k <= 50; k++) page.push({ id: p * 50 + k, timeMs: (p * 50 + k) * 1000 });
    pages.push(page);
  }
  const offered = 200 * 51;
  const { fresh, held, cached, counted } = await run(pages, { rememberFrom: offered - 100, known: [3, 4], capacity: 100, countFromMs: 9_950_000 });
  assert.equal(counted, 51, 'ids 9950..10000 in the next look-back, 9950 counted once although offered twice');
  assert.deepEqual(fresh, reference(pages, [3, 4]));
  assert.equal(fresh.length, 10_001 - 2);
  assert.ok(held <= 51 + 1, `held ${held} keys`);
  // The last 100 events offered are ids 9902..10000 (9950 twice); with 4 (3 is the least recent) that fills 100.
  assert.deepEqual(cached, ['id:4', ...Array.from({ length: 99 }, (_, i) => `id:${9902 + i}`)].sort());
  assert.deepEqual(cached, cacheModel(pages, [3, 4], 100, offered - 100));
});

test('any pages: exactly the new keys an unbounded set would give, first sighting in append order; the cache as an LRU told the last events', async () => {
  const time = fc.option(fc.integer({ min: 0, max: 20 }).map((t) => t * 500), { nil: undefined, freq: 8 });
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(fc.nat(40), { maxLength: 12 }), { maxLength: 8 }),
      fc.array(time, { minLength: 41, maxLength: 41 }),
      fc.array(fc.nat(40), { maxLength: 5 }),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 3, max: 50 }),
      async (pageIds, times, known, rememberFrom, capacity) => {
        // The same id always has the same time, as one event has one eventTime.
        const pages = pageIds.map((ids) => ids.map((id) => ({ id, timeMs: times[id] })));
        // With room for every key, exactly the unbounded set's answer.
        const roomy = await run(pages, { rememberFrom, known, capacity: 1000 });
        assert.deepEqual(roomy.fresh, reference(pages, known));
        assert.deepEqual(roomy.cached, cacheModel(pages, known, 1000, rememberFrom));
        // A small cache ends up as an LRU told the same keys (what a later run can still recognise).
        const small = await run(pages, { rememberFrom, known, capacity });
        assert.deepEqual(small.cached, cacheModel(pages, known, capacity, rememberFrom));
      },
    ),
    { numRuns: 60 },
  );
});
