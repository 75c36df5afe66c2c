/**
 * VCO API v1 client (got): REST-like or JSON-RPC transport, token or cookie-session auth,
 * bounded retries for 5xx/timeouts/resets, patient waits on HTTP 429, abortable everywhere.
 * Secrets (token, password, session cookie) never reach an error message or a log line.
 */
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { rootCertificates } from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';
import type { Got } from 'got';
import got from '../vendor/got.js';
import { CancelledError, VcoApiError, VcoAuthError, errorMessage } from '../errors.js';
import { isRecord } from '../event.js';
import { type Logger, redact, registerSecret, silentLogger } from '../log.js';

export type VcoAuth =
  | { kind: 'token'; token: string }
  | { kind: 'password'; username: string; password: string; login: 'enterprise' | 'operator' };

export interface VcoClientOptions {
  /** scheme://host[:port], no trailing slash (normalised by the config). */
  baseUrl: string;
  auth: VcoAuth;
  /** Extra CA certificate(s) in PEM, trusted in addition to the system roots. */
  ca?: string | Buffer;
  timeoutMs?: number;
  maxRetries?: number;
  retryBaseMs?: number;
  rateLimitWaitMs?: number;
  transport?: 'rest' | 'jsonrpc';
  logger?: Logger;
}

export interface VcoClientStats {
  /** HTTP requests to API methods, retries included, logins excluded. */
  apiCalls: number;
  retries: number;
  throttled: number;
  logins: number;
}

/** Per-caller counter of HTTP requests, so a caller sharing the client can report its own share. */
export interface RequestTally {
  apiCalls: number;
  /** The Date header of the first reply that had one (the VCO's clock, 1 s resolution) and the agent's clock then. */
  vcoClock?: { vcoMs: number; agentMs: number };
}

const SESSION_COOKIE = 'velocloud.session';
const MESSAGE_COOKIE = 'velocloud.message';
/** HTTP 429 waits before giving up on one request: generous, throttling is normal VCO behaviour. */
const MAX_THROTTLE_WAITS = 60;
const MAX_BACKOFF_MS = 30_000;
/** Caps an absurd Retry-After so one reply cannot park the agent for hours. */
const MAX_RETRY_AFTER_MS = 300_000;
const EXCERPT_CHARS = 160;
const RETRYABLE_NETWORK_CODES = new Set([
  'ETIMEDOUT', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
]);
const TLS_TRUST_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

const USER_AGENT = `vco-siem/${packageVersion()}`;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  /** As received: a reader of large replies works on the bytes (see event-text.ts). */
  body: Buffer;
}

/**
 * Parses a reply body (UTF-8 bytes): JSON.parse of its text, or a reader that gives the same value with some part
 * in another form. `resultPath`: the object keys from the body's root to the result (none over REST, "result" over JSON-RPC).
 */
export type BodyParser = (body: Buffer, resultPath: readonly string[]) => unknown;

const parseJson: BodyParser = (body) => JSON.parse(body.toString('utf8')) as unknown;
const REST_RESULT_PATH: readonly string[] = [];
const RPC_RESULT_PATH: readonly string[] = ['result'];

interface PostRequest {
  url: string;
  json: object;
  headers: Record<string, string>;
}

interface SendContext {
  /** What the request is, for messages: an API method name or "login". */
  label: string;
  signal?: AbortSignal;
  tally?: RequestTally;
  countAsApiCall: boolean;
}

/** Result of one API reply: a result, or a rejected credential the caller may recover from. */
type Outcome = { ok: true; result: unknown } | { ok: false; authMessage: string };

interface Session {
  cookie: string;
}

export class VcoClient {
  readonly stats: VcoClientStats = { apiCalls: 0, retries: 0, throttled: 0, logins: 0 };
  private readonly http: Got;
  private readonly auth: VcoAuth;
  private readonly baseUrl: string;
  private readonly transport: 'rest' | 'jsonrpc';
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly rateLimitWaitMs: number;
  private readonly logger: Logger;
  private session: Session | undefined;
  private loginInFlight: Promise<void> | undefined;
  private rpcId = 0;

