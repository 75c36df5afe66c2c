/** History for the quick-start demo and `vco-siem simulator`: something realistic for a first collect. */
import type { Simulator } from './types.js';

const DAY_MS = 86400000;
/** More than one page of events in one second, so the demo exercises the burst path too. */
const DEMO_BURST = 2500;

export interface SeedDemoOptions {
  nowMs: number;
  /** Days of history (default 1). */
  days?: number;
  /** Generated events per enterprise (default 5000). */
  perEnterprise?: number;
}

/** Fills every enterprise with `perEnterprise` events over the last `days`, plus one burst 3 h ago in the first. */
export function seedDemo(sim: Simulator, opts: SeedDemoOptions): void {
  const startMs = opts.nowMs - (opts.days ?? 1) * DAY_MS;
  // Stop a minute short of now so the newest events are not in the same second as "now".
  const endMs = opts.nowMs - 60000;
  for (const enterprise of sim.enterprises) {
    sim.generate(enterprise.id, { count: opts.perEnterprise ?? 5000, startMs, endMs });
  }
  const first = sim.enterprises[0];
  if (first !== undefined) sim.addBurst(first.id, { count: DEMO_BURST, atMs: opts.nowMs - 3 * 3600 * 1000 });
}
