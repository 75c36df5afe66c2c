/** Entry point of an encode worker thread (encode-pool.ts): log chunks in, frame batches out. */
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors.js';
import { batchEncoder, type EncodingSpec } from './encode-batch.js';
import type { EncodeReply, EncodeRequest } from './encode-pool.js';

const port = parentPort;
if (port === null) throw new Error('encode-worker.js runs as a worker thread (see encode-pool.ts)');
const encode = batchEncoder(workerData as EncodingSpec);

port.on('message', ({ bytes, start, freshFrom }: EncodeRequest) => {
  let reply: EncodeReply;
  try {
    reply = { batch: encode({ bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), start }, freshFrom) };
  } catch (error) {
    reply = { error: errorMessage(error) };
  }
  port.postMessage(reply, 'batch' in reply ? [reply.batch.frames.buffer as ArrayBuffer] : []);
});
