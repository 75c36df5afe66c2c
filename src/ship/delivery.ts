/**
 * The delivery loop shared by forward and replay: read log lines, encode, frame into batches, hand each batch
 * to the sender, and track which log offset is confirmed delivered.
 *
 * Delivery guarantee (stream transports). Plain TCP/TLS has no acknowledgements: bytes the kernel took can
 * still be lost when the SIEM resets the connection (they may sit in either side's socket buffers, which can
 * hold megabytes). The one confirmation plain TCP offers is a clean close: our FIN answered by the SIEM's,
 * which a receiver sends only after it has read everything before our FIN. So the forwarder closes the
 * connection cleanly after every `confirmEveryBytes` (and at the end) and only then counts what went over it
 * as delivered; the next batch opens a new connection. A connection that breaks instead (reset, error) or
 * stalls (the SIEM takes no bytes, or does not answer our FIN, within `writeTimeoutMs`) confirms nothing:
 * what it carried is re-sent from the last confirmed position on a new connection, so:
 *   - nothing the SIEM failed to read is lost, and nothing unconfirmed is ever counted as delivered;
 *   - duplicates are at most what went over the broken connection: confirmEveryBytes plus one batch
 *     (BATCH_BYTES plus one message) of frames. They arise only when the SIEM read part of it before breaking.
 * After MAX_LOSSES_WITHOUT_PROGRESS + 1 lost connections in a row that confirmed nothing new, the run gives
 * up: the rest stays pending, with the reason, for the next run. A run therefore always ends, bounded by
 * about that many times writeTimeoutMs when the SIEM stops reading.
 * UDP is confirmed at once: it cannot confirm anything (see udp.ts).
 */
import { VcoSiemError, errorMessage } from '../errors.js';
import type { VcoEvent } from '../event.js';
import type { Logger } from '../log.js';
import { createEncoder, type Mapping } from '../map/index.js';
import { readLogBatches } from '../store/event-log.js';
import type { DeliveryPosition } from '../store/positions.js';
import type { Destination } from './destination.js';
import { fittingEncoder, type FittedMessage } from './fit.js';
import { FrameBuffer } from './framing.js';
import { ConnectionLostError, type Sender } from './sender.js';

/** Frames are handed to a stream socket in chunks of about this size: one syscall per many events. */
export const BATCH_BYTES = 64 * 1024;
/**
 * Log bytes read per batch. Small enough that a batch's lines and parsed events die young (a 1 MiB batch
 * outlives a scavenge and is promoted, and the old generation then grows to ~100 MB of garbage).
 */
const READ_CHUNK_BYTES = 128 * 1024;
/** Datagrams are sent this many at a time, then awaited together. */
const DATAGRAM_BATCH = 512;
/**
 * Give up after this many lost connections in a row that confirmed nothing new. Progress is the confirmed
 * position, not how far reading got: a SIEM that stops reading lets each new connection fill fresh socket
 * buffers, which would otherwise look like progress and retry for as long as the log lasts.
 */
const MAX_LOSSES_WITHOUT_PROGRESS = 5;

export interface CheckpointPolicy {
  events: number;
  ms: number;
}
/** Save the confirmed position at most this often (fsync'd files cost milliseconds each). */
export const DEFAULT_CHECKPOINT: CheckpointPolicy = { events: 5_000, ms: 1_000 };

export interface DeliveryRun {
  logPath: string;
  /** Where reading starts; `delivered` is carried forward into the confirmed positions. */
  start: DeliveryPosition;
  /** Stop at this byte offset (the log size when the run began). */
  endOffset: number;
  destination: Destination;
  sender: Sender;
  encode: (event: VcoEvent) => string;
  /** Events not selected are passed over (replay's time range). */
  select?: (event: VcoEvent) => boolean;
  /** Persist a confirmed position (called at the checkpoint cadence, not at the end). */
  checkpoint?: (confirmed: DeliveryPosition) => Promise<void>;
  checkpointEvery?: CheckpointPolicy;
  logger: Logger;
  signal?: AbortSignal;
}

