/**
 * Structured logging: one JSON object per line when stderr is not a terminal,
 * a readable line when it is. Every registered secret is replaced by "***" in all output.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const secrets = new Set<string>();

/** Register a value that must never appear in logs, errors or files we write. */
export function registerSecret(value: string | undefined): void {
  if (value !== undefined && value.length >= 4) secrets.add(value);
}

/** Replace every registered secret in `text` by ***. */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join('***');
  }
  return out;
}

/**
 * Control characters in text meant for a terminal or a line-based log, made visible: every C0 control, DEL and
 * C1 control (U+0080-U+009F) becomes \xNN, and the line/paragraph separators U+2028/U+2029 become \uNNNN, so
 * that a value from the API (an enterprise name, an error message) can neither break one record into several
 * lines nor send escape sequences to the operator's terminal. The result holds no such character, so applying
 * it twice changes nothing. The one rule for the text logger, tables and every CLI report line.
 */
export function escapeControlChars(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** A `vco-siem: ...` line on stderr (a failure or why events wait), secrets redacted and control characters shown. */
export function reportLine(text: string): void {
  process.stderr.write(`vco-siem: ${escapeControlChars(redact(text))}\n`);
}

export function isLogLevel(value: string): value is LogLevel {
  return Object.hasOwn(LEVELS, value);
}

export interface LoggerOptions {
  level?: LogLevel;
  json?: boolean;
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const json = options.json ?? !process.stderr.isTTY;
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const emit = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (LEVELS[level] < threshold) return;
    const all = { ...bound, ...fields };
    let line: string;
    if (json) {
      line = redact(JSON.stringify({ time: new Date().toISOString(), level, msg, ...all }, errorReplacer));
    } else {
      const extras = Object.entries(all)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v, errorReplacer)}`)
        .join(' ');
      // Redacted before escaping, so that a secret is found as it was registered.
      line = escapeControlChars(redact(`${level.toUpperCase().padEnd(5)} ${msg}${extras ? `  ${extras}` : ''}`));
    }
    write(`${line}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/** A logger that drops everything, for tests and library use. */
export const silentLogger: Logger = createLogger({ level: 'silent' });
