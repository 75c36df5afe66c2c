/**
 * Syslog over TLS (RFC 5425): TLS 1.2 minimum, the SIEM certificate verified against the system roots plus
 * an optional CA file, SNI, optional client certificate (mutual TLS). Verification is off only when the
 * destination says insecure (the caller warns). Nothing is written before the handshake is verified.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { ConfigError, TransportError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { tlsNames, type Destination, type DestinationTls, type TlsSettingNames } from './destination.js';
import { StreamSender, fatalTransportError, streamSenderOptions, whenReady, type StreamConnect } from './stream-sender.js';

const MIN_TLS_VERSION = 'TLSv1.2';

/** PEM contents read from the files a destination names. */
export interface TlsMaterial {
  ca?: string[];
  cert?: Buffer;
  key?: Buffer;
  /** For an encrypted key (tls.connect's `passphrase`). */
  passphrase?: string;
}

// OpenSSL's "TRUSTED CERTIFICATE" form (x509 -trustout) is a CA file form too; node:tls takes it, X509Certificate does not.
const CERTIFICATE_BEGIN = /-----BEGIN (?:TRUSTED )?CERTIFICATE-----/g;
const CERTIFICATE_BLOCK = /-----BEGIN (TRUSTED )?CERTIFICATE-----[\s\S]*?-----END (?:TRUSTED )?CERTIFICATE-----/g;
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/;

/** OpenSSL's short reason ("bad end line"), else the message. */
function cryptoReason(error: unknown): string {
  return error instanceof Error ? reasonOf(error) : String(error);
}

/**
 * The certificates of a PEM file (a CA bundle, or a client certificate and its chain), each parsed, so that a
 * file of something else is refused here, naming its setting, and not at the handshake with a misleading
 * "self-signed certificate". Returns the first (for a client certificate file: the leaf), unless it is in the
 * TRUSTED CERTIFICATE form.
 */
export function checkCertificates(pem: Buffer, setting: string, path: string, what: string, prefix = ''): X509Certificate | undefined {
  const text = pem.toString('latin1');
  const blocks = text.match(CERTIFICATE_BLOCK) ?? [];
  const begins = text.match(CERTIFICATE_BEGIN)?.length ?? 0;
  const fix = `point it at ${what} in PEM form (a DER file converts with: openssl x509 -inform der -in FILE -out FILE.pem)`;
  if (begins === 0) throw new ConfigError(`${prefix}${setting}=${path} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line): ${fix}`, { setting, path });
  if (blocks.length < begins) throw new ConfigError(`${prefix}${setting}=${path} has a certificate without its "-----END CERTIFICATE-----" line (cut short?): ${fix}`, { setting, path });
  const certificates = blocks.map((block, i) => {
    if (block.startsWith('-----BEGIN TRUSTED')) return undefined; // left to node:tls
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new ConfigError(`${prefix}${setting}=${path}: certificate ${i + 1} of ${blocks.length} cannot be parsed (${cryptoReason(error)}): ${fix}`, { setting, path });
    }
  });
  return certificates[0];
}

/**
 * The client key, decrypted with the passphrase when it is encrypted. A missing or wrong passphrase, or a file
 * that is not a PEM private key, is a ConfigError naming the setting to fix (never the passphrase itself).
 */
export function checkPrivateKey(pem: Buffer, passphrase: string | undefined, path: string, names: TlsSettingNames): KeyObject {
  const { prefix, key, keyPassphrase } = names;
  const encrypted = ENCRYPTED_KEY.test(pem.toString('latin1'));
  if (encrypted && passphrase === undefined) {
    throw new ConfigError(`${prefix}${key}=${path} is an encrypted key: set ${keyPassphrase} to its passphrase (or give a key that is not encrypted)`, { setting: key, path });
  }
  try {
    return createPrivateKey(passphrase === undefined ? { key: pem } : { key: pem, passphrase });
  } catch (error) {
    if (encrypted) {
      throw new ConfigError(`${prefix}${keyPassphrase} does not decrypt ${key}=${path} (${cryptoReason(error)}): set it to the passphrase the key was encrypted with`, { setting: keyPassphrase, path });
    }
    throw new ConfigError(
      `${prefix}${key}=${path} is not a PEM private key (${cryptoReason(error)}): point it at the client certificate's key in PEM form ("-----BEGIN PRIVATE KEY-----" or "-----BEGIN ENCRYPTED PRIVATE KEY-----")`,
      { setting: key, path },
    );
  }
}

