/**
 * SIEM destinations: one from the SIEM_* variables, or several from a JSON file (CONFIG_FILE / --config).
 * Everything is validated here, once; the shipping code trusts the result.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, errorMessage } from '../errors.js';
import { FORMATS } from '../map/index.js';
import type { EncodeThreads } from '../ship/encode-pool.js';
import { registerSecret } from '../log.js';
import { hostProblem, makeDestination, MAX_TIMER_MS, PROTOCOLS, FRAMINGS, TLS_VARIABLES, type Destination, type DestinationInput, type DestinationTls, type Protocol, type TlsSettingNames } from '../ship/destination.js';
import { checkTlsFiles } from '../ship/tls.js';
import { normaliseVcoUrl, parseBoolean, parseChoice, parseDuration, parseInteger, parsePort } from './parse.js';
import { secretSetting, setting, type Settings } from './settings.js';
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
  const problem = hostProblem(host);
  if (problem !== undefined) {
    throw new ConfigError(`SIEM_HOST${shownHost(host)} ${problem}: set it to the SIEM's host name or IP address only (e.g. SIEM_HOST=siem.example.net) and put the port in SIEM_PORT`);
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
    tls: checkedTls(
      {
        insecure: parseBoolean('SIEM_TLS_INSECURE', optional('SIEM_TLS_INSECURE') ?? 'false'),
        ca: optional('SIEM_TLS_CA'),
        cert: optional('SIEM_TLS_CERT'),
        key: optional('SIEM_TLS_KEY'),
        keyPassphrase: secretSetting(settings, 'SIEM_TLS_KEY_PASSPHRASE'),
        servername: optional('SIEM_TLS_SERVERNAME'),
      },
      TLS_VARIABLES,
    ),
    encoder: encoderSettings(settings),
  };
  if (framing !== undefined) input.framing = parseChoice('SIEM_FRAMING', framing, FRAMINGS);
  if (maxBytes !== undefined) input.maxMessageBytes = parseInteger('SIEM_MAX_MESSAGE_BYTES', maxBytes, 480, 16 << 20);
  return makeDestination(input);
}

/** The SIEM_* variable of each encoder option (a destinations file sets them as `encoder.<option>`). */
const ENCODER_VARIABLES: Record<string, string> = {
  hostname: 'SIEM_HOSTNAME', appName: 'SIEM_APP_NAME', facility: 'SIEM_FACILITY', pen: 'SIEM_PEN', bom: 'SIEM_BOM',
  leefVersion: 'SIEM_LEEF_VERSION', leefDelimiter: 'SIEM_LEEF_DELIMITER', cefSyslogHeader: 'SIEM_CEF_HEADER', productVersion: 'SIEM_PRODUCT_VERSION',
};

/** Where an encoder option is set, for messages: its variable, or its key in a destinations file. */
export function encoderOptionSource(option: string): string {
  const variable = Object.hasOwn(ENCODER_VARIABLES, option) ? ENCODER_VARIABLES[option] : undefined;
  return variable === undefined ? `encoder.${option} in the destinations file` : `${variable}, or encoder.${option} in a destinations file`;
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

/** The value of a bad host in a message, unless it may hold a credential (user:password@host). */
function shownHost(host: string): string {
  return host.includes('@') ? '' : `=${host}`;
}

/**
 * The TLS settings, after checking that each file named can be read and holds what it should: CA and client
 * certificates that parse, a private key that loads (decrypted with the passphrase) and belongs to the
 * certificate. The senders read the files again; a mistake found only at connect time would not name the setting.
 */
function checkedTls(tls: DestinationTls, names: TlsSettingNames): DestinationTls {
  registerSecret(tls.keyPassphrase);
  const where = names.prefix;
  if (tls.keyPassphrase !== undefined && tls.key === undefined) {
    throw new ConfigError(`${where}${names.keyPassphrase} is set but ${names.key} is not: give the key file it decrypts, or remove the passphrase`);
  }
  const read = (name: string, file: string | undefined): Buffer | undefined => (file === undefined ? undefined : readSettingFile(`${where}${name}`, file));
  const ca = read(names.ca, tls.ca);
  const cert = read(names.cert, tls.cert);
  const key = read(names.key, tls.key);
  checkTlsFiles({ ca, cert, key }, tls, names);
  return { ...tls, names };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const DESTINATION_KEYS = new Set(['name', 'host', 'port', 'protocol', 'format', 'framing', 'maxMessageBytes', 'connectTimeoutMs', 'writeTimeoutMs', 'confirmEveryBytes', 'tls', 'encoder']);
const TOP_LEVEL_KEYS = new Set(['destinations', '$schema']); // $schema: an editor's JSON schema hint
const TLS_KEYS = new Set(['ca', 'cert', 'key', 'keyPassphrase', 'servername', 'insecure']);
/** Encoder options a destinations file may set, with the JSON type each must have. */
const ENCODER_KEYS: Record<string, 'string' | 'number' | 'boolean'> = {
  hostname: 'string', appName: 'string', vendor: 'string', product: 'string', productVersion: 'string', leefVersion: 'string',
  leefDelimiter: 'string', cefSyslogHeader: 'string', leefSyslogHeader: 'string', facility: 'number', pen: 'number', bom: 'boolean',
};

/** Keys beginning with `_` are comments, as in mapping files. */
function isComment(key: string): boolean {
  return key.startsWith('_');
}

/** A misspelt key would silently fall back to a default: name it instead. */
function checkKeys(object: { [key: string]: Json }, allowed: Set<string> | Record<string, string>, at: string, fail: (at: string, what: string) => never): void {
  const known = allowed instanceof Set ? allowed : new Set(Object.keys(allowed));
  for (const key of Object.keys(object)) {
    if (!known.has(key) && !isComment(key)) fail(`${at}.${key}`, `is not a known setting (known: ${[...known].join(', ')}; keys starting with "_" are comments)`);
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
  checkKeys(parsed, TOP_LEVEL_KEYS, '$', fail);
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
    const host = str('host', true)!;
    const problem = hostProblem(host);
    if (problem !== undefined) fail(`${at}.host${shownHost(host) === '' ? '' : ` "${host}"`}`, `${problem}: give the SIEM's host name or IP address only and put the port in ${at}.port`);
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
    const encoder = Object.fromEntries(Object.entries(encoderJson).filter(([key]) => !isComment(key)));
    for (const [key, value] of Object.entries(encoder)) {
      if (typeof value !== ENCODER_KEYS[key]) fail(`${at}.encoder.${key}`, `must be a ${ENCODER_KEYS[key]}`);
    }
    const envEncoder = encoderSettings(settings);
    const input: DestinationInput = {
      name: str('name', true)!,
      host,
      port: num('port') ?? defaultPort(protocol),
      protocol,
      format,
      tls: checkedTls(
        { insecure: insecure === true, ca: tlsStr('ca'), cert: tlsStr('cert'), key: tlsStr('key'), keyPassphrase: tlsStr('keyPassphrase'), servername: tlsStr('servername') },
        {
          prefix: `${file}: `,
          ca: `${at}.tls.ca`,
          cert: `${at}.tls.cert`,
          key: `${at}.tls.key`,
          keyPassphrase: `${at}.tls.keyPassphrase`,
          servername: `${at}.tls.servername`,
          insecure: `${at}.tls.insecure`,
        },
      ),
      // Encoder options in the file override the SIEM_* defaults; createEncoder validates them.
      encoder: { ...envEncoder, ...(encoder as DestinationInput['encoder']) },
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
