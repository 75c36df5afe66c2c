/** Starts bench/sim-server.js as a child process and stops it, collecting its call statistics. */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { SimStats } from '../../src/simulator/index.js';
import type { SimServerConfig } from '../sim-server.js';
import { AGENT_NODE_ARGS } from './child.js';
import { BENCH_SCRIPT } from './paths.js';

export interface SimProcess {
  url: string;
  /** Stops the simulator and returns the calls it answered. */
  stop(): Promise<SimStats>;
}

export async function startSimProcess(config: SimServerConfig): Promise<SimProcess> {
  // Profiled along with the agent when asked: a slow simulator would pass for a slow collector.
  const child = spawn(process.execPath, [...AGENT_NODE_ARGS, BENCH_SCRIPT.simServer], {
    env: { ...process.env, BENCH_SIM: JSON.stringify(config) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const messages: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  lines.on('line', (line) => {
    messages.push(JSON.parse(line) as Record<string, unknown>);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const next = async (key: string): Promise<unknown> => {
    for (;;) {
      const found = messages.find((m) => key in m);
      if (found) return found[key];
      const woke = new Promise<void>((resolve) => waiters.push(resolve));
      await Promise.race([woke, exited.then(() => Promise.reject(new Error(`the simulator exited before reporting ${key}`)))]);
    }
  };
  const url = (await next('url')) as string;
  return {
    url,
    async stop() {
      child.stdin.end();
      const stats = (await next('stats')) as SimStats;
      await exited;
      return stats;
    },
  };
}
