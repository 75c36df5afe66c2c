/**
 * SIEM destinations: one from the SIEM_* variables, or several from a JSON file (CONFIG_FILE / --config).
 * Everything is validated here, once; the shipping code trusts the result.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, errorMessage } from '../errors.js';
import { FORMATS } from '../map/index.js';
import type { EncodeThreads } from '../ship/encode-pool.js';
import { makeDestination, MAX_TIMER_MS, PROTOCOLS, FRAMINGS, type Destination, type DestinationInput, type Protocol } from '../ship/destination.js';
import { normaliseVcoUrl, parseBoolean, parseChoice, parseDuration, parseInteger, parsePort } from './parse.js';
import { setting, type Settings } from './settings.js';
import { readSettingFile } from './vco.js';

const FACILITIES: Record<string, number> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11,
  ntp: 12, security: 13, console: 14, solaris: 15, local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21,
  local6: 22, local7: 23,
};

export function parseFacility(name: string, value: string): number {
  const v = value.trim().toLowerCase();
  if (Object.hasOwn(FACILITIES, v)) return FACILITIES[v]!;
  if (/^\d+$/.test(v)) return parseInteger(name, v, 0, 23);
  throw new ConfigError(`${name}=${value} is not a syslog facility: use a name such as local0 or a number from 0 to 23`);
}

/** The header HOSTNAME defaults to the Orchestrator's host: the events describe it, and QRadar keys log sources on it. */
function defaultHeaderHost(settings: Settings): string | undefined {
  const vco = setting(settings, 'VCO_HOSTNAME');
  if (vco === undefined) return undefined;
  try {
    return new URL(normaliseVcoUrl('VCO_HOSTNAME', vco)).hostname;
  } catch {
    return undefined;
  }
}

/** ENCODE_THREADS: `auto` (default) or 0-16 worker threads that encode events for a destination. */
export function buildEncodeThreads(settings: Settings): EncodeThreads {
  const value = setting(settings, 'ENCODE_THREADS') ?? 'auto';
  return value.trim().toLowerCase() === 'auto' ? 'auto' : parseInteger('ENCODE_THREADS', value, 0, 16);
}

export function buildDestinations(settings: Settings): Destination[] {
  const file = setting(settings, 'CONFIG_FILE');
  const destinations = file === undefined ? [destinationFromEnv(settings)] : destinationsFromFile(file, settings);
  const names = new Set<string>();
  for (const d of destinations) {
    if (names.has(d.name)) throw new ConfigError(`two destinations are named "${d.name}": give each a unique name`);
    names.add(d.name);
  }
  return destinations;
}

function destinationFromEnv(settings: Settings): Destination {
  const host = setting(settings, 'SIEM_HOST');
  if (host === undefined) {
    throw new ConfigError('SIEM_HOST is not set: set it to your SIEM address (e.g. SIEM_HOST=siem.example.net), or list destinations in CONFIG_FILE');
  }
  const protocol = parseChoice('SIEM_PROTOCOL', setting(settings, 'SIEM_PROTOCOL') ?? 'tcp', PROTOCOLS);
  const format = parseChoice('SIEM_FORMAT', setting(settings, 'SIEM_FORMAT') ?? 'cef', FORMATS);
  const optional = (name: string): string | undefined => setting(settings, name);
  const framing = optional('SIEM_FRAMING');
  const maxBytes = optional('SIEM_MAX_MESSAGE_BYTES');
  const input: DestinationInput = {
    name: optional('SIEM_NAME') ?? 'siem',
    host,
    port: parsePort('SIEM_PORT', optional('SIEM_PORT') ?? String(defaultPort(protocol))),
    protocol,
    format,
    connectTimeoutMs: parseDuration('SIEM_CONNECT_TIMEOUT', optional('SIEM_CONNECT_TIMEOUT') ?? '10s', MAX_TIMER_MS),
    writeTimeoutMs: parseDuration('SIEM_WRITE_TIMEOUT', optional('SIEM_WRITE_TIMEOUT') ?? '30s', MAX_TIMER_MS),
    tls: {
      insecure: parseBoolean('SIEM_TLS_INSECURE', optional('SIEM_TLS_INSECURE') ?? 'false'),
      ca: readable('SIEM_TLS_CA', optional('SIEM_TLS_CA')),
      cert: readable('SIEM_TLS_CERT', optional('SIEM_TLS_CERT')),
      key: readable('SIEM_TLS_KEY', optional('SIEM_TLS_KEY')),
      servername: optional('SIEM_TLS_SERVERNAME'),
    },
    encoder: encoderSettings(settings),
  };
  if (framing !== undefined) input.framing = parseChoice('SIEM_FRAMING', framing, FRAMINGS);
  if (maxBytes !== undefined) input.maxMessageBytes = parseInteger('SIEM_MAX_MESSAGE_BYTES', maxBytes, 480, 16 << 20);
  return makeDestination(input);
}

