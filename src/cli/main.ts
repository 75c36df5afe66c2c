#!/usr/bin/env node
/**
 * vco-siem command line. Commands load their modules lazily so that a cron run with
 * nothing to do starts fast.
 */
import module from 'node:module';
import type { Argv } from 'yargs';
import yargs, { hideBin } from '../vendor/yargs.js';
import { readFileSync } from 'node:fs';
import { EXIT_CONFIG, EXIT_RUNTIME, VcoSiemError, errorMessage } from '../errors.js';
import { redact, reportLine } from '../log.js';
import { createContext, type CommandContext } from './context.js';

// Node 22.1+ can cache compiled modules on disk, which shortens every cron start; Node 20 lacks it (no-op).
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

type Handler = (ctx: CommandContext, argv: Record<string, unknown>) => Promise<number>;

const version = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Runs a command handler and turns every failure into one clear line and an exit code. */
function run(load: () => Promise<Handler>) {
  return async (argv: Record<string, unknown>): Promise<void> => {
    let code: number;
    try {
      const ctx = createContext(argv);
      const handler = await load();
      code = await handler(ctx, argv);
    } catch (error) {
      code = reportFailure(error);
    }
    process.exitCode = code;
  };
}

function reportFailure(error: unknown): number {
  if (error instanceof VcoSiemError) {
    reportLine(error.message);
    return error.exitCode;
  }
  reportLine(`unexpected error: ${errorMessage(error)}`);
  if (process.env.LOG_LEVEL === 'debug' && error instanceof Error && error.stack) process.stderr.write(`${redact(error.stack)}\n`);
  return EXIT_RUNTIME;
}

const common = (y: Argv): Argv =>
  y
    // Not --env-file: Node 20 claims that flag even after the script name.
    .option('dotenv', { type: 'string', describe: 'Read settings from this file instead of ./.env' })
    .option('data-dir', { type: 'string', describe: 'Where events and state are kept [DATA_DIR, default ./data]' })
    .option('log-level', { type: 'string', describe: 'debug, info, warn, error or silent [LOG_LEVEL]' })
    .option('log-format', { type: 'string', describe: 'auto, json or text [LOG_FORMAT]' });

const collectOptions = (y: Argv): Argv =>
  y
    .option('since', { type: 'string', describe: 'First run starts here: ISO time or a duration ago (24h, 30d) [VCO_SINCE, default 24h]' })
    .option('lookback', { type: 'string', describe: 'Re-read this far before the checkpoint to catch late events [VCO_LOOKBACK, default 15m]' })
    .option('enterprise-ids', { type: 'string', describe: 'Comma list of enterprise ids for operator/MSP accounts [VCO_ENTERPRISE_IDS]' });

const forwardOptions = (y: Argv): Argv =>
  y
    .option('config', { type: 'string', describe: 'JSON file listing several destinations [CONFIG_FILE]' })
    .option('mapping', { type: 'string', describe: 'Mapping file that overrides mappings/default.json [MAPPING_FILE]' })
    .option('destination', { type: 'string', describe: 'Only this destination (by name)' });

function wantsHelp(args: string[]): boolean {
  return args.length === 0 || args.some((a) => a === '--help' || a === '-h' || a === 'help');
}

/** The undocumented hook behind yargs' eager help rendering (see `skipEagerHelp`). */
interface YargsInternals {
  getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
}

/**
 * yargs renders the complete help of a command every time the command runs (`cacheHelpMessage`, kept only so
 * that a later `showHelp` shows the command's help), which costs tens of milliseconds of string-width work on
 * every cron start. We never show help after a command ran (`fail` prints one line), so outside --help the
 * rendering is switched off, as Angular's CLI does. If a yargs release drops the hook, nothing changes.
 */
