/**
 * The forwarding ceiling, run as its own process: read an NDJSON log in large chunks and JSON.parse every
 * line and every JSON `detail`, nothing else. Prints one JSON line: { events, ms, eventsPerSec }.
 * Usage: node ceiling.js <file>
 */
import { open } from 'node:fs/promises';

const CHUNK = 1 << 20;

async function parseAll(path: string): Promise<number> {
  const handle = await open(path, 'r');
  let events = 0;
  let sink = 0; // keeps the parsed values observable so the work cannot be optimised away
  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    let filled = 0;
    for (;;) {
      if (filled === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
      const data = buf.subarray(0, filled);
      let start = 0;
      for (let nl = data.indexOf(0x0a, 0); nl !== -1; nl = data.indexOf(0x0a, start)) {
        const event = JSON.parse(data.toString('utf8', start, nl)) as { detail?: unknown };
        const detail = event.detail;
        if (typeof detail === 'string' && (detail.startsWith('{') || detail.startsWith('['))) {
          try {
            sink += JSON.parse(detail) === null ? 0 : 1;
          } catch {
            // plain text that only looks like JSON
          }
        }
        events++;
        start = nl + 1;
      }
      buf.copy(buf, 0, start, filled);
      filled -= start;
    }
  } finally {
    await handle.close();
  }
  if (sink < 0) process.stderr.write('');
  return events;
}

const file = process.argv[2];
if (!file) throw new Error('usage: ceiling.js <ndjson file>');
const started = performance.now();
const events = await parseAll(file);
const ms = performance.now() - started;
process.stdout.write(`${JSON.stringify({ events, ms, eventsPerSec: (events / ms) * 1000 })}\n`);