  constructor(opts: VcoClientOptions) {
    this.auth = opts.auth;
    this.baseUrl = opts.baseUrl;
    this.transport = opts.transport ?? 'rest';
    this.maxRetries = opts.maxRetries ?? 4;
    this.retryBaseMs = opts.retryBaseMs ?? 1000;
    this.rateLimitWaitMs = opts.rateLimitWaitMs ?? 5000;
    this.logger = opts.logger ?? silentLogger;
    if (opts.auth.kind === 'token') registerSecret(opts.auth.token);
    else registerSecret(opts.auth.password);
    this.http = got.extend({
      throwHttpErrors: false,
      followRedirect: false,
      retry: { limit: 0 },
      timeout: { request: opts.timeoutMs ?? 30_000 },
      headers: { 'user-agent': USER_AGENT, accept: 'application/json' },
      ...(opts.ca === undefined ? {} : { https: { certificateAuthority: [...rootCertificates, opts.ca.toString()] } }),
    });
  }

  /**
   * Call one API method and return its result. A cookie session rejected with a tokenError is
   * renewed once and the call repeated; a rejected token is fatal (VcoAuthError). `parseBody` reads the
   * reply (JSON.parse by default); what it throws makes the reply a non-JSON one.
   */
  async call<T>(method: string, params: object, signal?: AbortSignal, tally?: RequestTally, parseBody: BodyParser = parseJson): Promise<T> {
    let renewed = false;
    for (;;) {
      const session = await this.currentSession(signal);
      const reply = await this.send(this.apiRequest(method, params, session), { label: method, signal, tally, countAsApiCall: true });
      const outcome = this.interpret(method, reply, parseBody);
      if (outcome.ok) return outcome.result as T;
      if (this.auth.kind === 'token') {
        throw new VcoAuthError(
          redact(`VCO_TOKEN is invalid or expired (VCO said: ${outcome.authMessage}): create a new API token in the VCO and set VCO_TOKEN`),
          { context: { method } },
        );
      }
      if (renewed) {
        throw new VcoAuthError(redact(`${method}: the VCO rejected a fresh login session (VCO said: ${outcome.authMessage})`), {
          context: { method },
        });
      }
      renewed = true;
      this.logger.info('VCO session rejected, logging in again', { method, reason: outcome.authMessage });
      // Only drop the session this call used: a concurrent call may already have renewed it.
      if (this.session === session) this.session = undefined;
    }
  }

  private apiRequest(method: string, params: object, session: Session | undefined): PostRequest {
    const headers: Record<string, string> =
      this.auth.kind === 'token' ? { authorization: `Token ${this.auth.token}` } : { cookie: session?.cookie ?? '' };
    if (this.transport === 'jsonrpc') {
      this.rpcId += 1;
      return { url: `${this.baseUrl}/portal/`, json: { jsonrpc: '2.0', method, params, id: this.rpcId }, headers };
    }
    return { url: `${this.baseUrl}/portal/rest/${method}`, json: params, headers };
  }

  /** The cookie session, logging in first when there is none. Undefined for token auth. */
  private async currentSession(signal: AbortSignal | undefined): Promise<Session | undefined> {
    if (this.auth.kind === 'token') return undefined;
    const auth = this.auth;
    for (;;) {
      if (this.session) return this.session;
      // Concurrent calls share one login.
      this.loginInFlight ??= this.login(auth, signal).finally(() => {
        this.loginInFlight = undefined;
      });
      try {
        await this.loginInFlight;
      } catch (error) {
        // Another caller's cancellation must not fail this call: try again with our own signal.
        if (error instanceof CancelledError && signal?.aborted !== true) continue;
        throw error;
      }
    }
  }

