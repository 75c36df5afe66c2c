/**
 * HTTP front of the simulated VCO (node:http): REST and JSON-RPC transports, both login path forms,
 * token and cookie auth, injected faults and latency.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRecord } from '../event.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, INVALID_SCHEMA } from './api-error.js';
import { Accounts, MESSAGE_COOKIE, SESSION_COOKIE, type LoginKind } from './auth.js';
import { FaultQueue, type ReplyFault } from './faults.js';
import type { SimEnterprise, SimStats, SimUser, Simulator, SimulatorOptions } from './types.js';
import { SimulatedVco, resultJson } from './vco.js';

export const DEFAULT_TOKEN = 'sim-token';
export const DEFAULT_OPERATOR_TOKEN = 'sim-operator-token';
export const DEFAULT_PARTNER_TOKEN = 'sim-partner-token';
export const DEFAULT_PASSWORD = 'sim-password';
export const DEFAULT_ENTERPRISES: readonly SimEnterprise[] = [
  { id: 1, name: 'ACME Co.' },
  { id: 2, name: 'Globex Corporation' },
];
const DEFAULT_SESSION_TTL_MS = 24 * 3600 * 1000;
const MAX_BODY_BYTES = 1024 * 1024;

/** Enterprise user of the first enterprise, an MSP partner seeing all, and an operator. */
export function defaultUsers(opts: { token?: string; operatorToken?: string; enterpriseId: number }): SimUser[] {
  return [
    { username: 'admin@acme.example', password: DEFAULT_PASSWORD, kind: 'enterprise', enterpriseId: opts.enterpriseId, token: opts.token ?? DEFAULT_TOKEN },
    { username: 'msp@partner.example', password: DEFAULT_PASSWORD, kind: 'partner', token: DEFAULT_PARTNER_TOKEN },
    { username: 'operator@vco.example', password: DEFAULT_PASSWORD, kind: 'operator', token: opts.operatorToken ?? DEFAULT_OPERATOR_TOKEN },
  ];
}

const LOGIN_PATH = /^(\/portal\/rest)?\/login\/(enterpriseLogin|operatorLogin)\/?$/;
const REST_PATH = /^\/portal\/rest\/([A-Za-z0-9_]+\/[A-Za-z0-9_]+)\/?$/;
const RPC_PATH = /^\/portal\/?$/;

const HTML_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

