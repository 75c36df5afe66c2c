/** Plain TCP syslog (RFC 6587). Everything but opening the connection lives in the shared stream core. */
import net from 'node:net';
import { TransportError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { destinationAddress, type Destination } from './destination.js';
import { StreamSender, streamSenderOptions, whenReady, type StreamConnect } from './stream-sender.js';

export function tcpConnector(destination: Destination): StreamConnect {
  const address = destinationAddress(destination);
  return (signal) =>
    whenReady(net.connect({ host: destination.host, port: destination.port }), 'connect', signal, (error) =>
      new TransportError(`cannot connect to ${address}: ${errorMessage(error)}`, { context: { address, code: (error as NodeJS.ErrnoException).code }, cause: error }),
    );
}

export function createTcpSender(destination: Destination, logger?: Logger): StreamSender {
  return new StreamSender({ ...streamSenderOptions(destination, logger), connect: tcpConnector(destination) });
}
