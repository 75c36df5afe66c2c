import type { Enterprise, VcoEvent } from '../event.js';

/** An account of the simulated VCO. `token` (optional) is an API token of that user. */
export interface SimUser {
  username: string;
  password: string;
  /** enterprise: own enterprise only; partner (MSP): enterprises of its proxy; operator: every enterprise. */
  kind: 'enterprise' | 'partner' | 'operator';
  /** Enterprise of an enterprise user (required for kind 'enterprise'). */
  enterpriseId?: number;
  /** Enterprises a partner sees; default all. */
  enterpriseIds?: number[];
  token?: string;
}

export type SimEnterprise = Enterprise;

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Seed of the generated events (default 1). Same seed and same calls = same events. */
  seed?: number;
  /** Delay added to every reply. */
  latencyMs?: number;
  /** API token of the enterprise user of the first enterprise; default 'sim-token'. */
  token?: string;
  /** API token of the operator; default 'sim-operator-token'. */
  operatorToken?: string;
  /** Replaces the default users (see DEFAULT_USERS). */
  users?: SimUser[];
  /** Default [{1,'ACME Co.'},{2,'Globex Corporation'}]. */
  enterprises?: SimEnterprise[];
  /** Lifetime of a login session; default 24 h. */
  sessionTtlMs?: number;
  /** Clock of the simulated VCO (defaults of `interval`, session expiry); default Date.now. */
  clock?: () => number;
}

export interface SimStats {
  /** Every request that named a method (logins included), faulted or not. */
  calls: number;
  byMethod: Record<string, number>;
  /** Successful logins. */
  logins: number;
}

export interface GenerateOptions {
  count: number;
  startMs: number;
  endMs: number;
  idStyle?: 'numeric' | 'logicalId';
  /**
   * Build every event's JSON text now and keep it (about 400 bytes per event, newest first in one buffer), so a
   * page costs a slice of that buffer, as a real VCO's work costs the client nothing. For benchmarks, where the
   * simulator shares the CPU with the agent being measured.
   */
  prerender?: boolean;
}

export interface Simulator {
  /** e.g. http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  port: number;
  readonly enterprises: readonly Enterprise[];
  close(): Promise<void>;
  /** Exact events, stored as given (e.g. late ones). Each needs a parseable eventTime. */
  addEvents(enterpriseId: number, events: VcoEvent[]): void;
  /** Realistic events spread over [startMs, endMs], generated lazily (1,000,000 is fine). */
  generate(enterpriseId: number, opts: GenerateOptions): void;
  /** `count` events in the one second holding atMs. */
  addBurst(enterpriseId: number, opts: { count: number; atMs: number; idStyle?: 'numeric' | 'logicalId' }): void;
  /** Queue a fault; it is consumed by the next matching calls. */
  inject(fault: SimFault): void;
  readonly stats: SimStats;
  /** Number of events the VCO holds for the enterprise, without materialising them. */
  eventCount(enterpriseId: number): number;
  /** Everything the VCO holds for the enterprise, newest first (materialises every event: tests only). */
  allEvents(enterpriseId: number): VcoEvent[];
}

/**
 * A fault queued with `inject`. `afterCalls` = let N matching calls pass first; `count` = how many
 * calls get the fault (default 1); `method` restricts it to one method, e.g. 'event/getEnterpriseEvents'
 * (logins are the methods 'login/enterpriseLogin' and 'login/operatorLogin').
 */
export type SimFault =
  | { kind: 'status429'; retryAfterSec?: number; count?: number; afterCalls?: number; method?: string }
  | { kind: 'status500' | 'html502'; count?: number; afterCalls?: number; method?: string }
  | { kind: 'slow'; delayMs: number; count?: number; afterCalls?: number; method?: string }
  | { kind: 'hang'; count?: number; afterCalls?: number; method?: string }
  /** Every session alive now is expired: its next call gets tokenError [expired session cookie] + Expires: 0. */
  | { kind: 'expireSessions' }
  /** Token calls get tokenError [Invalid API Token]: the next `count`, or all from now on (token revoked). */
  | { kind: 'invalidToken'; count?: number };
