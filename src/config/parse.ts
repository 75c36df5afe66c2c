/**
 * Pure parsers for settings. Each throws ConfigError naming the setting and the fix,
 * so a wrong value never surfaces as a stack trace.
 */
import { ConfigError } from '../errors.js';
import { parseVcoTime } from '../event.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `90s`, `15m`, `24h`, `30d`, `2w`, `500ms`; a bare number means seconds. `maxMs` bounds it (a duration
 * that becomes a timer passes MAX_TIMER_MS from ship/destination.ts: Node fires longer ones at once).
 */
export function parseDuration(name: string, value: string, maxMs?: number): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(value);
  if (!match) throw new ConfigError(`${name}=${value} is not a duration: use a number with a unit, e.g. 15m, 24h or 30d`);
  const ms = Math.round(Number(match[1]) * UNIT_MS[(match[2] ?? 's').toLowerCase()]!);
  if (maxMs !== undefined && !(ms <= maxMs)) {
    throw new ConfigError(`${name}=${value} is too long: use at most ${maxMs}ms (about ${(Math.floor(maxMs / 8_640_000) / 10)}d)`);
  }
  return ms;
}

/** An absolute time (ISO 8601, epoch ms) or a duration before `nowMs` (`24h` = 24 hours ago). */
export function parseSince(name: string, value: string, nowMs: number): number {
  const trimmed = value.trim();
  if (/^\d{13}$/.test(trimmed)) return Number(trimmed);
  if (/^\d{9,12}$/.test(trimmed)) {
    throw new ConfigError(`${name}=${value} looks like epoch seconds: use epoch milliseconds (13 digits), ISO 8601 or a duration such as 24h`);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const ms = parseVcoTime(trimmed); // the VCO's own rules: naive times are UTC
    if (ms === undefined) throw new ConfigError(`${name}=${value} is not a valid time: use ISO 8601 (2024-05-01T00:00:00Z) or a duration such as 24h`);
    return ms;
  }
  try {
    return nowMs - parseDuration(name, trimmed);
  } catch {
    throw new ConfigError(`${name}=${value} is not a time: use ISO 8601 (2024-05-01T00:00:00Z), epoch milliseconds, or a duration ago such as 24h or 30d`);
  }
}

export function parseInteger(name: string, value: string, min: number, max: number): number {
  if (!/^\s*-?\d+\s*$/.test(value)) throw new ConfigError(`${name}=${value} is not a whole number: use a number from ${min} to ${max}`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(`${name}=${value} is out of range: use a number from ${min} to ${max}`);
  return n;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

export function parseBoolean(name: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new ConfigError(`${name}=${value} is not a boolean: use true or false`);
}

export function parseChoice<T extends string>(name: string, value: string, choices: readonly T[]): T {
  const v = value.trim().toLowerCase();
  const found = choices.find((c) => c === v);
  if (found === undefined) throw new ConfigError(`${name}=${value} is not valid: use one of ${choices.join(', ')}`);
  return found;
}

/** Comma-separated positive integers, e.g. `VCO_ENTERPRISE_IDS=1,7,12`. */
export function parseIdList(name: string, value: string): number[] {
  const parts = value.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const ids = parts.map((p) => parseInteger(name, p, 1, Number.MAX_SAFE_INTEGER));
  if (ids.length === 0) throw new ConfigError(`${name} is empty: list enterprise ids separated by commas, e.g. 1,7,12, or unset it`);
  return [...new Set(ids)];
}

/**
 * `VCO_HOSTNAME` as a host, host:port or URL: no scheme means https, a trailing slash or
 * path is ignored. Returns `scheme://host[:port]`.
 *
 * The value is never echoed whole: a `user:password@` part is refused before anything else
 * (before parsing, so a malformed URL cannot carry it into a message either), and a query
 * string or fragment is cut from the value that messages show.
 */
export function normaliseVcoUrl(name: string, value: string): string {
  const trimmed = value.trim().replace(/\/+$/, '');
  if (trimmed === '') throw new ConfigError(`${name} is empty: set it to the Orchestrator host, e.g. vco.example.net`);
  // Only userinfo puts an '@' in front of a host, and no host name contains one: any '@' is refused,
  // without quoting the value, whatever else is wrong with it.
  if (trimmed.includes('@')) {
    throw new ConfigError(`${name} must not contain credentials (user:password@): set the host only, and use VCO_TOKEN or VCO_USERNAME/VCO_PASSWORD`);
  }
  const shown = trimmed.replace(/[?#].*$/s, '').replace(/\/+$/, '');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError(`${name}=${shown} is not a host name or URL: use e.g. vco.example.net or https://vco.example.net`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${name}=${shown} has scheme ${url.protocol.replace(':', '')}: use https:// (or http:// for a local simulator)`);
  }
  return `${url.protocol}//${url.host}`;
}

/**
 * Whether a URL host (as `URL.hostname` gives it, already normalised: `127.1` -> `127.0.0.1`,
 * `[0::1]` -> `[::1]`) is this machine's loopback: 127.0.0.0/8, ::1 or `localhost`.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** A TCP/UDP port number. */
export function parsePort(name: string, value: string): number {
  return parseInteger(name, value, 1, 65535);
}
