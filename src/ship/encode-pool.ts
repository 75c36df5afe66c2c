/**
 * Encoding spread over worker threads. Parsing and encoding cost several microseconds of CPU per event,
 * while the socket side is cheap, so a large backlog goes faster when other cores encode: the delivery loop
 * reads raw chunks of the log, gives each to the least busy worker (or encodes it itself when all are full, see
 * EncodePool), and takes the batches back in log order. A chunk goes to a worker as a copy of its own and the
 * frames come back without a copy (transferred ArrayBuffers).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { VcoSiemError } from '../errors.js';
import type { LogChunk } from '../store/event-log.js';
import { batchEncoder, type EncodedBatch, type EncodingSpec } from './encode-batch.js';

/** The encode workers cannot do their job (a worker failed to start, crashed or was stopped). */
export class EncodePoolError extends VcoSiemError {}

/** Sent to a worker: one chunk of log lines. */
export interface EncodeRequest {
  bytes: Uint8Array;
  start: number;
  freshFrom: number;
}

/** Sent back: the batch, or why the worker could not make it. */
export type EncodeReply = { batch: EncodedBatch } | { error: string };

interface Waiting {
  resolve: (batch: EncodedBatch) => void;
  reject: (error: Error) => void;
}

class EncodeWorker {
  /** Replies come back in the order requests went in. */
  private readonly waiting: Waiting[] = [];
  private readonly worker: Worker;
  private failure: Error | undefined;

  /** Chunks given to this worker and not yet back. */
  get pending(): number {
    return this.waiting.length;
  }

  constructor(spec: EncodingSpec) {
    // A small young generation: a batch's garbage dies young anyway, and the default (up to 48 MB) costs memory.
    this.worker = new Worker(new URL('./encode-worker.js', import.meta.url), { workerData: spec, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    this.worker.on('message', (reply: EncodeReply) => {
      const waiting = this.waiting.shift();
      if ('batch' in reply) waiting?.resolve(reply.batch);
      else waiting?.reject(new EncodePoolError(`an encode worker failed: ${reply.error}`));
    });
    this.worker.on('messageerror', (error) => this.fail(new EncodePoolError(`a reply of an encode worker could not be read: ${error.message}`, { cause: error })));
    this.worker.on('error', (error) => this.fail(new EncodePoolError(`an encode worker failed: ${error.message}`, { cause: error })));
    this.worker.on('exit', (code) => this.fail(new EncodePoolError(`an encode worker stopped (exit code ${code})`)));
  }

  encode(chunk: LogChunk, freshFrom: number): Promise<EncodedBatch> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    // A copy that owns its whole buffer, so moving it cannot take bytes that other views share (pooled Buffers).
    const bytes = new Uint8Array(chunk.bytes);
    const request: EncodeRequest = { bytes, start: chunk.start, freshFrom };
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(request, [bytes.buffer]);
    });
  }

  async terminate(): Promise<void> {
    this.failure ??= new EncodePoolError('the encode pool was closed');
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.waiting.splice(0)) waiting.reject(this.failure);
  }
}

/** Workers of all pools now open in this process: destinations forwarded at once share one budget. */
let workersRunning = 0;

/** Chunks a worker holds at most: one it encodes and one waiting, so it never idles while a reply travels. */
const WORKER_QUEUE = 2;

/**
 * `workers` worker threads and the delivery thread share the chunks. A chunk goes to the least busy worker;
 * the delivery thread encodes it itself only when every worker is full. The delivery thread also reads the
 * log and writes the socket, so a fixed share would make it the bottleneck while the workers wait; this way
 * the workers are never starved and the delivery thread takes what its spare time allows. On a 2-CPU machine
 * one worker and the delivery thread use both CPUs; each worker thread costs about 30 MB of memory.
 */
export class EncodePool {
  private readonly workers: EncodeWorker[];
  private closed = false;
  private readonly encodeHere: (chunk: LogChunk, freshFrom: number) => EncodedBatch;

  constructor(spec: EncodingSpec, workers: number) {
    this.encodeHere = batchEncoder(spec); // a bad spec fails here, before any thread is started
    this.workers = [];
    try {
      for (let i = 0; i < workers; i++) {
        this.workers.push(new EncodeWorker(spec));
        workersRunning++;
      }
    } catch (error) {
      void this.close(); // threads already started must not keep the process alive
      throw error;
    }
  }

  /** Chunks being encoded at once that keep every thread busy. */
  get depth(): number {
    return (this.workers.length + 1) * WORKER_QUEUE;
  }

  /** The chunk's batch, in the order the chunks were given when awaited in that order. */
  encode(chunk: LogChunk, freshFrom: number): Promise<EncodedBatch> {
    let worker: EncodeWorker | undefined;
    for (const candidate of this.workers) if (candidate.pending < (worker?.pending ?? WORKER_QUEUE)) worker = candidate;
    if (worker === undefined) {
      try {
        return Promise.resolve(this.encodeHere(chunk, freshFrom));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new VcoSiemError(String(error)));
      }
    }
    return worker.encode(chunk, freshFrom);
  }

  async close(): Promise<void> {
    if (!this.closed) workersRunning -= this.workers.length;
    this.closed = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/** ENCODE_THREADS: 'auto', or a fixed number of encode workers (0 = encode in the delivery thread only). */
export type EncodeThreads = number | 'auto';

/**
 * Below this much log to send, starting workers (tens of milliseconds each, and a second copy of the code to
 * compile and warm up) costs more than it saves: on 2 CPUs, one worker first won at about 25 MiB (CEF, bench log;
 * 9 MiB: 279 against 226 ms, 31 MiB: 465 against 527 ms, bench/README.md).
 */
const AUTO_THREADS_MIN_BYTES = 24 * 1024 * 1024;
const AUTO_THREADS_MAX = 3;

/**
 * Workers for a run that sends `pendingBytes` of the log. With 'auto', one per CPU beyond the delivery thread's,
 * less those other destinations' pools hold right now.
 */
export function encodeThreadsFor(setting: EncodeThreads, pendingBytes: number): number {
  if (setting !== 'auto') return setting;
  if (pendingBytes < AUTO_THREADS_MIN_BYTES) return 0;
  return Math.max(0, Math.min(availableParallelism() - 1, AUTO_THREADS_MAX) - workersRunning);
}
