/** Picks the sender for a destination's protocol. */
import type { Logger } from '../log.js';
import type { Destination } from './destination.js';
import type { Sender } from './sender.js';
import { createTcpSender } from './tcp.js';
import { createTlsSender } from './tls.js';
import { UdpSender } from './udp.js';

export async function createSender(destination: Destination, logger?: Logger): Promise<Sender> {
  switch (destination.protocol) {
    case 'udp':
      return UdpSender.open(destination);
    case 'tcp':
      return createTcpSender(destination, logger);
    case 'tls':
      return createTlsSender(destination, logger);
  }
}
