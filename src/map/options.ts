/** Encoder options: the public shape, defaults, and one validation pass into a trusted resolved form. */
import { hostname as osHostname } from 'node:os';
import { ConfigError } from '../errors.js';
import type { Mapping } from './mapping.js';
import { headerField } from './text.js';

export type Format = 'cef' | 'leef' | 'rfc5424' | 'rfc3164' | 'json';
export const FORMATS: readonly Format[] = Object.freeze(['cef', 'leef', 'rfc5424', 'rfc3164', 'json']);
export type SyslogHeaderStyle = 'rfc3164' | 'rfc5424' | 'none';

export interface EncoderOptions {
  format: Format;
  mapping: Mapping;
  /** HOSTNAME of the syslog header (printable ASCII, no spaces); default: this machine's host name. */
  hostname?: string;
  /** RFC 5424 APP-NAME / RFC 3164 TAG; default 'velocloud'. */
  appName?: string;
  /** Syslog facility 0-23; default 16 (local0). */
  facility?: number;
  /** Private Enterprise Number of the SD-ID vco@PEN; default 32473, the number reserved for documentation. */
  pen?: number;
  /** CEF/LEEF Device Vendor / Product / Version. Defaults: 'VMware', 'VeloCloud Orchestrator', 'unknown'. */
  vendor?: string;
  product?: string;
  productVersion?: string;
  /** LEEF version; default '1.0' (always TAB-delimited). */
  leefVersion?: '1.0' | '2.0';
  /** LEEF 2.0 delimiter: one character (`^`) or hex `x5E` / `0x5E`; default TAB written as `x09`. */
  leefDelimiter?: string;
  /** UTF-8 BOM before the MSG of RFC 5424 and JSON messages; default false. */
  bom?: boolean;
  /** Syslog header in front of `CEF:`; default 'rfc3164' (`<PRI>Mmm dd HH:mm:ss host CEF:0|...`). */
  cefSyslogHeader?: SyslogHeaderStyle;
  /** Same for `LEEF:`; default 'rfc3164'. */
  leefSyslogHeader?: SyslogHeaderStyle;
  /** True under LF framing: no raw CR or LF in any message (they become the two characters `\r` / `\n`). */
  lineSafe?: boolean;
  /** Clock for the RFC 3164 header of an event without a usable time; default Date.now. */
  now?: () => number;
}

export interface ResolvedOptions {
  format: Format;
  mapping: Mapping;
  hostname: string;
  appName: string;
  /** appName reduced to a valid RFC 3164 TAG (letters, digits, '_'; at most 32). */
  tag: string;
  facility: number;
  pen: number;
  vendor: string;
  product: string;
  productVersion: string;
  leefVersion: '1.0' | '2.0';
  /** The delimiter character itself, and the form written in the LEEF 2.0 header. */
  leefDelimiter: string;
  leefDelimiterField: string;
  bom: boolean;
  cefSyslogHeader: SyslogHeaderStyle;
  leefSyslogHeader: SyslogHeaderStyle;
  lineSafe: boolean;
  now: () => number;
}

function bad(option: string, what: string): never {
  throw new ConfigError(`encoder option ${option}: ${what}`, { option });
}

const PRINTABLE = /^[\x21-\x7e]+$/;
const HEX_DELIMITER = /^0?x([0-9A-Fa-f]{1,4})$/;
/** Characters that would break LEEF parsing or framing if used as the delimiter. */
const FORBIDDEN_DELIMITERS = new Set(['|', '=', '\r', '\n', '\0', ' ']);
/** Characters that occur in attribute keys: a delimiter among them would split keys. */
const KEY_CHARACTER = /[A-Za-z0-9_.-]/;

function headerText(option: string, value: string, max: number): string {
  if (value.length > max) bad(option, `at most ${max} characters (CEF/LEEF header limit), got ${value.length}`);
  if (/[\r\n]/.test(value)) bad(option, 'must not contain CR or LF');
  return value;
}

