/**
 * Syslog over TLS (RFC 5425): TLS 1.2 minimum, the SIEM certificate verified against the system roots plus
 * an optional CA file, SNI, optional client certificate (mutual TLS). Verification is off only when the
 * destination says insecure (the caller warns). Nothing is written before the handshake is verified.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { ConfigError, TransportError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Destination } from './destination.js';
import { StreamSender, fatalTransportError, streamSenderOptions, whenReady, type StreamConnect } from './stream-sender.js';

const MIN_TLS_VERSION = 'TLSv1.2';

/** PEM contents read from the files a destination names. */
export interface TlsMaterial {
  ca?: string[];
  cert?: Buffer;
  key?: Buffer;
}

export async function loadTlsMaterial(settings: Destination['tls']): Promise<TlsMaterial> {
  const read = async (path: string | undefined, setting: string): Promise<Buffer | undefined> => {
    if (path === undefined) return undefined;
    try {
      return await readFile(path);
    } catch (error) {
      throw new ConfigError(`${setting}=${path} cannot be read: ${errorMessage(error)}`, { setting, path });
    }
  };
  const [ca, cert, key] = await Promise.all([read(settings.ca, 'SIEM_TLS_CA'), read(settings.cert, 'SIEM_TLS_CERT'), read(settings.key, 'SIEM_TLS_KEY')]);
  return {
    // Passing `ca` replaces Node's store, so keep the system roots and add the SIEM's CA to them.
    ...(ca ? { ca: [...tls.rootCertificates, ca.toString('utf8')] } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
  };
}

/** Options for tls.connect; `verify: false` lets check.ts report on a certificate it would refuse. */
export function tlsConnectOptions(destination: Destination, material: TlsMaterial, verify = !destination.tls.insecure): tls.ConnectionOptions {
  const servername = destination.tls.servername ?? (isIP(destination.host) === 0 ? destination.host : undefined);
  return {
    host: destination.host,
    port: destination.port,
    minVersion: MIN_TLS_VERSION,
    rejectUnauthorized: verify,
    ...(servername ? { servername } : {}),
    ...material,
  };
}

const UNTRUSTED = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
const CLIENT_CERT_ALERT = /certificate required|bad certificate|unknown ca|certificate unknown|handshake failure/i;

/** What to do about a certificate problem, or undefined when the error is not one. */
function certificateHint(code: string | undefined, reason: string): string | undefined {
  if (code && UNTRUSTED.has(code)) return 'set SIEM_TLS_CA to the CA file that signed the SIEM certificate';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'the SIEM certificate is outside its validity period; renew it on the SIEM (or fix the clock)';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'connect by a name the certificate lists, or set SIEM_TLS_SERVERNAME to one';
  if (CLIENT_CERT_ALERT.test(reason)) return 'the SIEM refused the TLS client: it may require a client certificate (SIEM_TLS_CERT and SIEM_TLS_KEY) signed by a CA it trusts';
  if (code !== undefined && /^(CERT_|UNABLE_TO_)/.test(code)) return 'the SIEM certificate cannot be verified';
  if (/unsupported protocol|wrong version number|protocol version/i.test(reason)) return `the SIEM does not speak ${MIN_TLS_VERSION} or later`;
  return undefined;
}

/** OpenSSL errors carry a short `reason` ("tlsv13 alert certificate required"); their message is a dump. */
function reasonOf(error: Error): string {
  const { reason } = error as { reason?: unknown };
  return typeof reason === 'string' && reason !== '' ? reason : error.message;
}

/** A TLS failure as a clear TransportError naming host:port; certificate problems are not retried. */
export function explainTlsError(error: Error, address: string): TransportError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = reasonOf(error);
  const hint = certificateHint(code, reason);
  if (hint === undefined) return new TransportError(`TLS connection to ${address} failed: ${reason}`, { context: { address, code }, cause: error });
  return fatalTransportError(`TLS connection to ${address} refused: ${reason}; ${hint}`, { address, code }, error);
}

/** The reason a TLS connection ended, with a hint when it shows a certificate problem. */
function explainLoss(error: Error): string {
  const reason = reasonOf(error);
  const hint = certificateHint((error as NodeJS.ErrnoException).code, reason);
  return hint ? `${reason}; ${hint}` : reason;
}

/** Opens one TLS connection; resolves only after the handshake (and, unless insecure, verification) succeeded. */
export function tlsConnector(options: tls.ConnectionOptions, address: string): StreamConnect {
  return (signal) => whenReady(tls.connect(options), 'secureConnect', signal, (error) => explainTlsError(error, address));
}

export async function createTlsSender(destination: Destination, logger?: Logger): Promise<StreamSender> {
  const common = streamSenderOptions(destination, logger);
  const options = tlsConnectOptions(destination, await loadTlsMaterial(destination.tls));
  return new StreamSender({
    ...common,
    // TLS 1.3 servers reject a missing client certificate after the handshake: the loss says so.
    explainLoss,
    connect: tlsConnector(options, common.address),
  });
}
