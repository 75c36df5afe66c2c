import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadMapping, type Mapping } from '../map/index.js';
import { readLogChunks, type LogChunk } from '../store/event-log.js';
import { makeDestination, type Destination, type DestinationInput } from './destination.js';
import { batchEncoder, type EncodingSpec } from './encode-batch.js';
import { EncodePool, encodeThreadsFor } from './encode-pool.js';

/** A log with what the encoders treat differently: non-ASCII text, JSON and text details, oversize and damaged lines. */
function logText(): string {
  const lines: string[] = [];
  for (let i = 1; i <= 3000; i++) {
    const event = {
      id: i,
      eventTime: new Date(Date.UTC(2024, 4, 1) + i * 1000).toISOString(),
      event: i % 3 === 0 ? 'EDGE_DOWN' : 'LINK_DEAD',
      category: 'EDGE',
      severity: i % 2 === 0 ? 'ALERT' : 'INFO',
      message: i % 7 === 0 ? `Ärger mit Kante ${i} \u{1F525}\nzweite Zeile` : `Edge ${i} is down`,
      detail: i % 5 === 0 ? JSON.stringify({ remoteIp: '10.0.0.1', reason: 'x'.repeat(i % 11 === 0 ? 9000 : 10) }) : 'plain text detail',
      edgeName: `edge-${i}`,
    };
    lines.push(JSON.stringify(event));
    if (i % 997 === 0) lines.push('{"id": 12, "torn');
    if (i % 1499 === 0) lines.push('[1,2,3]');
  }
  return `${lines.join('\n')}\n`;
}

describe('encode pool', () => {
  let dir: string;
  let logPath: string;
  let mapping: Mapping;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vco-siem-pool-'));
    logPath = join(dir, 'events.json');
    await writeFile(logPath, logText());
    mapping = await loadMapping();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const chunksOf = async (): Promise<LogChunk[]> => {
    const chunks: LogChunk[] = [];
    for await (const chunk of readLogChunks(logPath, 0, { chunkSize: 64 * 1024 })) chunks.push(chunk);
    return chunks;
  };
  const destination = (input: Partial<DestinationInput>): Destination =>
    makeDestination({ name: 'd', host: '127.0.0.1', port: 1, protocol: 'tcp', format: 'cef', encoder: { hostname: 'vco.example.net' }, ...input });

  const cases: [string, Partial<DestinationInput>][] = [
    ['CEF over TCP, LF framing', {}],
    ['RFC 5424 over TLS, octet counting', { protocol: 'tls', format: 'rfc5424' }],
    ['LEEF over UDP, one datagram per message', { protocol: 'udp', format: 'leef' }],
  ];
  for (const [name, input] of cases) {
    test(`${name}: two workers and the delivery thread make the same batches as the delivery thread alone`, async () => {
      const spec: EncodingSpec = { destination: destination(input), mapping, enterpriseName: 'ACME' };
      const chunks = await chunksOf();
      assert.ok(chunks.length > 10, 'several chunks');
      // Lines before this offset count as re-sent; it falls inside a chunk, not on its edge.
      const freshFrom = chunks[3]!.start + 1000;
      const pool = new EncodePool(spec, 2);
      let batches;
      try {
        batches = await Promise.all(chunks.map((chunk) => pool.encode(chunk, freshFrom)));
      } finally {
        await pool.close();
      }
      // The same chunks again, after the pool had them: handing a chunk to a worker leaves it intact.
      const inThread = batchEncoder(spec);
      const expected = chunks.map((chunk) => inThread(chunk, freshFrom));
      assert.deepEqual(batches, expected);
      const total = (key: 'sent' | 'truncated') => expected.reduce((n, b) => n + b.fresh[key], 0);
      assert.ok(total('truncated') > 0, 'some events were shortened to fit');
      assert.ok(expected.some((b) => b.resent > 0) && total('sent') > 0, 'fresh and re-sent lines both counted');
      assert.equal(expected.flatMap((b) => b.fresh.failures).length, 5, 'damaged lines and arrays reported');
    });
  }

  test('a time range is applied in the workers as in the thread', async () => {
    const spec: EncodingSpec = {
      destination: destination({}),
      mapping,
      enterpriseName: 'ACME',
      range: { sinceMs: Date.UTC(2024, 4, 1) + 1000 * 1000, untilMs: Date.UTC(2024, 4, 1) + 1500 * 1000 },
    };
    const chunks = await chunksOf();
    const expected = chunks.map((chunk) => batchEncoder(spec)(chunk, 0));
    const pool = new EncodePool(spec, 2);
    try {
      assert.deepEqual(await Promise.all(chunks.map((chunk) => pool.encode(chunk, 0))), expected);
    } finally {
      await pool.close();
    }
    assert.equal(expected.reduce((n, b) => n + b.fresh.sent, 0), 500);
  });

  test('chunks go to the workers while they have room; the delivery thread encodes only when every worker is full', async () => {
    const chunks = (await chunksOf()).slice(0, 6);
    const pool = new EncodePool({ destination: destination({}), mapping, enterpriseName: 'ACME' }, 1);
    try {
      const settled = new Set<number>();
      const batches = chunks.map((chunk, i) => pool.encode(chunk, 0).then((batch) => (settled.add(i), batch)));
      // A batch made in this thread is ready after a few microtasks; a worker's needs a message from another thread.
      for (let tick = 0; tick < 5; tick++) await Promise.resolve();
      assert.deepEqual([...settled].sort(), [2, 3, 4, 5], 'the one worker holds two chunks; this thread took the rest');
      await Promise.all(batches);
    } finally {
      await pool.close();
    }
  });

  test('a spec the encoder rejects fails at once, before any thread starts', () => {
    const bad = { ...destination({}), encoder: { facility: 99 } };
    assert.throws(() => new EncodePool({ destination: bad, mapping, enterpriseName: 'ACME' }, 2), /facility/);
  });

  test('auto: no workers for a small backlog, one per CPU beyond the first for a large one', () => {
    assert.equal(encodeThreadsFor('auto', 1024 * 1024), 0);
    assert.equal(encodeThreadsFor('auto', 23 * 1024 * 1024), 0, 'a worker costs more than it saves below 24 MiB');
    assert.equal(encodeThreadsFor('auto', 64 * 1024 * 1024), Math.min(availableParallelism() - 1, 3));
    assert.equal(encodeThreadsFor(3, 10), 3);
    assert.equal(encodeThreadsFor(0, 64 * 1024 * 1024), 0);
  });

  test('auto: destinations forwarded at once share the workers', async () => {
    const all = Math.min(availableParallelism() - 1, 3);
    const pool = new EncodePool({ destination: destination({}), mapping, enterpriseName: 'ACME' }, 1);
    try {
      assert.equal(encodeThreadsFor('auto', 64 * 1024 * 1024), Math.max(0, all - 1), 'one worker is taken');
    } finally {
      await pool.close();
    }
    assert.equal(encodeThreadsFor('auto', 64 * 1024 * 1024), all, 'given back when the pool closes');
  });
});
