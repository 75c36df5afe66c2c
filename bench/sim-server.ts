/**
 * The VCO simulator in its own process, so a measured agent's RSS and CPU are its own. Configured by the
 * JSON in BENCH_SIM ({ enterprises, eventsPerEnterprise, latencyMs, startMs, endMs }). Prints
 * {"url": ...} once listening; when stdin closes (or on SIGTERM) prints {"stats": ...} and exits.
 */
import { startSimulator, type SimEnterprise } from '../src/simulator/index.js';

export interface SimServerConfig {
  enterprises: number;
  eventsPerEnterprise: number;
  latencyMs: number;
  startMs: number;
  endMs: number;
}

const config = JSON.parse(process.env.BENCH_SIM ?? '{}') as SimServerConfig;
const enterprises: SimEnterprise[] = Array.from({ length: config.enterprises }, (_, k) => ({ id: k + 1, name: `Bench Enterprise ${k + 1}` }));
const sim = await startSimulator({ enterprises, latencyMs: config.latencyMs, seed: 7 });
for (const e of enterprises) {
  // Pre-rendered: the simulated VCO must not spend the measured agent's CPU building events it could have built before.
  if (config.eventsPerEnterprise > 0) sim.generate(e.id, { count: config.eventsPerEnterprise, startMs: config.startMs, endMs: config.endMs, prerender: true });
}
process.stdout.write(`${JSON.stringify({ url: sim.url })}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`${JSON.stringify({ stats: sim.stats })}\n`);
  await sim.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();
