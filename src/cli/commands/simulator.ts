import { ConfigError, EXIT_OK } from '../../errors.js';
import { DEFAULT_TOKEN, seedDemo, startSimulator } from '../../simulator/index.js';
import type { CommandContext } from '../context.js';

/** `vco-siem simulator`: a VCO to point the agent at, with a day of realistic history. Runs until SIGINT/SIGTERM. */
export async function simulatorCommand(ctx: CommandContext, argv: Record<string, unknown>): Promise<number> {
  const port = Number(argv.port ?? 8585);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port ${String(argv.port)} is not a port: use a number from 0 to 65535`);
  const sim = await startSimulator({ host: String(argv.host ?? '127.0.0.1'), port });
  seedDemo(sim, { nowMs: Date.now(), perEnterprise: Number(argv.events ?? 500) });
  ctx.logger.info('VCO simulator listening', { url: sim.url, enterprises: sim.enterprises.map((e) => e.name) });
  // Listening on every address (0.0.0.0, ::) is reached locally through loopback, the one plain-http VCO allowed by default.
  const local = sim.url.replace(/\/\/(0\.0\.0\.0|\[::\])(?=:)/, '//127.0.0.1');
  ctx.print(`VCO simulator on ${sim.url}\n  try: VCO_HOSTNAME=${local} VCO_TOKEN=${DEFAULT_TOKEN} vco-siem collect`);
  await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  await sim.close();
  return EXIT_OK;
}
