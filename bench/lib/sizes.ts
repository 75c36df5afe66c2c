/** Workload sizes: the full sizes, and a --quick smoke run that keeps every path but takes under a minute. */
export interface Sizes {
  /** Events in the forwarded log (throughput and the large memory point). */
  forwardEvents: number;
  /** The small memory point (forward and collection): memory must not grow from here to the large one. */
  smallEvents: number;
  /** The large memory point of the collection. */
  collectBacklog: number;
  collectEnterprises: number;
  eventsPerEnterprise: number;
  latencyMs: number;
  concurrency: number;
  startupRuns: number;
  encoderEvents: number;
  encoderMs: number;
}

export const FULL: Sizes = {
  forwardEvents: 1_000_000,
  smallEvents: 100_000,
  collectBacklog: 1_000_000,
  collectEnterprises: 100,
  eventsPerEnterprise: 10_000,
  latencyMs: 50,
  concurrency: 4,
  startupRuns: 11,
  encoderEvents: 50_000,
  encoderMs: 1500,
};

export const QUICK: Sizes = {
  forwardEvents: 100_000,
  smallEvents: 10_000,
  collectBacklog: 100_000,
  collectEnterprises: 10,
  eventsPerEnterprise: 2_000,
  latencyMs: 50,
  concurrency: 4,
  startupRuns: 3,
  encoderEvents: 10_000,
  encoderMs: 300,
};
