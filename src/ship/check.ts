/**
 * `check` for one destination: connect (TLS: handshake and certificate report) and close, sending no event.
 * For TLS the handshake is done without enforcing verification so that an untrusted or expiring
 * certificate can be described; `ok` still follows what forwarding would do.
 */
import { lookup } from 'node:dns/promises';
import type net from 'node:net';
import type tls from 'node:tls';
import { errorMessage } from '../errors.js';
import { destinationAddress, tlsNames, type Destination } from './destination.js';
import { tcpConnector } from './tcp.js';
import { explainTlsError, loadTlsMaterial, tlsConnectOptions, tlsConnector } from './tls.js';

export interface TlsReport {
  protocol: string | null;
  cipher: string;
  subject: string;
  issuer: string;
  subjectAltName?: string;
  validTo: string;
  daysLeft: number;
  fingerprint256: string;
  /** Whether the certificate chain and name verify against the configured trust. */
  authorized: boolean;
  authorizationError?: string;
}

export interface CheckReport {
  destination: string;
  ok: boolean;
  protocol: Destination['protocol'];
  address: string;
  /** Resolved IP address. */
  resolved?: string;
  tls?: TlsReport;
  /** Something the reader should know even when ok (insecure mode, UDP, expiry soon). */
  notes: string[];
  error?: string;
}

/** A TLS 1.3 server refuses a client certificate only after the handshake: wait this long for its alert. */
const POST_HANDSHAKE_WAIT_MS = 300;
const EXPIRY_WARNING_DAYS = 30;

export async function checkDestination(destination: Destination, signal?: AbortSignal): Promise<CheckReport> {
  const address = destinationAddress(destination);
  const report: CheckReport = { destination: destination.name, ok: false, protocol: destination.protocol, address, notes: [] };
  try {
    report.resolved = (await lookup(destination.host)).address;
    if (destination.protocol === 'udp') {
      report.notes.push('UDP cannot be checked end to end: datagrams are not acknowledged, so only the address was resolved');
      report.ok = true;
    } else if (destination.protocol === 'tcp') {
      await closeQuietly(await tcpConnector(destination)(timeoutSignal(destination, signal)));
      report.ok = true;
    } else {
      await checkTls(destination, address, report, signal);
    }
  } catch (error) {
    report.ok = false;
    report.error = errorMessage(error);
  }
  return report;
}

async function checkTls(destination: Destination, address: string, report: CheckReport, signal: AbortSignal | undefined): Promise<void> {
  const options = tlsConnectOptions(destination, await loadTlsMaterial(destination.tls), false);
  const names = tlsNames(destination.tls);
  const socket = (await tlsConnector(options, address, names)(timeoutSignal(destination, signal))) as tls.TLSSocket;
  try {
    report.tls = describeTls(socket);
    const refused = await waitForRefusal(socket);
    if (refused) throw explainTlsError(refused, address, names);
  } finally {
    await closeQuietly(socket);
  }
  const { tls: info } = report;
  if (info.authorized) report.ok = true;
  else if (destination.tls.insecure) {
    report.ok = true;
    report.notes.push(`certificate NOT verified (${names.insecure}=true): ${info.authorizationError ?? 'unverified'}`);
  } else {
    report.error = explainTlsError(Object.assign(new Error(info.authorizationError ?? 'certificate not trusted'), { code: info.authorizationError }), address, names).message;
  }
  if (info.daysLeft < EXPIRY_WARNING_DAYS) report.notes.push(`the SIEM certificate expires in ${info.daysLeft} days (${info.validTo})`);
}

function describeTls(socket: tls.TLSSocket): TlsReport {
  const cert = socket.getPeerCertificate();
  const validTo = new Date(cert.valid_to);
  const authorizationError = socket.authorizationError === undefined || socket.authorizationError === null ? undefined : String(socket.authorizationError);
  return {
    protocol: socket.getProtocol(),
    cipher: socket.getCipher().name,
    subject: distinguishedName(cert.subject),
    issuer: distinguishedName(cert.issuer),
    ...(cert.subjectaltname ? { subjectAltName: cert.subjectaltname } : {}),
    validTo: validTo.toISOString(),
    daysLeft: Math.floor((validTo.getTime() - Date.now()) / 86_400_000),
    fingerprint256: cert.fingerprint256,
    authorized: socket.authorized,
    ...(authorizationError ? { authorizationError } : {}),
  };
}

function distinguishedName(name: tls.Certificate | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`)
    .join(', ');
}

/** An error (alert) arriving shortly after the handshake, or undefined when the connection stays up. */
function waitForRefusal(socket: tls.TLSSocket): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(undefined), POST_HANDSHAKE_WAIT_MS);
    const onError = (error: Error): void => done(error);
    const onClose = (): void => done(new Error('the server closed the connection right after the handshake'));
    const done = (error: Error | undefined): void => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off('close', onClose);
      resolve(error);
    };
    socket.on('error', onError);
    socket.once('close', onClose);
  });
}

function timeoutSignal(destination: Destination, signal: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(destination.connectTimeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

function closeQuietly(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.on('error', () => undefined);
    if (socket.destroyed) return resolve();
    socket.once('close', () => resolve());
    socket.end();
    setTimeout(() => socket.destroy(), 1_000).unref();
  });
}
