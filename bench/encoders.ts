/** Benchmark 5: events per second of each wire format on its own, in-process, on parsed events. */
import { createEncoder, FORMATS, loadMapping } from '../src/map/index.js';
import { BENCH_ENTERPRISE, parsedEvents } from './lib/events.js';
import type { Sizes } from './lib/sizes.js';
import { formatRate, info, type Row } from './lib/table.js';

export async function encodersBench(sizes: Sizes): Promise<Row[]> {
  const events = parsedEvents(sizes.encoderEvents);
  const mapping = await loadMapping();
  const context = { enterpriseName: BENCH_ENTERPRISE.name };
  const rows: Row[] = [];
  for (const format of FORMATS) {
    const encode = createEncoder({ format, mapping, hostname: 'bench-agent', lineSafe: true });
    let bytes = 0;
    for (const event of events) bytes += encode(event, context).length; // warm-up, and the average size
    let encoded = 0;
    let sink = 0; // uses every result, so no work can be optimised away
    const started = performance.now();
    let elapsed = 0;
    while (elapsed < sizes.encoderMs) {
      for (const event of events) sink += encode(event, context).length;
      encoded += events.length;
      elapsed = performance.now() - started;
    }
    if (sink === 0) throw new Error(`the ${format} encoder produced nothing`);
    rows.push(info(`encoder: ${format}`, `${formatRate((encoded / elapsed) * 1000)} (avg ${Math.round(bytes / events.length)} chars)`));
  }
  return rows;
}
