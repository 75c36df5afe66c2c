/** VCO connection settings: host, credentials, discovery and HTTP behaviour. */
import { readFileSync } from 'node:fs';
import { ConfigError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { isLoopbackHost, normaliseVcoUrl, parseBoolean, parseChoice, parseDuration, parseIdList, parseInteger } from './parse.js';
import { secretSetting, setting, type Settings } from './settings.js';
import { MAX_TIMER_MS } from '../ship/destination.js';

export type VcoLogin = 'enterprise' | 'operator';
export type VcoCredentials =
  | { kind: 'token'; token: string }
  | { kind: 'password'; username: string; password: string; login: VcoLogin };

export interface VcoConfig {
  baseUrl: string;
  auth: VcoCredentials;
  login: VcoLogin;
  enterpriseIds?: number[];
  ca?: Buffer;
  timeoutMs: number;
  maxRetries: number;
  concurrency: number;
}

/** The VCO settings, validated. `logger` receives the warning about VCO_ALLOW_HTTP. */
export function buildVcoConfig(settings: Settings, logger: Logger): VcoConfig {
  const host = setting(settings, 'VCO_HOSTNAME');
  if (host === undefined) {
    throw new ConfigError('VCO_HOSTNAME is not set: set it to your Orchestrator host, e.g. VCO_HOSTNAME=vco.example.net (see .env.example)');
  }
  const baseUrl = normaliseVcoUrl('VCO_HOSTNAME', host);
  checkPlainHttp(settings, baseUrl, logger);
  const login = parseChoice('VCO_LOGIN', setting(settings, 'VCO_LOGIN') ?? 'enterprise', ['enterprise', 'operator'] as const);
  const token = setting(settings, 'VCO_TOKEN');
  const username = setting(settings, 'VCO_USERNAME');
  const password = secretSetting(settings, 'VCO_PASSWORD');
  let auth: VcoCredentials;
  if (token !== undefined) {
    auth = { kind: 'token', token };
  } else if (username !== undefined && password !== undefined) {
    auth = { kind: 'password', username, password, login };
  } else if (username !== undefined) {
    throw new ConfigError('VCO_PASSWORD is not set: set it with VCO_USERNAME, or use VCO_TOKEN instead');
  } else {
    throw new ConfigError('No VCO credentials: set VCO_TOKEN (an API token) or VCO_USERNAME and VCO_PASSWORD');
  }
  const ids = setting(settings, 'VCO_ENTERPRISE_IDS');
  const caFile = setting(settings, 'VCO_CA_FILE');
  const config: VcoConfig = {
    baseUrl,
    auth,
    login,
    timeoutMs: parseDuration('VCO_TIMEOUT', setting(settings, 'VCO_TIMEOUT') ?? '30s', MAX_TIMER_MS),
    maxRetries: parseInteger('VCO_RETRIES', setting(settings, 'VCO_RETRIES') ?? '4', 0, 20),
    concurrency: parseInteger('VCO_CONCURRENCY', setting(settings, 'VCO_CONCURRENCY') ?? '4', 1, 32),
  };
  if (ids !== undefined) config.enterpriseIds = parseIdList('VCO_ENTERPRISE_IDS', ids);
  if (caFile !== undefined) config.ca = readSettingFile('VCO_CA_FILE', caFile);
  if (config.timeoutMs < 1000) throw new ConfigError(`VCO_TIMEOUT=${settings.VCO_TIMEOUT} is too short: use at least 1s, e.g. 30s`);
  return config;
}

/**
 * The token or password goes to the VCO with every login or request: plain http:// is for the local
 * simulator (loopback) only, unless VCO_ALLOW_HTTP=true, which is then warned about on every run
 * (every command that talks to the VCO builds its settings here), like SIEM_TLS_INSECURE.
 */
function checkPlainHttp(settings: Settings, baseUrl: string, logger: Logger): void {
  const allow = parseBoolean('VCO_ALLOW_HTTP', setting(settings, 'VCO_ALLOW_HTTP') ?? 'false');
  if (!sendsInTheClear(baseUrl)) return;
  if (!allow) {
    throw new ConfigError(
      `VCO_HOSTNAME=${baseUrl} would send the VCO token or password unencrypted over plain http:// to a host that is not this machine: ` +
        `use https://${new URL(baseUrl).host} (or the host without a scheme), or set VCO_ALLOW_HTTP=true for a lab VCO or simulator you reach over a trusted network`,
    );
  }
  warnPlainHttpVco({ baseUrl }, logger);
}

/** Plain http:// to a host that is not this machine (`baseUrl` is scheme://host[:port] from normaliseVcoUrl). */
function sendsInTheClear(baseUrl: string): boolean {
  const url = new URL(baseUrl);
  return url.protocol === 'http:' && !isLoopbackHost(url.hostname);
}

/**
 * The warning of every run that talks to a VCO over plain http:// (only possible to a host that is not
 * loopback with VCO_ALLOW_HTTP=true). buildVcoConfig logs it; a command that reuses one VcoConfig for
 * several runs (the daemon) calls this on each.
 */
export function warnPlainHttpVco(vco: Pick<VcoConfig, 'baseUrl'>, logger: Logger): void {
  if (sendsInTheClear(vco.baseUrl)) logger.warn('VCO credentials are sent unencrypted over plain http:// (VCO_ALLOW_HTTP=true); use https:// instead', { vco: vco.baseUrl });
}

/** Reads a file named by a setting, or fails naming the setting. */
export function readSettingFile(name: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ConfigError(`${name}=${file} cannot be read (${errorMessage(error)}): point it at an existing PEM file`);
  }
}
