/**
 * `vco-siem map`: NDJSON events in, one encoded message per line out, exactly as the SIEM would
 * receive it (use an encoder with lineSafe so a message can never span lines). Malformed lines are
 * reported with their 1-based line number and skipped; the rest still map.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { VcoEvent } from '../event.js';
import { errorMessage } from '../errors.js';
import type { EncodeContext } from './view.js';

export interface MapStreamSummary { lines: number; written: number; malformed: number }

export async function mapStream(
  input: Readable,
  output: Writable,
  errors: (lineNo: number, message: string) => void,
  encoder: (event: VcoEvent, context?: EncodeContext) => string,
): Promise<MapStreamSummary> {
  const summary: MapStreamSummary = { lines: 0, written: 0, malformed: 0 };
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    summary.lines++;
    if (line.trim() === '') continue;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch (error) {
      summary.malformed++;
      errors(summary.lines, `not valid JSON: ${errorMessage(error)}`);
      continue;
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      summary.malformed++;
      errors(summary.lines, 'not a JSON object (one event per line expected)');
      continue;
    }
    summary.written++;
    if (!output.write(`${encoder(event as VcoEvent)}\n`)) await once(output, 'drain');
  }
  return summary;
}
