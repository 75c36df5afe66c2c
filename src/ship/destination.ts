/**
 * One SIEM destination: where to send (host, port, transport), what (format + encoder options) and how
 * (framing, size limit, TLS material). Format, framing and transport are independent choices; the defaults
 * below pick what each SIEM accepts (wire-formats.md sections 5-8).
 */
import { isIP } from 'node:net';
import { ConfigError } from '../errors.js';
import type { EncoderOptions, Format } from '../map/index.js';

export type Protocol = 'udp' | 'tcp' | 'tls';
/** RFC 6587: 'lf' = message + LF trailer (non-transparent), 'octet' = "LEN SP message". Ignored for UDP. */
export type Framing = 'lf' | 'octet';

export const PROTOCOLS: readonly Protocol[] = ['udp', 'tcp', 'tls'];
export const FRAMINGS: readonly Framing[] = ['lf', 'octet'];

/** How a destination's TLS settings are named in messages: the SIEM_* variables, or paths in the destinations file. */
export interface TlsSettingNames {
  /** Put before a message that starts with a setting, e.g. the destinations file ("file.json: "); empty for variables. */
  prefix: string;
  ca: string;
  cert: string;
  key: string;
  keyPassphrase: string;
  servername: string;
  insecure: string;
}

export const TLS_VARIABLES: TlsSettingNames = {
  prefix: '',
  ca: 'SIEM_TLS_CA',
  cert: 'SIEM_TLS_CERT',
  key: 'SIEM_TLS_KEY',
  keyPassphrase: 'SIEM_TLS_KEY_PASSPHRASE',
  servername: 'SIEM_TLS_SERVERNAME',
  insecure: 'SIEM_TLS_INSECURE',
};

/** How messages name a destination's TLS settings. */
export function tlsNames(settings: Pick<DestinationTls, 'names'>): TlsSettingNames {
  return settings.names ?? TLS_VARIABLES;
}

export interface DestinationTls {
  /** PEM file of the CA that signed the SIEM certificate; added to the system roots, never replacing them. */
  ca?: string;
  /** PEM files of the client certificate and its key, for mutual TLS. */
  cert?: string;
  key?: string;
  /** Passphrase of an encrypted `key` (a secret: registered for redaction, never put in a message). */
  keyPassphrase?: string;
  /** Name to send as SNI and to match against the certificate (default: host, unless host is an IP). */
  servername?: string;
  /** Skip certificate verification. Only by explicit opt-in; the caller logs a warning on every run. */
  insecure: boolean;
  /** How messages name these settings; the SIEM_* variables when absent. */
  names?: TlsSettingNames;
}