/** Encoder options from the SIEM_* variables (also used by `vco-siem map`). */
export function encoderSettings(settings: Settings): NonNullable<DestinationInput['encoder']> {
  const optional = (name: string): string | undefined => setting(settings, name);
  const hostname = optional('SIEM_HOSTNAME') ?? defaultHeaderHost(settings);
  const leefVersion = optional('SIEM_LEEF_VERSION');
  const encoder: NonNullable<DestinationInput['encoder']> = {
    facility: parseFacility('SIEM_FACILITY', optional('SIEM_FACILITY') ?? 'local0'),
    appName: optional('SIEM_APP_NAME') ?? 'velocloud',
    pen: parseInteger('SIEM_PEN', optional('SIEM_PEN') ?? '32473', 1, 2 ** 31 - 1),
    bom: parseBoolean('SIEM_BOM', optional('SIEM_BOM') ?? 'false'),
  };
  if (hostname !== undefined) encoder.hostname = hostname;
  if (leefVersion !== undefined) encoder.leefVersion = parseChoice('SIEM_LEEF_VERSION', leefVersion, ['1.0', '2.0'] as const);
  const delimiter = settings.SIEM_LEEF_DELIMITER;
  if (delimiter !== undefined && delimiter !== '') encoder.leefDelimiter = delimiter;
  const cefHeader = optional('SIEM_CEF_HEADER');
  if (cefHeader !== undefined) encoder.cefSyslogHeader = parseChoice('SIEM_CEF_HEADER', cefHeader, ['rfc3164', 'rfc5424', 'none'] as const);
  const productVersion = optional('SIEM_PRODUCT_VERSION');
  if (productVersion !== undefined) encoder.productVersion = productVersion;
  return encoder;
}

function defaultPort(protocol: Protocol): number {
  return protocol === 'tls' ? 6514 : 514;
}