function skipEagerHelp(y: Argv): Argv {
  const usage = (y as YargsInternals).getInternalMethods?.().getUsageInstance?.();
  if (usage !== undefined && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
  return y;
}

export async function main(args: string[]): Promise<void> {
  const cli = yargs(args);
  if (!wantsHelp(args)) skipEagerHelp(cli);
  await cli
    .scriptName('vco-siem')
    .usage('$0 <command> [options]\n\nForward VeloCloud Orchestrator events to your SIEM as CEF, LEEF or syslog.')
    .command(
      'collect',
      'Fetch new events from the VCO into DATA_DIR/<enterprise>/events.json',
      (y) => collectOptions(common(y)).example('$0 collect --since 7d', 'first run: fetch the last 7 days'),
      run(async () => (await import('./commands/collect.js')).collectCommand),
    )
    .command(
      'forward',
      'Send every event not yet delivered to each destination',
      (y) => forwardOptions(common(y)).example('$0 forward', 'deliver pending events to SIEM_HOST:SIEM_PORT'),
      run(async () => (await import('./commands/forward.js')).forwardCommand),
    )
    .command(
      'run',
      'Collect, then forward (what cron and the daemon run)',
      (y) => forwardOptions(collectOptions(common(y))).example('$0 run', 'one full cycle'),
      run(async () => (await import('./commands/run.js')).runCommand),
    )
    .command(
      'map [file]',
      'Show events from an NDJSON file (or stdin) exactly as the SIEM would receive them',
      (y) =>
        common(y)
          .positional('file', { type: 'string', describe: 'NDJSON events, e.g. data/ACME-Co-/events.json; stdin when omitted' })
          .option('format', { type: 'string', describe: 'cef, leef, rfc5424, rfc3164 or json [SIEM_FORMAT, default cef]' })
          .option('mapping', { type: 'string', describe: 'Mapping file that overrides mappings/default.json [MAPPING_FILE]' })
          .example('$0 map --format leef data/ACME-Co-/events.json', 'preview LEEF for QRadar'),
      run(async () => (await import('./commands/map.js')).mapCommand),
    )
    .command(
      'simulator',
      'Run the built-in VCO simulator (no real Orchestrator needed)',
      (y) =>
        common(y)
          .option('port', { type: 'number', default: 8585, describe: 'Port to listen on (127.0.0.1)' })
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on' })
          .option('events', { type: 'number', default: 500, describe: 'Events of history per enterprise' })
          .example('$0 simulator --port 8585', 'then VCO_HOSTNAME=http://127.0.0.1:8585 VCO_TOKEN=sim-token'),
      run(async () => (await import('./commands/simulator.js')).simulatorCommand),
    )
    .command(
      'check',
      'Authenticate to the VCO and connect to each destination (TLS certificate report); changes nothing',
      (y) => forwardOptions(common(y)).example('$0 check', 'verify settings before the first run'),
      run(async () => (await import('./commands/check.js')).checkCommand),
    )
    .command(
      'replay',
      'Send a time range from the log again (new SIEM, or after SIEM data loss); positions do not move',
      (y) =>
        forwardOptions(common(y))
          .option('since', { type: 'string', describe: 'Start of the range: ISO time or a duration ago (6h)' })
          .option('until', { type: 'string', describe: 'End of the range (exclusive); default now' })
          .example('$0 replay --since 2024-05-01T00:00:00Z --until 2024-05-02T00:00:00Z --destination qradar', 'resend one day to one SIEM'),
      run(async () => (await import('./commands/replay.js')).replayCommand),
    )
    .command(
      'status',
      'Checkpoint, events, pending per destination, last run and error; exit 0 only when healthy',
      (y) =>
        forwardOptions(common(y))
          .option('json', { type: 'boolean', describe: 'Print the report as one JSON object' })
          .example('$0 status', 'is the agent keeping up?'),
      run(async () => (await import('./commands/status.js')).statusCommand),
    )
    .command(
      'daemon',
      'Run `run` on a schedule until SIGTERM/SIGINT (for containers and services)',
      (y) =>
        forwardOptions(collectOptions(common(y)))
          .option('schedule', { type: 'string', describe: 'Cron expression [SCHEDULE, default */15 * * * *]' })
          .option('now', { type: 'boolean', describe: 'Also run once right away' })
          .example('$0 daemon --now', 'run now, then every 15 minutes'),
      run(async () => (await import('./commands/daemon.js')).daemonCommand),
    )
    .command(
      'demo',
      'See the whole flow with no configuration: simulator -> collect -> every format -> local receivers',
      (y) => y.option('log-level', { type: 'string', default: 'warn', describe: 'debug, info, warn, error or silent' }).example('$0 demo', 'what `npm run demo` runs'),
      run(async () => (await import('./commands/demo.js')).demoCommand),
    )
    .demandCommand(1, 'Name a command (see --help)')
    .strict()
    .recommendCommands()
    .version(version)
    .alias('h', 'help')
    // Wrapping the help text costs about 100 ms: only when it is shown.
    .wrap(wantsHelp(args) ? Math.min(110, process.stdout.columns || 110) : null)
    .fail((msg, err) => {
      if (err) throw err;
      reportLine(`${msg} (see vco-siem --help)`);
      process.exit(EXIT_CONFIG);
    })
    .parseAsync();
}

await main(hideBin(process.argv));
