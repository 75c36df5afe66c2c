/** What every command starts from: settings, a logger, and a cancellation signal tied to SIGINT/SIGTERM. */
import { isLogLevel, createLogger, type Logger } from '../log.js';
import { ConfigError } from '../errors.js';
import { loadSettings, setting, type Settings } from '../config/settings.js';
import { parseChoice } from '../config/parse.js';

export interface CommandContext {
  settings: Settings;
  logger: Logger;
  signal: AbortSignal;
  /** Writes a line to stdout (reports, previews). */
  print(line: string): void;
}

/** Flags shared by commands and the setting each one overrides. */
const FLAG_SETTINGS: Record<string, string> = {
  'data-dir': 'DATA_DIR',
  'log-level': 'LOG_LEVEL',
  'log-format': 'LOG_FORMAT',
  since: 'VCO_SINCE',
  lookback: 'VCO_LOOKBACK',
  mapping: 'MAPPING_FILE',
  config: 'CONFIG_FILE',
  schedule: 'SCHEDULE',
  'enterprise-ids': 'VCO_ENTERPRISE_IDS',
};

export function createContext(argv: Record<string, unknown>): CommandContext {
  const overrides: Record<string, string | undefined> = {};
  for (const [flag, name] of Object.entries(FLAG_SETTINGS)) {
    const value = argv[flag];
    if (value === '') throw new ConfigError(`--${flag} needs a value (it sets ${name})`);
    if (value !== undefined && value !== null) overrides[name] = String(value);
  }
  const envFile = typeof argv.dotenv === 'string' ? argv.dotenv : undefined;
  const settings = loadSettings(overrides, envFile);
  const level = setting(settings, 'LOG_LEVEL') ?? 'info';
  if (!isLogLevel(level)) throw new ConfigError(`LOG_LEVEL=${level} is not valid: use one of debug, info, warn, error, silent`);
  const format = parseChoice('LOG_FORMAT', setting(settings, 'LOG_FORMAT') ?? 'auto', ['auto', 'json', 'text'] as const);
  const logger = createLogger({ level, json: format === 'auto' ? !process.stderr.isTTY : format === 'json' });
  return { settings, logger, signal: shutdownSignal(logger), print: (line) => process.stdout.write(`${line}\n`) };
}

let controller: AbortController | undefined;

/**
 * The first SIGINT/SIGTERM asks the running work to finish its batch and save state;
 * a second one exits at once.
 */
function shutdownSignal(logger: Logger): AbortSignal {
  if (controller) return controller.signal;
  const ctrl = new AbortController();
  controller = ctrl;
  const onSignal = (name: NodeJS.Signals): void => {
    if (ctrl.signal.aborted) {
      logger.warn('second signal, exiting now', { signal: name });
      process.exit(130);
    }
    logger.info('stopping: finishing the current batch and saving state', { signal: name });
    ctrl.abort(new Error(`received ${name}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return ctrl.signal;
}
