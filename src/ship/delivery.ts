/**
 * The delivery loop shared by forward and replay: read log lines, encode, frame into batches, hand each batch
 * to the sender, and track which log offset is confirmed delivered.
 *
 * Delivery guarantee (stream transports). Plain TCP/TLS has no acknowledgements: bytes the kernel took can
 * still be lost when the SIEM resets the connection (they may sit in either side's socket buffers, which can
 * hold megabytes). The one confirmation plain TCP offers is a clean close: our FIN answered by the SIEM's,
 * which a receiver sends only after it has read everything before our FIN. (TCP cannot tell that FIN from one a
 * SIEM sends on its own at the same moment, without reading what is still on its way; we count on receivers
 * closing only in answer to ours, as syslog receivers do.) So the forwarder closes the
 * connection cleanly after every `confirmEveryBytes` (and at the end) and only then counts what went over it
 * as delivered; the next batch opens a new connection. A connection that breaks instead (reset, error) or
 * stalls (the SIEM takes no bytes, or does not answer our FIN, within `writeTimeoutMs`) confirms nothing:
 * what it carried is re-sent from the last confirmed position on a new connection, so:
 *   - nothing the SIEM failed to read is lost, and nothing unconfirmed is ever counted as delivered;
 *   - duplicates are at most what went over the broken connection: confirmEveryBytes plus one batch (the
 *     frames of one READ_CHUNK_BYTES read of the log). They arise only when the SIEM read part of it before
 *     breaking.
 * After MAX_LOSSES_WITHOUT_PROGRESS + 1 lost connections in a row that confirmed nothing new, the run gives
 * up: the rest stays pending, with the reason, for the next run. A run therefore always ends, bounded by
 * about that many times writeTimeoutMs when the SIEM stops reading.
 * UDP is confirmed at once: it cannot confirm anything (see udp.ts).
 */
import { VcoSiemError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { readLogChunks, type LogChunk } from '../store/event-log.js';
import type { DeliveryPosition } from '../store/positions.js';
import { batchEncoder, type EncodedBatch, type EncodingSpec } from './encode-batch.js';
import { EncodePool, EncodePoolError } from './encode-pool.js';
import { ConnectionLostError, type Sender } from './sender.js';

/**
 * Log bytes read, encoded and handed to the socket as one batch: one syscall per many events. Small enough
 * that a batch's lines and parsed events die young (a 1 MiB batch outlives a scavenge and is promoted, and
 * the old generation then grows to ~100 MB of garbage); large enough that the per-batch costs (a worker round
 * trip, a socket write and the receiver's wake-up) stay small: 256 KiB forwarded 4-5 % faster than 128 KiB,
 * and the receiver used a fifth less CPU, for about 5 MB more peak memory (bench/README.md).
 */
export const READ_CHUNK_BYTES = 256 * 1024;
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
  /** What to encode for whom (the destination, mapping, and replay's time range). */
  encoding: EncodingSpec;
  sender: Sender;
  /** Worker threads that encode (encode-pool.ts); 0 or absent: encode in this thread. */
  encodeThreads?: number;
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
  /** Events outside the encoding's time range (replay). */
  skipped: number;
  error?: Error;
}

export async function deliver(run: DeliveryRun): Promise<DeliveryResult> {
  const result = await deliverAll(run);
  // Counted as sent only what was confirmed; the rest stays pending and goes again next run.
  return { ...result, sent: Math.min(result.sent, result.confirmed.delivered - run.start.delivered) };
}

async function deliverAll(run: DeliveryRun): Promise<DeliveryResult> {
  const threads = run.encodeThreads ?? 0;
  if (threads === 0) return (await deliverBatches(run, inThread(batchEncoder(run.encoding)))).result;
  const pool = new EncodePool(run.encoding, threads);
  let withWorkers: Delivered;
  try {
    withWorkers = await deliverBatches(run, pooled(pool));
  } finally {
    await pool.close();
  }
  const first = withWorkers.result;
  if (!(first.error instanceof EncodePoolError)) return first;
  // Workers cannot run here, or one died: go on from the confirmed position in this thread. Lines already
  // counted (sent over a connection that then could not confirm them) count as re-sent, not again as new.
  run.logger.warn('encode workers failed; encoding in the delivery thread instead', { reason: first.error.message });
  const { result: rest } = await deliverBatches({ ...run, start: first.confirmed }, inThread(batchEncoder(run.encoding)), withWorkers.countedTo);
  return {
    ...rest,
    sent: first.sent + rest.sent,
    resent: first.resent + rest.resent,
    truncated: first.truncated + rest.truncated,
    failed: first.failed + rest.failed,
    skipped: first.skipped + rest.skipped,
  };
}

/** The batches of `chunks`, in log order; `freshFrom` is where never-handled lines begin. */
type BatchSource = (chunks: AsyncIterable<LogChunk>, freshFrom: number) => AsyncIterable<EncodedBatch>;

function inThread(encode: ReturnType<typeof batchEncoder>): BatchSource {
  return async function* (chunks, freshFrom) {
    for await (const chunk of chunks) yield encode(chunk, freshFrom);
  };
}

/** Keeps every thread busy with a couple of chunks while the batches are taken in log order. */
function pooled(pool: EncodePool): BatchSource {
  const depth = pool.depth;
  return async function* (chunks, freshFrom) {
    const queue: Promise<EncodedBatch>[] = [];
    for await (const chunk of chunks) {
      const batch = pool.encode(chunk, freshFrom);
      batch.catch(() => undefined); // a batch left behind by a lost connection must not be an unhandled rejection
      queue.push(batch);
      if (queue.length >= depth) yield await queue.shift()!;
    }
    while (queue.length > 0) yield await queue.shift()!;
  };
}