/** Checks the contents of the CA, client certificate and key files: each parses, and the key belongs to the certificate. */
export function checkTlsFiles(files: { ca?: Buffer; cert?: Buffer; key?: Buffer }, settings: Destination['tls'], names: TlsSettingNames): void {
  const { prefix } = names;
  if (files.ca && settings.ca !== undefined) checkCertificates(files.ca, names.ca, settings.ca, 'the CA certificate that signed the SIEM certificate', prefix);
  const leaf = files.cert && settings.cert !== undefined ? checkCertificates(files.cert, names.cert, settings.cert, 'the client certificate', prefix) : undefined;
  const key = files.key && settings.key !== undefined ? checkPrivateKey(files.key, settings.keyPassphrase, settings.key, names) : undefined;
  if (leaf && key && !leaf.checkPrivateKey(key)) {
    throw new ConfigError(`${prefix}${names.key}=${settings.key} is not the key of the certificate in ${names.cert}=${settings.cert}: give the key that belongs to that certificate`, { setting: names.key, path: settings.key });
  }
}

export async function loadTlsMaterial(settings: DestinationTls): Promise<TlsMaterial> {
  const names = tlsNames(settings);
  const read = async (path: string | undefined, setting: string): Promise<Buffer | undefined> => {
    if (path === undefined) return undefined;
    try {
      return await readFile(path);
    } catch (error) {
      throw new ConfigError(`${names.prefix}${setting}=${path} cannot be read: ${errorMessage(error)}`, { setting, path });
    }
  };
  const [ca, cert, key] = await Promise.all([read(settings.ca, names.ca), read(settings.cert, names.cert), read(settings.key, names.key)]);
  // Checked when the settings were read too; again here, as the files may have been replaced since (renewal).
  checkTlsFiles({ ca, cert, key }, settings, names);
  return {
    // Passing `ca` replaces Node's store, so keep the system roots and add the SIEM's CA to them.
    ...(ca ? { ca: [...tls.rootCertificates, ca.toString('utf8')] } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(key && settings.keyPassphrase !== undefined ? { passphrase: settings.keyPassphrase } : {}),
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
function certificateHint(code: string | undefined, reason: string, names: TlsSettingNames): string | undefined {
  if (code && UNTRUSTED.has(code)) return `set ${names.ca} to the CA file that signed the SIEM certificate`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'the SIEM certificate is outside its validity period; renew it on the SIEM (or fix the clock)';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `connect by a name the certificate lists, or set ${names.servername} to one`;
  if (CLIENT_CERT_ALERT.test(reason)) return `the SIEM refused the TLS client: it may require a client certificate (${names.cert} and ${names.key}) signed by a CA it trusts`;
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
export function explainTlsError(error: Error, address: string, names: TlsSettingNames): TransportError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = reasonOf(error);
  const hint = certificateHint(code, reason, names);
  if (hint === undefined) return new TransportError(`TLS connection to ${address} failed: ${reason}`, { context: { address, code }, cause: error });
  return fatalTransportError(`TLS connection to ${address} refused: ${reason}; ${hint}`, { address, code }, error);
}

/** The reason a TLS connection ended, with a hint when it shows a certificate problem. */
function explainLoss(error: Error, names: TlsSettingNames): string {
  const reason = reasonOf(error);
  const hint = certificateHint((error as NodeJS.ErrnoException).code, reason, names);
  return hint ? `${reason}; ${hint}` : reason;
}

/** Opens one TLS connection; resolves only after the handshake (and, unless insecure, verification) succeeded. */
export function tlsConnector(options: tls.ConnectionOptions, address: string, names: TlsSettingNames): StreamConnect {
  return (signal) => whenReady(tls.connect(options), 'secureConnect', signal, (error) => explainTlsError(error, address, names));
}

export async function createTlsSender(destination: Destination, logger?: Logger): Promise<StreamSender> {
  const common = streamSenderOptions(destination, logger);
  const options = tlsConnectOptions(destination, await loadTlsMaterial(destination.tls));
  const names = tlsNames(destination.tls);
  return new StreamSender({
    ...common,
    // TLS 1.3 servers reject a missing client certificate after the handshake: the loss says so.
    explainLoss: (error) => explainLoss(error, names),
    connect: tlsConnector(options, common.address, names),
  });
}
