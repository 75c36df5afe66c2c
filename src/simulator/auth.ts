/** Accounts, API tokens and cookie sessions of the simulated VCO. */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from './api-error.js';
import type { SimUser } from './types.js';

export type LoginKind = 'enterprise' | 'operator';

interface Session {
  user: SimUser;
  expiresAtMs: number;
}

const INVALID_TOKEN = 'tokenError [Invalid API Token]';
const EXPIRED_SESSION = 'tokenError [expired session cookie]';

export const SESSION_COOKIE = 'velocloud.session';
export const MESSAGE_COOKIE = 'velocloud.message';

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

export class Accounts {
  private readonly sessions = new Map<string, Session>();
  /** Token calls still to refuse; Infinity once tokens are revoked. */
  private refusedTokenCalls = 0;

  constructor(
    private readonly users: SimUser[],
    private readonly sessionTtlMs: number,
    private readonly clock: () => number,
  ) {}

  /** A new session id, or the reason the login failed. Operators use operatorLogin, everyone else enterpriseLogin. */
  login(kind: LoginKind, username: unknown, password: unknown): { session: string } | { reason: string } {
    const user = this.users.find((u) => u.username === username && u.password === password);
    if (user === undefined) return { reason: 'Invalid username or password' };
    if ((user.kind === 'operator') !== (kind === 'operator')) {
      return { reason: kind === 'operator' ? 'Operator login required' : 'Use the operator login' };
    }
    const session = randomBytes(24).toString('base64url');
    this.sessions.set(session, { user, expiresAtMs: this.clock() + this.sessionTtlMs });
    return { session };
  }

  /** The caller, by token (which wins) or session cookie; ApiError tokenError otherwise. */
  authenticate(headers: IncomingHttpHeaders): SimUser {
    const authorization = headers.authorization;
    if (authorization !== undefined) {
      const match = /^Token\s+(\S+)\s*$/i.exec(authorization);
      const user = match === null ? undefined : this.users.find((u) => u.token !== undefined && u.token === match[1]);
      if (user === undefined || this.refuseTokenCall()) throw new ApiError(-32000, INVALID_TOKEN, 200, undefined, {}, true);
      return user;
    }
    const id = parseCookies(headers.cookie).get(SESSION_COOKIE);
    if (id === undefined) throw new ApiError(-32000, INVALID_TOKEN, 200, undefined, {}, true);
    const session = this.sessions.get(id);
    if (session === undefined || session.expiresAtMs <= this.clock()) {
      this.sessions.delete(id);
      // An unknown id is what an expired one becomes on a real VCO: the same reply.
      throw new ApiError(-32000, EXPIRED_SESSION, 200, undefined, { Expires: '0' });
    }
    return session.user;
  }

  /** Every session alive now expires (its next call gets tokenError + Expires: 0). */
  expireSessions(): void {
    for (const session of this.sessions.values()) session.expiresAtMs = -Infinity;
  }

  /** Refuse the next `count` token calls, or all of them from now on. */
  refuseTokens(count?: number): void {
    this.refusedTokenCalls = count ?? Infinity;
  }

  private refuseTokenCall(): boolean {
    if (this.refusedTokenCalls <= 0) return false;
    this.refusedTokenCalls -= 1;
    return true;
  }
}