interface Delivered {
  result: DeliveryResult;
  /** Lines before this offset were counted (sent, failed, ...) by this run: a later pass counts them as re-sent. */
  countedTo: number;
}

async function deliverBatches(run: DeliveryRun, batches: BatchSource, countedTo = run.start.offset): Promise<Delivered> {
  const { sender, logger, signal } = run;
  const { destination } = run.encoding;
  const datagram = sender.kind === 'datagram';
  const tracker = new InFlight(run.start);
  const checkpoints = new Checkpoints(run.checkpoint, run.checkpointEvery ?? DEFAULT_CHECKPOINT, run.start);
  const result: DeliveryResult = { confirmed: run.start, sent: 0, resent: 0, truncated: 0, failed: 0, skipped: 0 };
  let readFrom = run.start.offset;
  let highWater = Math.max(readFrom, countedTo); // lines before it were counted already; re-sends do not count twice
  let losses = 0;
  let confirmedAtLastLoss = -1;

  const send = async (batch: EncodedBatch): Promise<void> => {
    if (batch.count > 0) {
      const frames = Buffer.from(batch.frames.buffer, batch.frames.byteOffset, batch.frames.byteLength);
      if (datagram) await Promise.all(batch.ends.map((end, i) => sender.send(frames.subarray(batch.ends[i - 1] ?? 0, end), signal)));
      else await sender.send(frames, signal);
    }
    // Counted once the transport took the batch: one left behind by a lost connection is counted when it is sent.
    const { fresh } = batch;
    result.sent += fresh.sent;
    result.truncated += fresh.truncated;
    result.skipped += fresh.skipped;
    result.resent += batch.resent;
    result.failed += fresh.failures.length;
    for (const { offset, reason } of fresh.failures) logger.warn('skipping a log line that cannot be sent', { path: run.logPath, offset, reason });
    if (batch.endOffset > highWater) highWater = batch.endOffset;
    tracker.taken(batch.endOffset, batch.count, batch.frames.byteLength);
    if (datagram || tracker.unconfirmedBytes === 0) tracker.confirm();
    else if (tracker.unconfirmedBytes >= destination.confirmEveryBytes) {
      await sender.close(signal); // a clean close confirms; the next send opens a new connection
      tracker.confirm();
    }
    checkpoints.offer(tracker.confirmed);
  };

  for (;;) {
    // One batch on its way to the socket while the next is read and encoded; sends stay one at a time, in order.
    let sending: Promise<void> | undefined;
    try {
      const chunks = readLogChunks(run.logPath, readFrom, { endOffset: run.endOffset, chunkSize: READ_CHUNK_BYTES, ...(signal ? { signal } : {}) });
      for await (const batch of batches(chunks, highWater)) {
        await sending;
        sending = send(batch);
        sending.catch(() => undefined); // awaited before the next send or below: not unhandled meanwhile
      }
      await sending;
      await sender.close(signal);
      tracker.confirm();
      break;
    } catch (error) {
      // Never two sends at once, even after a failure elsewhere; and whether the last one went through.
      const lastSendFailed = sending === undefined ? false : await sending.then(() => false, () => true);
      if (error instanceof EncodePoolError && !datagram && !lastSendFailed) {
        // The connection is healthy as far as we know: a clean close confirms what it carried, so that the
        // caller goes on from there instead of sending it again over the same connection. Not after a failed
        // send: that connection is gone, and a close would find nothing to wait for. (Datagrams confirm at
        // once, and closing a datagram sender would end it.)
        await sender.close(signal).then(
          () => tracker.confirm(),
          () => undefined, // not confirmed: the caller re-sends from the confirmed position on a new connection
        );
      }
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
    }
  }
  const checkpointFailure = await checkpoints.settled();
  // A failed save ends the run, also when the workers failed meanwhile (that would only switch threads).
  if (checkpointFailure !== undefined && (result.error === undefined || result.error instanceof EncodePoolError)) result.error = checkpointFailure;
  result.confirmed = tracker.confirmed;
  return { result, countedTo: highWater };
}

/**
 * Saves confirmed positions at the checkpoint cadence without holding up the sending: one save at a time
 * runs in the background (an fsync'd file costs milliseconds), and a failed save stops the run at the next
 * offer or at the end, as a failure in the send path would.
 */
class Checkpoints {
  private saved: DeliveryPosition & { at: number };
  private saving: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly save: ((confirmed: DeliveryPosition) => Promise<void>) | undefined,
    private readonly cadence: CheckpointPolicy,
    start: DeliveryPosition,
  ) {
    this.saved = { ...start, at: Date.now() };
  }

  offer(confirmed: DeliveryPosition): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.save === undefined || this.saving !== undefined || confirmed.offset <= this.saved.offset) return;
    const due = confirmed.delivered - this.saved.delivered >= this.cadence.events || Date.now() - this.saved.at >= this.cadence.ms;
    if (!due) return;
    this.saved = { ...confirmed, at: Date.now() };
    this.saving = this.save(confirmed).then(
      () => {
        this.saving = undefined;
      },
      (error: unknown) => {
        this.saving = undefined;
        this.failure = error instanceof Error ? error : new VcoSiemError(errorMessage(error));
      },
    );
  }

  /** Waits for a save in progress; its failure, if any save failed. */
  async settled(): Promise<Error | undefined> {
    await this.saving;
    return this.failure;
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