export interface DeliveryResult {
  /** Everything before `confirmed.offset` is delivered; the rest is pending. */
  confirmed: DeliveryPosition;
  /** Events taken by the transport the first time (re-sends excluded). */
  sent: number;
  /** Events sent again after a lost connection. */
  resent: number;
  /** Events shortened to fit maxMessageBytes (fit.ts). */
  truncated: number;
  /** Lines that are not a JSON object (skipped, logged with their offset). */
  failed: number;
  /** Events `select` passed over. */
  skipped: number;
  error?: Error;
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

export async function deliver(run: DeliveryRun): Promise<DeliveryResult> {
  const { destination, sender, logger, signal } = run;
  const datagram = sender.kind === 'datagram';
  const frames = new FrameBuffer(datagram ? 'none' : destination.framing);
  // One fitting step for stream and datagram paths alike: every message is within maxMessageBytes.
  const encode = fittingEncoder(run.encode, destination.format, destination.maxMessageBytes);
  const tracker = new InFlight(run.start);
  const cadence = run.checkpointEvery ?? DEFAULT_CHECKPOINT;
  const result: DeliveryResult = { confirmed: run.start, sent: 0, resent: 0, truncated: 0, failed: 0, skipped: 0 };
  let saved = { ...run.start, at: Date.now() };
  let readFrom = run.start.offset;
  let batchEnd = readFrom; // log offset just after the last line handled into `frames`
  let highWater = readFrom; // lines before it were counted already; re-sends do not count twice
  let losses = 0;
  let confirmedAtLastLoss = -1;

  const flush = async (): Promise<void> => {
    if (frames.count > 0) {
      if (datagram) await Promise.all(frames.messages().map((message) => sender.send(message, signal)));
      else await sender.send(frames.bytes(), signal);
    }
    tracker.taken(batchEnd, frames.count, frames.length);
    frames.reset();
    if (datagram || tracker.unconfirmedBytes === 0) tracker.confirm();
    else if (tracker.unconfirmedBytes >= destination.confirmEveryBytes) {
      await sender.close(); // a clean close confirms; the next send opens a new connection
      tracker.confirm();
    }
    const confirmed = tracker.confirmed;
    const due = confirmed.delivered - saved.delivered >= cadence.events || Date.now() - saved.at >= cadence.ms;
    if (run.checkpoint && due && confirmed.offset > saved.offset) {
      await run.checkpoint(confirmed);
      saved = { ...confirmed, at: Date.now() };
    }
  };

  for (;;) {
    try {
      for await (const lines of readLogBatches(run.logPath, readFrom, { endOffset: run.endOffset, chunkSize: READ_CHUNK_BYTES, ...(signal ? { signal } : {}) })) {
        for (const { line, start, end } of lines) {
          const fresh = start >= highWater;
          const outcome = messageFor(line, run.select, encode);
          if (typeof outcome === 'object') {
            frames.add(outcome.message);
            if (fresh) {
              result.sent++;
              if (outcome.truncated) result.truncated++;
            } else result.resent++;
          } else if (fresh && outcome === SKIPPED) result.skipped++;
          else if (fresh) {
            result.failed++;
            logger.warn('skipping a log line that cannot be sent', { path: run.logPath, offset: start, reason: outcome.description });
          }
          batchEnd = end;
          if (end > highWater) highWater = end;
          if (frames.length >= BATCH_BYTES || (datagram && frames.count >= DATAGRAM_BATCH)) await flush();
        }
      }
      await flush();
      await sender.close();
      tracker.confirm();
      break;
    } catch (error) {
      if (!(error instanceof ConnectionLostError)) {
        result.error = error instanceof Error ? error : new VcoSiemError(errorMessage(error));
        break;
      }
      const confirmedOffset = tracker.confirmed.offset;
      losses = confirmedOffset > confirmedAtLastLoss ? 1 : losses + 1;
      confirmedAtLastLoss = confirmedOffset;
      if (losses > MAX_LOSSES_WITHOUT_PROGRESS) {
        result.error = new ConnectionLostError(`${error.message} (lost ${losses} connections in a row without progress; giving up for this run)`, {
          context: error.context,
          cause: error,
        });
        break;
      }
      const from = tracker.rewind();
      logger.warn('connection lost; re-sending what it carried', { destination: destination.name, reason: error.message, fromOffset: from.offset });
      readFrom = from.offset;
      batchEnd = readFrom;
      frames.reset();
    }
  }
  result.confirmed = tracker.confirmed;
  // Counted as sent only what was confirmed; the rest stays pending and goes again next run.
  result.sent = Math.min(result.sent, result.confirmed.delivered - run.start.delivered);
  return result;
}

const SKIPPED = Symbol('not selected');
const NOT_AN_OBJECT = Symbol('not a JSON object');
const ENCODER_FAILED = Symbol('the encoder failed');

/**
 * The message for one log line, or why there is none. A bad line is skipped and counted, never allowed to
 * stop the queue (the collector writes JSON.stringify output, so only damage produces one).
 */
function messageFor(line: string, select: DeliveryRun['select'], encode: (event: VcoEvent) => FittedMessage): FittedMessage | symbol {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return NOT_AN_OBJECT;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return NOT_AN_OBJECT;
  const event = value as VcoEvent;
  if (select !== undefined && !select(event)) return SKIPPED;
  try {
    return encode(event);
  } catch {
    return ENCODER_FAILED; // the encoder contract says it never throws per event; a bug must not block the queue
  }
}

/** What was taken on the current connection since the last confirmation, and the last confirmed position. */
class InFlight {
  confirmed: DeliveryPosition;
  unconfirmedBytes = 0;
  private last: DeliveryPosition;

  constructor(start: DeliveryPosition) {
    this.confirmed = { offset: start.offset, delivered: start.delivered };
    this.last = this.confirmed;
  }

  taken(offset: number, events: number, bytes: number): void {
    this.last = { offset, delivered: this.last.delivered + events };
    this.unconfirmedBytes += bytes;
  }

  confirm(): void {
    this.confirmed = this.last;
    this.unconfirmedBytes = 0;
  }

  /** The connection broke: forget what it carried and resume from the confirmed position. */
  rewind(): DeliveryPosition {
    this.last = this.confirmed;
    this.unconfirmedBytes = 0;
    return this.confirmed;
  }
}
