/**
 * Turns a chunk of log lines into a batch of frames for one destination: parse each line, encode, fit to
 * the size limit, frame. The same function runs in the delivery loop's own thread and in encode workers
 * (encode-pool.ts), so its inputs and outputs are plain data that can cross a thread boundary.
 */
import { isRecord, type VcoEvent } from '../event.js';
import { createEncoder, type Mapping } from '../map/index.js';
import { timeParser } from '../map/time.js';
import { chunkLines, type LogChunk } from '../store/event-log.js';
import type { Destination } from './destination.js';
import { fittingEncoder, type FittedMessage } from './fit.js';
import { FrameBuffer } from './framing.js';

/** Replay's selection: events whose eventTime is in [sinceMs, untilMs). */
export interface TimeRange {
  sinceMs: number;
  untilMs?: number;
}

/** Everything needed to encode a destination's frames; structured-cloneable (no functions). */
export interface EncodingSpec {
  destination: Destination;
  mapping: Mapping;
  enterpriseName: string;
  /** Only events in this range are sent; the others are passed over (replay). */
  range?: TimeRange;
}

/** A log line that was not sent, and why. */
export interface LineFailure {
  offset: number;
  reason: string;
}

export interface EncodedBatch {
  /** The frames, back to back (datagram layout: bare messages, split by `ends`). */
  frames: Uint8Array;
  /** End offset of each message in `frames` (datagram layout only). */
  ends: number[];
  /** Messages in `frames`. */
  count: number;
  /** Log offset just after the chunk's last line. */
  endOffset: number;
  /** Of the chunk's lines at or after `freshFrom` (never handled before): */
  fresh: { sent: number; truncated: number; skipped: number; failures: LineFailure[] };
  /** Messages for lines before `freshFrom`: sent again after a lost connection. */
  resent: number;
}

/** The encoder for a destination: LF framing needs line-safe messages, datagrams and octet frames do not. */
export function destinationEncoder(destination: Destination, mapping: Mapping, enterpriseName: string): (event: VcoEvent) => string {
  const encoder = createEncoder({
    ...destination.encoder,
    format: destination.format,
    mapping,
    lineSafe: destination.protocol !== 'udp' && destination.framing === 'lf',
  });
  const context = { enterpriseName };
  return (event) => encoder(event, context);
}

/** A function from a log chunk to its batch of frames; `freshFrom` is where never-handled lines begin. */
export function batchEncoder(spec: EncodingSpec): (chunk: LogChunk, freshFrom: number) => EncodedBatch {
  const { destination } = spec;
  const datagram = destination.protocol === 'udp';
  const frames = new FrameBuffer(datagram ? 'none' : destination.framing);
  // One fitting step for stream and datagram paths alike: every message is within maxMessageBytes.
  const encode = fittingEncoder(destinationEncoder(destination, spec.mapping, spec.enterpriseName), destination.format, destination.maxMessageBytes);
  const select = spec.range === undefined ? undefined : inRange(spec.range);

  return (chunk, freshFrom) => {
    frames.reset();
    const fresh = { sent: 0, truncated: 0, skipped: 0, failures: [] as LineFailure[] };
    let resent = 0;
    let endOffset = chunk.start;
    for (const { line, start, end } of chunkLines(chunk)) {
      endOffset = end;
      const isFresh = start >= freshFrom;
      const outcome = messageFor(line, select, encode);
      if (typeof outcome === 'object') {
        frames.add(outcome.message);
        if (!isFresh) resent++;
        else {
          fresh.sent++;
          if (outcome.truncated) fresh.truncated++;
        }
      } else if (isFresh && outcome === SKIPPED) fresh.skipped++;
      else if (isFresh) fresh.failures.push({ offset: start, reason: outcome.description ?? '' });
    }
    // A copy with a buffer of its own: the frame buffer is reused, and the copy may move to another thread.
    return { frames: new Uint8Array(frames.bytes()), ends: frames.messageEnds(), count: frames.count, endOffset, fresh, resent };
  };
}

const parseEventTime = timeParser('eventTime');

function inRange({ sinceMs, untilMs }: TimeRange): (event: VcoEvent) => boolean {
  return (event) => {
    const ms = parseEventTime(event.eventTime); // shares the encoder's memoised parse of the same value
    return ms !== undefined && ms >= sinceMs && (untilMs === undefined || ms < untilMs);
  };
}

const SKIPPED = Symbol('not selected');
const NOT_AN_OBJECT = Symbol('not a JSON object');
const ENCODER_FAILED = Symbol('the encoder failed');

/**
 * The message for one log line, or why there is none. A bad line is skipped and counted, never allowed to
 * stop the queue (the collector writes JSON.stringify output, so only damage produces one).
 */
function messageFor(line: string, select: ((event: VcoEvent) => boolean) | undefined, encode: (event: VcoEvent) => FittedMessage): FittedMessage | symbol {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return NOT_AN_OBJECT;
  }
  if (!isRecord(value)) return NOT_AN_OBJECT;
  const event = value as VcoEvent;
  if (select !== undefined && !select(event)) return SKIPPED;
  try {
    return encode(event);
  } catch {
    return ENCODER_FAILED; // the encoder contract says it never throws per event; a bug must not block the queue
  }
}
