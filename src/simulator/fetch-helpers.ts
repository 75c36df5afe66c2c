/** Minimal fetch helpers for the simulator's own tests (plain fetch, no project client). */
import type { VcoEvent } from '../event.js';
import type { Simulator } from './types.js';

export interface RawReply {
  status: number;
  headers: Headers;
  text: string;
}

export async function post(sim: Simulator, path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<RawReply> {
  const res = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
    signal: signal ?? AbortSignal.timeout(10000),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export const tokenHeader = (token: string): Record<string, string> => ({ authorization: `Token ${token}` });

/** REST call; returns the parsed body (a result or an {error}). */
export async function rest<T = unknown>(sim: Simulator, method: string, params: unknown, headers: Record<string, string>): Promise<T> {
  const reply = await post(sim, `/portal/rest/${method}`, params, headers);
  return JSON.parse(reply.text) as T;
}

export interface EventsResult {
  metaData: { limit: number; more: boolean };
  data: VcoEvent[];
}

export interface ErrorBody {
  error: { code: number; message: string };
  id?: unknown;
  jsonrpc?: string;
}
