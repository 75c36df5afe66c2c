/**
 * Realistic event logs for the benches, built with the simulator's own catalogue (every VCO event type, JSON,
 * array, plain-text and null details) without HTTP. One event in LONG_MESSAGE_EVERY also carries a long
 * multi-line message (a diagnostics dump), so escaping, line-safety and truncation are on the measured path.
 */
import { link, copyFile, mkdir, open, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Enterprise, VcoEvent } from '../../src/event.js';
import { buildProfile, GeneratedRange } from '../../src/simulator/sources.js';
import { resolveEnterpriseDir } from '../../src/store/paths.js';
import { LOG_FILE } from '../../src/store/state.js';
import { CACHE_DIR } from './paths.js';

/** Bump when the generated content changes, so stale cached logs are not reused. */
const LOG_VERSION = 1;
const SEED = 20240501;
const LONG_MESSAGE_EVERY = 50;
const DAY_MS = 86_400_000;
export const BENCH_ENTERPRISE: Enterprise = { id: 1, name: 'ACME Co.' };

const DIAGNOSTICS = [
  'route table: 0.0.0.0/0 via 51.15.2.1 dev GE2 metric 10 | 10.0.0.0/8 via overlay',
  'arp: 192.168.1.1 at 00:1b:21:3a:4f:aa [ether] on br-lan | ',
  'ping 8.8.8.8: 64 bytes icmp_seq=1 ttl=117 time=11.3 ms\r\n',
  'Interface GE3 "uplink (ISP \\ backup)" errors=0 drops=12 | naïve-café |',
];

/** Event `i` of a deterministic range over the last 30 days. */
function eventSource(count: number): (i: number) => VcoEvent {
  const now = Date.UTC(2024, 4, 1);
  const range = new GeneratedRange(buildProfile(SEED, BENCH_ENTERPRISE), {
    count,
    startMs: now - 30 * DAY_MS,
    endMs: now,
    idBase: 2_900_001,
    seed: SEED,
    idStyle: 'numeric',
  });
  return (i) => {
    const event = range.eventAt(i);
    if (i % LONG_MESSAGE_EVERY === LONG_MESSAGE_EVERY - 1) {
      let long = `${event.message ?? ''}\n`;
      for (let k = 0; long.length < 1500; k++) long += `${DIAGNOSTICS[k % DIAGNOSTICS.length]}\n`;
      event.message = long;
    }
    return event;
  };
}

/** `count` events as parsed objects, as the forwarder sees them after JSON.parse of a log line. */
export function parsedEvents(count: number): VcoEvent[] {
  const at = eventSource(count);
  return Array.from({ length: count }, (_, i) => JSON.parse(JSON.stringify(at(i))) as VcoEvent);
}

/** Path of an NDJSON log of `count` events, written once and then reused from the cache directory. */
export async function cachedEventLog(count: number): Promise<{ path: string; bytes: number }> {
  const path = join(CACHE_DIR, `events-v${LOG_VERSION}-${count}.ndjson`);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isFile()) return { path, bytes: existing.size };
  await mkdir(CACHE_DIR, { recursive: true });
  const partial = `${path}.${process.pid}.partial`;
  const handle = await open(partial, 'w');
  try {
    const at = eventSource(count);
    let chunk = '';
    for (let i = 0; i < count; i++) {
      chunk += `${JSON.stringify(at(i))}\n`;
      if (chunk.length >= 1 << 22) {
        await handle.write(chunk);
        chunk = '';
      }
    }
    await handle.write(chunk);
  } finally {
    await handle.close();
  }
  await rename(partial, path);
  return { path, bytes: (await stat(path)).size };
}

/** A data directory holding one enterprise whose events.json is `logPath` (hard-linked: forwarding only reads it). */
export async function prepareDataDir(dataDir: string, logPath: string): Promise<void> {
  const dir = await resolveEnterpriseDir(dataDir, BENCH_ENTERPRISE);
  const target = join(dir, LOG_FILE);
  await link(logPath, target).catch(() => copyFile(logPath, target));
}
