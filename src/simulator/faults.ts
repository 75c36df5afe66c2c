/** Queue of injected HTTP-level faults, consumed by the next matching calls. */
import type { SimFault } from './types.js';

/** Faults that replace or delay one reply (session and token faults act on auth instead). */
export type ReplyFault = Exclude<SimFault, { kind: 'expireSessions' } | { kind: 'invalidToken' }>;

interface Pending {
  fault: ReplyFault;
  /** Matching calls still to let through before the fault fires. */
  skip: number;
  /** Calls still to fault. */
  remaining: number;
}

export class FaultQueue {
  private pending: Pending[] = [];

  add(fault: ReplyFault): void {
    this.pending.push({ fault, skip: fault.afterCalls ?? 0, remaining: fault.count ?? 1 });
  }

  /**
   * The fault for this call, if any. Every queued fault matching the method counts the call
   * towards its afterCalls; the oldest one that is due fires.
   */
  take(method: string): ReplyFault | undefined {
    let fired: Pending | undefined;
    for (const p of this.pending) {
      if (p.fault.method !== undefined && p.fault.method !== method) continue;
      if (p.skip > 0) p.skip -= 1;
      else if (fired === undefined) fired = p;
    }
    if (fired === undefined) return undefined;
    fired.remaining -= 1;
    if (fired.remaining <= 0) this.pending.splice(this.pending.indexOf(fired), 1);
    return fired.fault;
  }
}