  private async login(auth: Extract<VcoAuth, { kind: 'password' }>, signal: AbortSignal | undefined): Promise<void> {
    const path = auth.login === 'operator' ? 'operatorLogin' : 'enterpriseLogin';
    this.stats.logins += 1;
    const reply = await this.send(
      { url: `${this.baseUrl}/portal/rest/login/${path}`, json: { username: auth.username, password: auth.password }, headers: {} },
      { label: `login/${path}`, signal, countAsApiCall: false },
    );
    const cookies = parseSetCookie(reply.headers['set-cookie']);
    const session = cookies.get(SESSION_COOKIE);
    if (session) {
      registerSecret(session);
      this.session = { cookie: `${SESSION_COOKIE}=${session}` };
      this.logger.debug('logged in to the VCO', { login: auth.login, username: auth.username });
      return;
    }
    const vcoMessage = cookies.get(MESSAGE_COOKIE);
    if (vcoMessage === undefined && reply.status !== 200 && reply.status !== 302) {
      // Not a refusal of the credentials: the VCO (or a proxy in front of it) failed.
      throw new VcoApiError(redact(`VCO ${auth.login} login failed: HTTP ${reply.status}: ${excerpt(reply.body)}`), {
        context: { status: reply.status, login: auth.login },
      });
    }
    const reason = vcoMessage ? `VCO said: ${decodeCookieText(vcoMessage)}` : `HTTP ${reply.status}, no ${SESSION_COOKIE} cookie was set`;
    throw new VcoAuthError(
      redact(`VCO ${auth.login} login as ${auth.username} failed (${reason}): check VCO_USERNAME, VCO_PASSWORD and VCO_LOGIN`),
      { context: { status: reply.status, login: auth.login } },
    );
  }

  /**
   * POST with our retry policy: HTTP 429 waits (Retry-After, else rateLimitWaitMs) and repeats the same
   * request; 5xx and transient network errors back off exponentially with full jitter, maxRetries times.
   * Returns the last reply (a final 5xx is returned so its body can explain the failure).
   */
  private async send(request: PostRequest, ctx: SendContext): Promise<Reply> {
    let failures = 0;
    let throttles = 0;
    for (;;) {
      throwIfAborted(ctx);
      if (ctx.countAsApiCall) {
        this.stats.apiCalls += 1;
        if (ctx.tally) ctx.tally.apiCalls += 1;
      }
      let reply: Reply | undefined;
      let failure = '';
      try {
        reply = await this.post(request, ctx.signal);
      } catch (error) {
        throwIfAborted(ctx);
        const code = errorCode(error);
        if (code === undefined || !RETRYABLE_NETWORK_CODES.has(code)) {
          throw new VcoApiError(redact(`${ctx.label}: request to the VCO failed: ${describeNetworkError(error)}`), {
            context: { method: ctx.label, code },
            cause: error,
          });
        }
        failure = describeNetworkError(error);
      }
      if (reply) {
        if (ctx.tally && ctx.tally.vcoClock === undefined) {
          const vcoMs = Date.parse(reply.headers.date ?? '');
          if (!Number.isNaN(vcoMs)) ctx.tally.vcoClock = { vcoMs, agentMs: Date.now() };
        }
        if (reply.status === 429) {
          throttles += 1;
          this.stats.throttled += 1;
          if (throttles > MAX_THROTTLE_WAITS) {
            throw new VcoApiError(`${ctx.label}: the VCO kept rate-limiting (HTTP 429) after ${MAX_THROTTLE_WAITS} waits`, {
              context: { method: ctx.label, status: 429 },
            });
          }
          const waitMs = retryAfterMs(reply.headers['retry-after']) ?? this.rateLimitWaitMs;
          this.logger.info('VCO rate limit (HTTP 429), waiting', { method: ctx.label, waitMs });
          await sleep(waitMs, ctx);
          continue;
        }
        if (reply.status < 500 || failures >= this.maxRetries) return reply;
        failure = `HTTP ${reply.status}`;
      } else if (failures >= this.maxRetries) {
        throw new VcoApiError(redact(`${ctx.label}: the VCO did not answer after ${failures + 1} attempts (${failure})`), {
          context: { method: ctx.label, attempts: failures + 1 },
        });
      }
      failures += 1;
      this.stats.retries += 1;
      const waitMs = backoffMs(failures, this.retryBaseMs);
      this.logger.warn('VCO request failed, retrying', { method: ctx.label, attempt: failures, waitMs, reason: failure });
      await sleep(waitMs, ctx);
    }
  }

  private async post(request: PostRequest, signal: AbortSignal | undefined): Promise<Reply> {
    const response = await this.http.post(request.url, {
      responseType: 'buffer',
      json: request.json,
      headers: request.headers,
      ...(signal ? { signal } : {}),
    });
    return { status: response.statusCode, headers: response.headers, body: response.body };
  }