export interface ReconnectPolicy {
  /** Connection attempts per connect before giving up (events then stay pending). */
  attempts: number;
  /** First delay between attempts; doubles each time up to maxDelayMs, with jitter. */
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * Encoder options that belong to a destination: the mapping is shared, format and lineSafe come from the
 * destination. Plain data (no clock function), so a destination can be handed to an encode worker thread.
 */
export type DestinationEncoderOptions = Omit<EncoderOptions, 'mapping' | 'format' | 'lineSafe' | 'now'>;

export interface Destination {
  name: string;
  host: string;
  port: number;
  protocol: Protocol;
  format: Format;
  framing: Framing;
  /**
   * Largest message in bytes, excluding the frame (octet count prefix or LF). A longer event is shortened
   * to fit, free text first, before it is framed (fit.ts), and counted as truncated.
   */
  maxMessageBytes: number;
  encoder: DestinationEncoderOptions;
  tls: DestinationTls;
  connectTimeoutMs: number;
  /**
   * TCP/TLS only: the longest wait for the SIEM to take a write, and for it to answer our FIN with its own
   * (the confirmation, see delivery.ts). On expiry the connection counts as lost: nothing it carried is
   * confirmed, and it is re-sent on a new connection or left pending with the reason. It must cover the
   * SIEM reading confirmEveryBytes (the 4 MiB default in 30 s needs about 140 KB/s).
   */
  writeTimeoutMs: number;
  reconnect: ReconnectPolicy;
  /**
   * TCP/TLS only: close the connection cleanly after this many bytes, which confirms the SIEM read them,
   * and open a new one. Also the most that is sent twice when a connection breaks. See delivery.ts.
   */
  confirmEveryBytes: number;
}

/** RFC 5425 makes octet counting mandatory for syslog over TLS; everything else is LF-framed in practice. */
export function defaultFraming(protocol: Protocol, format: Format): Framing {
  return protocol === 'tls' && (format === 'rfc5424' || format === 'json') ? 'octet' : 'lf';
}

/**
 * Default message size limit (wire-formats.md section 8):
 *
 * | protocol | format            | bytes | why                                                           |
 * |----------|-------------------|-------|---------------------------------------------------------------|
 * | any      | rfc3164           | 1024  | RFC 3164: the whole packet is at most 1024 bytes              |
 * | udp      | others            | 1472  | 1500 MTU - 20 IP - 8 UDP; larger datagrams fragment           |
 * | tcp/tls  | rfc5424, json     | 8192  | RFC 5425: receivers SHOULD accept 8192 (rsyslog, syslog-ng)    |
 * | tcp/tls  | cef, leef         | 4096  | QRadar TCP default 4096; ArcSight: keep CEF under ~4096       |
 */
export function defaultMaxBytes(protocol: Protocol, format: Format): number {
  if (format === 'rfc3164') return 1024;
  if (protocol === 'udp') return 1472;
  return format === 'cef' || format === 'leef' ? 4096 : 8192;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** The longest delay a Node.js timer takes (2^31-1 ms, about 24.8 days): a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
export const DEFAULT_WRITE_TIMEOUT_MS = 30_000;
const DEFAULT_RECONNECT: ReconnectPolicy = { attempts: 5, initialDelayMs: 500, maxDelayMs: 30_000 };
export const DEFAULT_CONFIRM_EVERY_BYTES = 4 << 20;
/** Largest UDP payload over IPv4; a bigger limit cannot be sent at all. */
const MAX_UDP_PAYLOAD = 65_507;

/** What a caller must say; everything else has a default. */
export type DestinationInput = Pick<Destination, 'name' | 'host' | 'port' | 'protocol' | 'format'> &
  Partial<Omit<Destination, 'name' | 'host' | 'port' | 'protocol' | 'format' | 'tls' | 'reconnect'>> & {
    tls?: Partial<DestinationTls>;
    reconnect?: Partial<ReconnectPolicy>;
  };

/** Fill the defaults and validate once, at the edge; the rest of the code trusts the result. */
export function makeDestination(input: DestinationInput): Destination {
  const where = `destination "${input.name}"`;
  if (input.name === '') throw new ConfigError(`a destination needs a name`);
  if (input.host === '') throw new ConfigError(`${where}: host is empty (SIEM_HOST)`);
  const host = unbracketHost(input.host);
  const problem = hostProblem(input.host);
  if (problem !== undefined) throw new ConfigError(`${where}: host ${problem}: give only a host name or IP address and put the port in SIEM_PORT (SIEM_HOST)`);
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65_535) {
    throw new ConfigError(`${where}: port ${input.port} is not between 1 and 65535 (SIEM_PORT)`);
  }
  if (!PROTOCOLS.includes(input.protocol)) throw new ConfigError(`${where}: protocol ${String(input.protocol)} is not one of ${PROTOCOLS.join(', ')} (SIEM_PROTOCOL)`);
  const framing = input.framing ?? defaultFraming(input.protocol, input.format);
  if (!FRAMINGS.includes(framing)) throw new ConfigError(`${where}: framing ${String(framing)} is not one of ${FRAMINGS.join(', ')} (SIEM_FRAMING)`);
  const maxMessageBytes = input.maxMessageBytes ?? defaultMaxBytes(input.protocol, input.format);
  const ceiling = input.protocol === 'udp' ? MAX_UDP_PAYLOAD : 16 << 20;
  if (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 480 || maxMessageBytes > ceiling) {
    // 480 is the size every syslog receiver MUST accept (RFC 5426); below it messages become useless.
    throw new ConfigError(`${where}: max message bytes ${maxMessageBytes} must be an integer from 480 to ${ceiling} (SIEM_MAX_MESSAGE_BYTES)`);
  }
  const tls: DestinationTls = { insecure: false, ...stripUndefined(input.tls ?? {}) };
  if (input.protocol !== 'tls' && (tls.ca || tls.cert || tls.key || tls.keyPassphrase || tls.insecure)) {
    throw new ConfigError(`${where}: TLS settings are given but the protocol is ${input.protocol}; set SIEM_PROTOCOL=tls`);
  }
  const names = tlsNames(tls);
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new ConfigError(`${where}: mutual TLS needs both a client certificate and its key (${names.cert} and ${names.key})`);
  }
  if (tls.keyPassphrase !== undefined && tls.key === undefined) {
    throw new ConfigError(`${where}: a key passphrase is given without a key (${names.keyPassphrase} needs ${names.key})`);
  }
  if (tls.servername !== undefined && isIP(tls.servername) !== 0) {
    throw new ConfigError(`${where}: ${names.servername} must be a DNS name, not an IP address (RFC 6066)`);
  }
  const reconnect: ReconnectPolicy = { ...DEFAULT_RECONNECT, ...stripUndefined(input.reconnect ?? {}) };
  if (!(reconnect.attempts >= 1) || !(reconnect.initialDelayMs >= 0) || !(reconnect.maxDelayMs >= reconnect.initialDelayMs)) {
    throw new ConfigError(`${where}: reconnect policy needs attempts >= 1 and 0 <= initialDelayMs <= maxDelayMs`);
  }
  const connectTimeoutMs = input.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!(connectTimeoutMs > 0 && connectTimeoutMs <= MAX_TIMER_MS)) {
    throw new ConfigError(`${where}: connect timeout ${connectTimeoutMs} must be a positive number of milliseconds, at most ${MAX_TIMER_MS} (SIEM_CONNECT_TIMEOUT, connectTimeoutMs)`);
  }
  const writeTimeoutMs = input.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS;
  if (!(writeTimeoutMs > 0 && writeTimeoutMs <= MAX_TIMER_MS)) {
    throw new ConfigError(`${where}: write timeout ${writeTimeoutMs} must be a positive number of milliseconds, at most ${MAX_TIMER_MS} (SIEM_WRITE_TIMEOUT, writeTimeoutMs)`);
  }
  const confirmEveryBytes = input.confirmEveryBytes ?? DEFAULT_CONFIRM_EVERY_BYTES;
  if (!Number.isInteger(confirmEveryBytes) || confirmEveryBytes < 64 * 1024) {
    throw new ConfigError(`${where}: confirmEveryBytes must be an integer of at least 65536 (destinations file key)`);
  }
  return {
    name: input.name,
    host,
    port: input.port,
    protocol: input.protocol,
    format: input.format,
    framing,
    maxMessageBytes,
    encoder: input.encoder ?? {},
    tls,
    connectTimeoutMs,
    writeTimeoutMs,
    reconnect,
    confirmEveryBytes,
  };
}