/** The path of a PEM file named by a setting, after checking it can be read (the senders read it). */
function readable(name: string, file: string | undefined): string | undefined {
  if (file !== undefined) readSettingFile(name, file);
  return file;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const DESTINATION_KEYS = new Set(['name', 'host', 'port', 'protocol', 'format', 'framing', 'maxMessageBytes', 'connectTimeoutMs', 'writeTimeoutMs', 'confirmEveryBytes', 'tls', 'encoder']);
const TLS_KEYS = new Set(['ca', 'cert', 'key', 'servername', 'insecure']);
/** Encoder options a destinations file may set, with the JSON type each must have. */
const ENCODER_KEYS: Record<string, 'string' | 'number' | 'boolean'> = {
  hostname: 'string', appName: 'string', vendor: 'string', product: 'string', productVersion: 'string', leefVersion: 'string',
  leefDelimiter: 'string', cefSyslogHeader: 'string', leefSyslogHeader: 'string', facility: 'number', pen: 'number', bom: 'boolean',
};

/** A misspelt key would silently fall back to a default: name it instead. */
function checkKeys(object: { [key: string]: Json }, allowed: Set<string> | Record<string, string>, at: string, fail: (at: string, what: string) => never): void {
  const known = allowed instanceof Set ? allowed : new Set(Object.keys(allowed));
  for (const key of Object.keys(object)) {
    if (!known.has(key)) fail(`${at}.${key}`, `is not a known setting (known: ${[...known].join(', ')})`);
  }
}

/** Reads the destinations file; every problem names the file and the JSON path. */
function destinationsFromFile(file: string, settings: Settings): Destination[] {
  let parsed: Json;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Json;
  } catch (error) {
    throw new ConfigError(`CONFIG_FILE=${file} cannot be read as JSON (${errorMessage(error)})`);
  }
  const fail = (at: string, what: string): never => {
    throw new ConfigError(`${file}: ${at} ${what}`);
  };
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !Array.isArray(parsed.destinations)) {
    return fail('$', 'must be an object with a "destinations" array (see README "Several destinations")');
  }
  if (parsed.destinations.length === 0) fail('destinations', 'is empty: list at least one destination');
  return parsed.destinations.map((entry, i) => {
    const at = `destinations[${i}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return fail(at, 'must be an object');
    checkKeys(entry, DESTINATION_KEYS, at, fail);
    const str = (key: string, required = false): string | undefined => {
      const v = entry[key];
      if (v === undefined) return required ? fail(`${at}.${key}`, 'is required') : undefined;
      return typeof v === 'string' && v !== '' ? v : fail(`${at}.${key}`, 'must be a non-empty string');
    };
    const num = (key: string): number | undefined => {
      const v = entry[key];
      if (v === undefined) return undefined;
      return typeof v === 'number' && Number.isInteger(v) ? v : fail(`${at}.${key}`, 'must be a whole number');
    };
    const oneOf = <T extends string>(key: string, choices: readonly T[], fallback?: T): T => {
      const v = str(key, fallback === undefined) ?? fallback!;
      const found = choices.find((c) => c === v);
      return found ?? fail(`${at}.${key}`, `must be one of ${choices.join(', ')} (got "${v}")`);
    };
    const protocol = oneOf('protocol', PROTOCOLS, 'tcp');
    const format = oneOf('format', FORMATS, 'cef');
    const tlsJson = entry.tls ?? {};
    if (tlsJson === null || typeof tlsJson !== 'object' || Array.isArray(tlsJson)) return fail(`${at}.tls`, 'must be an object');
    const tlsStr = (key: string): string | undefined => {
      const v = tlsJson[key];
      if (v === undefined) return undefined;
      return typeof v === 'string' && v !== '' ? v : fail(`${at}.tls.${key}`, 'must be a non-empty string');
    };
    checkKeys(tlsJson, TLS_KEYS, `${at}.tls`, fail);
    const insecure = tlsJson.insecure;
    if (insecure !== undefined && typeof insecure !== 'boolean') fail(`${at}.tls.insecure`, 'must be true or false');
    const encoderJson = entry.encoder ?? {};
    if (encoderJson === null || typeof encoderJson !== 'object' || Array.isArray(encoderJson)) return fail(`${at}.encoder`, 'must be an object');
    checkKeys(encoderJson, ENCODER_KEYS, `${at}.encoder`, fail);
    for (const [key, value] of Object.entries(encoderJson)) {
      if (typeof value !== ENCODER_KEYS[key]) fail(`${at}.encoder.${key}`, `must be a ${ENCODER_KEYS[key]}`);
    }
    const envEncoder = encoderSettings(settings);
    const input: DestinationInput = {
      name: str('name', true)!,
      host: str('host', true)!,
      port: num('port') ?? defaultPort(protocol),
      protocol,
      format,
      tls: {
        insecure: insecure === true,
        ca: readable(`${at}.tls.ca`, tlsStr('ca')),
        cert: readable(`${at}.tls.cert`, tlsStr('cert')),
        key: readable(`${at}.tls.key`, tlsStr('key')),
        servername: tlsStr('servername'),
      },
      // Encoder options in the file override the SIEM_* defaults; createEncoder validates them.
      encoder: { ...envEncoder, ...(encoderJson as DestinationInput['encoder']) },
    };
    const framing = entry.framing;
    if (framing !== undefined) input.framing = oneOf('framing', FRAMINGS);
    const maxBytes = num('maxMessageBytes');
    if (maxBytes !== undefined) input.maxMessageBytes = maxBytes;
    // Both become timers, and Node fires a longer one at once.
    const timeoutMs = (key: string): number | undefined => {
      const v = num(key);
      return v === undefined || (v >= 1 && v <= MAX_TIMER_MS) ? v : fail(`${at}.${key}`, `must be from 1 to ${MAX_TIMER_MS} (milliseconds, about 24.8 days)`);
    };
    const timeout = timeoutMs('connectTimeoutMs');
    if (timeout !== undefined) input.connectTimeoutMs = timeout;
    const writeTimeout = timeoutMs('writeTimeoutMs');
    if (writeTimeout !== undefined) input.writeTimeoutMs = writeTimeout;
    const confirmEvery = num('confirmEveryBytes');
    if (confirmEvery !== undefined) input.confirmEveryBytes = confirmEvery;
    return makeDestination(input);
  });
}
