import { buildVcoConfig } from '../../config/vco.js';
import { buildDestinations } from '../../config/siem.js';
import { connectToVco } from './collect.js';
import { checkDestination, type CheckReport } from '../../ship/check.js';
import { EXIT_OK, EXIT_RUNTIME, errorMessage } from '../../errors.js';
import { escapeControlChars } from '../../log.js';
import type { CommandContext } from '../context.js';

/**
 * `vco-siem check`: authenticates to the VCO and connects to each destination (TLS handshake,
 * certificate subject and expiry), sending no event and writing nothing.
 */
export async function checkCommand(ctx: CommandContext): Promise<number> {
  const vco = buildVcoConfig(ctx.settings, ctx.logger);
  const destinations = buildDestinations(ctx.settings);
  let ok = true;
  // Enterprise names, error messages and certificate fields come from the network: no control character
  // may reach the terminal or split a line.
  const print = (line: string): void => ctx.print(escapeControlChars(line));

  print(`VCO ${vco.baseUrl} (${vco.auth.kind === 'token' ? 'API token' : `${vco.login} login as ${vco.auth.username}`})`);
  try {
    const { enterprises } = await connectToVco(ctx, vco, 0);
    print(`  OK    authenticated; ${enterprises.length} enterprise(s): ${enterprises.map((e) => `${e.name} (id ${e.id})`).join(', ')}`);
  } catch (error) {
    ok = false;
    print(`  FAIL  ${errorMessage(error)}`);
  }

  for (const destination of destinations) {
    const report = await checkDestination(destination, ctx.signal);
    ok &&= report.ok;
    for (const line of describe(report, `${destination.format} over ${destination.protocol}, ${destination.framing} framing`)) print(line);
  }
  return ok ? EXIT_OK : EXIT_RUNTIME;
}

function describe(report: CheckReport, what: string): string[] {
  const lines = [`Destination ${report.destination}: ${report.address}${report.resolved ? ` (${report.resolved})` : ''}, ${what}`];
  lines.push(report.ok ? '  OK    connected' : `  FAIL  ${report.error ?? 'not reachable'}`);
  if (report.tls) {
    const t = report.tls;
    lines.push(`        TLS ${t.protocol ?? '?'} ${t.cipher}`);
    lines.push(`        certificate subject: ${t.subject}; issuer: ${t.issuer}`);
    if (t.subjectAltName) lines.push(`        names: ${t.subjectAltName}`);
    lines.push(`        valid until ${t.validTo} (${t.daysLeft} days left); sha256 ${t.fingerprint256}`);
    lines.push(`        ${t.authorized ? 'trusted' : `NOT trusted: ${t.authorizationError ?? 'unknown reason'}`}`);
  }
  for (const note of report.notes) lines.push(`  note  ${note}`);
  return lines;
}