/** `[2001:db8::1]` -> `2001:db8::1`: the brackets belong to URLs, the socket takes the bare address. */
export function unbracketHost(host: string): string {
  const inner = /^\[(.*)\]$/.exec(host)?.[1];
  return inner !== undefined && isIP(inner) === 6 ? inner : host;
}

/**
 * What is wrong with a destination host (undefined when it is a host name or an IP address, IPv6 bare or in
 * brackets), as a phrase that does not repeat the value: "is a URL", "has a port" ... A URL, a path or a port
 * would otherwise reach DNS and fail at connect time with ENOTFOUND.
 */
export function hostProblem(host: string): string | undefined {
  if (/\s/.test(host)) return 'contains whitespace';
  if (host.includes('://')) return 'is a URL';
  if (host.includes('@')) return 'contains "@" (a user name belongs to a URL)';
  if (host.includes('/')) return 'contains "/"';
  const bare = unbracketHost(host);
  if (isIP(bare) === 6) return undefined;
  if (/^(\[.*\]|[^:]*):\d*$/.test(host)) return 'has a port';
  if (host.includes(':')) return 'contains ":" but is not an IPv6 address';
  if (/[[\]]/.test(host)) return 'has brackets, which are only for IPv6 addresses';
  return undefined;
}

/** "host:port", with brackets around IPv6 literals. */
export function destinationAddress(destination: Pick<Destination, 'host' | 'port'>): string {
  return isIP(destination.host) === 6 ? `[${destination.host}]:${destination.port}` : `${destination.host}:${destination.port}`;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