function choice<T extends string>(option: string, value: T | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value)) bad(option, `must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  return value;
}

function resolveLeefDelimiter(version: '1.0' | '2.0', given: string | undefined): { char: string; field: string } {
  if (version === '1.0') {
    if (given !== undefined && given !== '\t' && given.toLowerCase() !== 'x09' && given.toLowerCase() !== '0x09') {
      bad('leefDelimiter', 'LEEF 1.0 is always TAB-delimited; use leefVersion 2.0 for another delimiter');
    }
    return { char: '\t', field: '' };
  }
  if (given === undefined) return { char: '\t', field: 'x09' };
  const hex = HEX_DELIMITER.exec(given);
  let char: string;
  if (hex) {
    const code = parseInt(hex[1]!, 16);
    if (code >= 0xd800 && code <= 0xdfff) bad('leefDelimiter', `${given} is a surrogate, not a character`);
    char = String.fromCharCode(code);
  } else if (given.length === 1) {
    char = given;
  } else {
    bad('leefDelimiter', `one character or hex form like x5E / 0x5E, got ${JSON.stringify(given)}`);
  }
  if (FORBIDDEN_DELIMITERS.has(char) || KEY_CHARACTER.test(char)) bad('leefDelimiter', `${JSON.stringify(char)} cannot delimit LEEF attributes`);
  // The header must carry the delimiter as given; a bare TAB there would be invisible, so it is written in hex.
  return { char, field: char === '\t' ? 'x09' : given };
}

export function resolveOptions(opts: EncoderOptions): ResolvedOptions {
  const format = opts.format;
  if (!FORMATS.includes(format)) bad('format', `must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  if (opts.mapping === undefined) bad('mapping', 'required (use loadMapping())');
  const facility = opts.facility ?? 16;
  if (!Number.isInteger(facility) || facility < 0 || facility > 23) bad('facility', `an integer 0-23, got ${facility}`);
  const pen = opts.pen ?? 32473;
  if (!Number.isInteger(pen) || pen < 1) bad('pen', `a positive integer (IANA Private Enterprise Number), got ${pen}`);
  const hostname = opts.hostname ?? headerField(osHostname(), 255);
  if (!PRINTABLE.test(hostname) || hostname.length > 255) bad('hostname', `1-255 printable ASCII characters without spaces, got ${JSON.stringify(hostname)}`);
  const appName = opts.appName ?? 'velocloud';
  if (!PRINTABLE.test(appName) || appName.length > 48) bad('appName', `1-48 printable ASCII characters without spaces, got ${JSON.stringify(appName)}`);
  const tag = appName.replace(/[^A-Za-z0-9_]/g, '').slice(0, 32);
  if (tag === '' && format === 'rfc3164') bad('appName', `needs at least one letter or digit to form an RFC 3164 TAG, got ${JSON.stringify(appName)}`);
  const leefVersion = choice('leefVersion', opts.leefVersion, ['1.0', '2.0'] as const, '1.0');
  // Only a LEEF destination is held to its LEEF settings (SIEM_LEEF_* defaults reach every destination).
  const delimiter = format === 'leef' ? resolveLeefDelimiter(leefVersion, opts.leefDelimiter) : { char: '\t', field: '' };
  const styles = ['rfc3164', 'rfc5424', 'none'] as const;
  return {
    format,
    mapping: opts.mapping,
    hostname,
    appName,
    tag,
    facility,
    pen,
    vendor: headerText('vendor', opts.vendor ?? 'VMware', 63),
    product: headerText('product', opts.product ?? 'VeloCloud Orchestrator', 63),
    productVersion: headerText('productVersion', opts.productVersion ?? 'unknown', 31),
    leefVersion,
    leefDelimiter: delimiter.char,
    leefDelimiterField: delimiter.field,
    bom: opts.bom ?? false,
    cefSyslogHeader: choice('cefSyslogHeader', opts.cefSyslogHeader, styles, 'rfc3164'),
    leefSyslogHeader: choice('leefSyslogHeader', opts.leefSyslogHeader, styles, 'rfc3164'),
    lineSafe: opts.lineSafe ?? false,
    now: opts.now ?? Date.now,
  };
}