  /** Turn a reply into a result, a recoverable auth rejection, or a VcoApiError. */
  private interpret(method: string, reply: Reply, parseBody: BodyParser): Outcome {
    if (reply.status === 401) return { ok: false, authMessage: 'HTTP 401 Unauthorized' };
    if (reply.status >= 300 && reply.status < 400) {
      throw new VcoApiError(`${method}: unexpected HTTP ${reply.status} redirect from the VCO`, { context: { method, status: reply.status } });
    }
    const body = parseJsonBody(method, reply, parseBody, this.transport === 'jsonrpc' ? RPC_RESULT_PATH : REST_RESULT_PATH);
    const apiError = errorObject(body);
    if (apiError) {
      if (apiError.message.includes('tokenError')) return { ok: false, authMessage: apiError.message };
      throw new VcoApiError(redact(`${method} failed: VCO error ${apiError.code ?? '(no code)'}: ${apiError.message}`), {
        context: { method, status: reply.status, code: apiError.code },
      });
    }
    if (reply.status >= 400) {
      throw new VcoApiError(redact(`${method}: VCO answered HTTP ${reply.status}: ${excerpt(reply.body)}`), {
        context: { method, status: reply.status },
      });
    }
    if (this.transport === 'jsonrpc') {
      if (!isRecord(body) || !('result' in body)) {
        throw new VcoApiError(`${method}: JSON-RPC reply has neither result nor error`, { context: { method, status: reply.status } });
      }
      return { ok: true, result: body.result };
    }
    return { ok: true, result: body };
  }
}

function parseJsonBody(method: string, reply: Reply, parseBody: BodyParser, resultPath: readonly string[]): unknown {
  try {
    return parseBody(reply.body, resultPath);
  } catch {
    const type = reply.headers['content-type'] ?? 'none';
    throw new VcoApiError(
      redact(`${method}: VCO answered HTTP ${reply.status} with a non-JSON body (content-type ${type}): "${excerpt(reply.body)}"`),
      { context: { method, status: reply.status, contentType: type } },
    );
  }
}

function errorObject(body: unknown): { code: number | string | undefined; message: string } | undefined {
  if (!isRecord(body) || !isRecord(body.error)) return undefined;
  const { code, message } = body.error;
  return {
    code: typeof code === 'number' || typeof code === 'string' ? code : undefined,
    message: typeof message === 'string' ? message : JSON.stringify(body.error),
  };
}

/** A short, single-line, tag-free, redacted piece of a body for error messages. */
function excerpt(body: Buffer): string {
  const text = body.toString('utf8').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  const short = text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}...` : text;
  return redact(short || '(empty)');
}

function parseSetCookie(header: string[] | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const line of header ?? []) {
    const pair = line.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return cookies;
}

/** velocloud.message is URL-encoded (%20), sometimes with '+' for spaces. */
function decodeCookieText(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, nowMs = Date.now()): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const value = header.trim();
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - nowMs;
  if (Number.isNaN(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/** Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]. */
export function backoffMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

/** Abortable wait; an abort becomes CancelledError. */
async function sleep(ms: number, ctx: { label: string; signal?: AbortSignal }): Promise<void> {
  try {
    await delay(ms, undefined, ctx.signal ? { signal: ctx.signal } : undefined);
  } catch (error) {
    throwIfAborted(ctx);
    throw error;
  }
}

function throwIfAborted(ctx: { label: string; signal?: AbortSignal }): void {
  if (ctx.signal?.aborted) throw new CancelledError(`${ctx.label}: cancelled`, { context: { method: ctx.label } });
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describeNetworkError(error: unknown): string {
  const code = errorCode(error);
  const base = code && !errorMessage(error).includes(code) ? `${errorMessage(error)} (${code})` : errorMessage(error);
  if (code !== undefined && TLS_TRUST_CODES.has(code)) return `${base}; if the VCO uses a private CA, set VCO_CA_FILE to its certificate`;
  if (code === 'ENOTFOUND') return `${base}; check VCO_HOSTNAME`;
  return base;
}

function packageVersion(): string {
  try {
    // Runs compiled as dist*/src/collect/client.js: three levels below the repo root.
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
