/**
 * `vco-siem demo` (npm run demo): the whole flow on this machine with no configuration. It starts the
 * VCO simulator and one local TCP receiver per format, runs one full cycle (collect, then forward),
 * prints what each receiver got, and removes everything it created.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXIT_OK, EXIT_RUNTIME } from '../../errors.js';
import { FORMATS, loadMapping, type Format } from '../../map/index.js';
import { makeDestination } from '../../ship/destination.js';
import { DEFAULT_PARTNER_TOKEN, seedDemo, startSimulator } from '../../simulator/index.js';
import { buildCollectConfig } from '../../config/collect.js';
import { buildVcoConfig } from '../../config/vco.js';
import type { CommandContext } from '../context.js';
import { printCollectSummary } from './collect.js';
import { printForwardSummary } from './forward.js';
import { runCycle } from './run.js';

const EXPLAIN: Record<Format, string> = {
  cef: 'CEF for ArcSight (and QRadar): RFC 3164-style prefix, header fields escaped with \\| and \\\\, extension keys rt, externalId, cat, msg, dvchost ...',
  leef: 'LEEF 1.0 for QRadar: TAB-separated attributes devTime, cat, sev, usrName, vSrcName ...; EventID + cat map to a QID',
  rfc5424: 'RFC 5424 for Splunk or any syslog server: PRI from facility and severity, MSGID = event name, structured data [vco@32473 ...]',
  rfc3164: 'RFC 3164 (BSD syslog) for older receivers: space-padded day, TAG velocloud[eventId], at most 1024 bytes',
  json: 'JSON for Splunk: the event exactly as stored, as the MSG of an RFC 5424 message',
};

interface Receiver {
  port: number;
  received: () => string;
  close: () => Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    received: () => Buffer.concat(chunks).toString('utf8'),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function demoCommand(ctx: CommandContext): Promise<number> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'vco-siem-demo-'));
  const sim = await startSimulator({ port: 0 });
  const receivers = new Map<Format, Receiver>();
  try {
    seedDemo(sim, { nowMs: Date.now(), perEnterprise: 300 });
    for (const format of FORMATS) receivers.set(format, await startReceiver());
    ctx.print(`VCO simulator: ${sim.url} (partner account; enterprises ${sim.enterprises.map((e) => e.name).join(', ')})`);
    ctx.print(`Data directory: ${dataDir}\n`);

    const settings = { VCO_HOSTNAME: sim.url, VCO_TOKEN: DEFAULT_PARTNER_TOKEN, DATA_DIR: dataDir, VCO_SINCE: '2d' };
    const destinations = FORMATS.map((format) =>
      makeDestination({ name: `demo-${format}`, host: '127.0.0.1', port: receivers.get(format)!.port, protocol: 'tcp', format, encoder: { hostname: 'vco.example.net' } }),
    );
    const prepared = {
      collect: { vco: buildVcoConfig(settings, ctx.logger), collect: buildCollectConfig(settings, Date.now()) },
      ship: { dataDir, destinations, mapping: await loadMapping(), encodeThreads: 'auto' as const },
    };
    const outcome = await runCycle(ctx, prepared);
    if (outcome.collect) printCollectSummary(ctx, outcome.collect);
    ctx.print('');
    if (outcome.forward) printForwardSummary(ctx, outcome.forward);

    for (const format of FORMATS) {
      const frames = receivers.get(format)!.received().split('\n').filter((l) => l !== '');
      ctx.print(`\n== ${format}: ${frames.length} messages received over TCP (LF framing) ==\n${EXPLAIN[format]}`);
      for (const frame of frames.slice(0, 2)) ctx.print(`  ${frame}`);
    }
    ctx.print(`\nThat was one cycle of \`vco-siem run\`. Point VCO_HOSTNAME and SIEM_HOST at real systems (see .env.example) to do it for real.`);
    return outcome.exitCode === EXIT_OK ? EXIT_OK : EXIT_RUNTIME;
  } finally {
    for (const r of receivers.values()) await r.close();
    await sim.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