type Reply = { status: number; body: string | Buffer; headers?: Record<string, string>; contentType?: string };

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const enterprises = opts.enterprises ?? [...DEFAULT_ENTERPRISES];
  const firstEnterprise = enterprises[0];
  if (firstEnterprise === undefined) throw new RangeError('the simulator needs at least one enterprise');
  const clock = opts.clock ?? Date.now;
  const vco = new SimulatedVco(opts.seed ?? 1, enterprises);
  const users = opts.users ?? defaultUsers({ token: opts.token, operatorToken: opts.operatorToken, enterpriseId: firstEnterprise.id });
  const accounts = new Accounts(users, opts.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS, clock);
  const faults = new FaultQueue();
  const stats: SimStats = { calls: 0, byMethod: {}, logins: 0 };
  const closing = new AbortController();

  /** Counts the call, then applies latency and any due fault; returns a reply when the fault replaces it. */
  async function beforeCall(method: string): Promise<Reply | 'hang' | undefined> {
    stats.calls += 1;
    stats.byMethod[method] = (stats.byMethod[method] ?? 0) + 1;
    const fault = faults.take(method);
    if (opts.latencyMs !== undefined && opts.latencyMs > 0) await sleep(opts.latencyMs, undefined, { signal: closing.signal });
    return fault === undefined ? undefined : applyFault(fault);
  }

  async function applyFault(fault: ReplyFault): Promise<Reply | 'hang' | undefined> {
    switch (fault.kind) {
      case 'status429':
        return {
          status: 429,
          body: JSON.stringify({ error: { code: 429, message: 'Too Many Requests: rate limit exceeded' } }),
          headers: fault.retryAfterSec === undefined ? {} : { 'Retry-After': String(fault.retryAfterSec) },
        };
      case 'status500':
        return { status: 500, body: JSON.stringify({ error: { code: -32603, message: 'Error parsing or processing request' } }) };
      case 'html502':
        return { status: 502, body: HTML_502, contentType: 'text/html' };
      case 'slow':
        await sleep(fault.delayMs, undefined, { signal: closing.signal });
        return undefined;
      case 'hang':
        return 'hang';
    }
  }

  async function handleLogin(req: IncomingMessage, body: string, rest: boolean, kind: LoginKind): Promise<Reply | 'hang'> {
    const early = await beforeCall(`login/${kind}Login`);
    if (early !== undefined) return early;
    const credentials = parseLoginBody(body, req.headers['content-type']);
    if (credentials === undefined) return apiErrorReply(new ApiError(-32600, INVALID_SCHEMA, 400), false);
    const outcome = accounts.login(kind, credentials['username'], credentials['password']);
    if ('reason' in outcome) {
      return {
        status: 302,
        body: '',
        headers: { Location: '/login.html', 'Set-Cookie': `${MESSAGE_COOKIE}=${encodeURIComponent(outcome.reason)}; Path=/` },
      };
    }
    stats.logins += 1;
    const headers = { 'Set-Cookie': `${SESSION_COOKIE}=${outcome.session}; Path=/; HttpOnly; SameSite=Lax` };
    return rest ? { status: 200, body: '{}', headers } : { status: 302, body: '', headers: { ...headers, Location: '/' } };
  }

  /** An API call on either transport; `rpcId` undefined = REST. */
  async function handleApi(req: IncomingMessage, method: string, params: unknown, rpcId: unknown, rest: boolean): Promise<Reply | 'hang'> {
    const early = await beforeCall(method);
    if (early !== undefined) return early;
    try {
      if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new ApiError(-32600, INVALID_SCHEMA, 400);
      const user = accounts.authenticate(req.headers);
      const result = resultJson(vco.call(user, method, params as Record<string, unknown>, clock()));
      if (rest) return { status: 200, body: result };
      const head = '{"jsonrpc":"2.0","result":';
      const tail = `,"id":${JSON.stringify(rpcId)}}`;
      return { status: 200, body: typeof result === 'string' ? `${head}${result}${tail}` : Buffer.concat([Buffer.from(head), result, Buffer.from(tail, 'utf8')]) };
    } catch (error) {
      if (error instanceof ApiError) return apiErrorReply(error, rest, rpcId);
      throw error;
    }
  }

  async function route(req: IncomingMessage): Promise<Reply | 'hang'> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'POST') return { status: 405, body: JSON.stringify({ error: { code: -32600, message: 'Only POST is supported' } }), headers: { Allow: 'POST' } };
    const body = await readBody(req);
    const login = LOGIN_PATH.exec(path);
    if (login !== null) return handleLogin(req, body, login[1] !== undefined, login[2] === 'operatorLogin' ? 'operator' : 'enterprise');
    const rest = REST_PATH.exec(path);
    const parsed = parseJson(body);
    if (rest !== null) {
      if (parsed === INVALID) return apiErrorReply(new ApiError(-32600, INVALID_SCHEMA, 400), true);
      return handleApi(req, rest[1] as string, parsed, undefined, true);
    }
    if (RPC_PATH.test(path)) {
      const envelope = parsed === INVALID ? undefined : (parsed as Record<string, unknown> | null);
      if (envelope === undefined || envelope === null || typeof envelope !== 'object' || typeof envelope['method'] !== 'string') {
        return apiErrorReply(new ApiError(-32600, INVALID_SCHEMA, 400), false);
      }
      return handleApi(req, envelope['method'], envelope['params'] ?? {}, envelope['id'] ?? null, false);
    }
    return { status: 404, body: JSON.stringify({ error: { code: -32601, message: `Not found: ${path}` } }) };
  }

  const server = createServer((req, res) => {
    route(req).then(
      (reply) => {
        if (reply !== 'hang') send(res, reply);
      },
      (error: unknown) => {
        if (closing.signal.aborted || res.destroyed) return;
        if (error instanceof ApiError) send(res, apiErrorReply(error, true));
        else send(res, { status: 500, body: JSON.stringify({ error: { code: -32603, message: 'Error parsing or processing request' } }) });
      },
    );
  });
  // A hung reply never ends; Node must not time it out for us (the client gives up instead).
  server.requestTimeout = 0;
  server.headersTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    get enterprises() {
      return vco.enterprises;
    },
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        // Hung and keep-alive connections would hold close() forever.
        server.closeAllConnections();
      }),
    addEvents: (enterpriseId, events) => vco.addEvents(enterpriseId, events),
    generate: (enterpriseId, options) => vco.generate(enterpriseId, options),
    addBurst: (enterpriseId, options) => vco.addBurst(enterpriseId, options),
    inject: (fault) => {
      if (fault.kind === 'expireSessions') accounts.expireSessions();
      else if (fault.kind === 'invalidToken') accounts.refuseTokens(fault.count);
      else faults.add(fault);
    },
    eventCount: (enterpriseId) => vco.eventCount(enterpriseId),
    allEvents: (enterpriseId) => vco.allEvents(enterpriseId),
  };
}

const INVALID = Symbol('invalid JSON');

/** Parsed JSON; an empty body counts as `{}`. */
function parseJson(body: string): unknown {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return INVALID;
  }
}

/** Login credentials from a JSON or form-encoded body. */
function parseLoginBody(body: string, contentType: string | undefined): Record<string, unknown> | undefined {
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(body));
  const parsed = parseJson(body);
  return isRecord(parsed) ? parsed : undefined;
}

function apiErrorReply(error: ApiError, rest: boolean, rpcId: unknown = null): Reply {
  let payload: object;
  if (!rest) payload = { jsonrpc: '2.0', error, id: rpcId };
  else if (error.rpcEnvelopeOnRest) payload = { error, id: Date.now(), jsonrpc: '2.0' };
  else payload = { error };
  return { status: error.httpStatus, body: JSON.stringify(payload), headers: error.headers };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(-32600, INVALID_SCHEMA, 413));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
  res.writeHead(reply.status, {
    'Content-Type': `${reply.contentType ?? 'application/json'}; charset=utf-8`,
    'Content-Length': String(body.length),
    ...reply.headers,
  });
  res.end(body);
}
