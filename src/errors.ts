/** Exit codes of the CLI: 0 ok, 1 runtime failure, 2 bad configuration or usage. */
export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_CONFIG = 2;

/** Base of every error we raise on purpose; carries the exit code and structured context. */
export class VcoSiemError extends Error {
  readonly exitCode: number;
  readonly context: Record<string, unknown>;
  constructor(message: string, options: { exitCode?: number; context?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? EXIT_RUNTIME;
    this.context = options.context ?? {};
  }
}

/** A missing or wrong setting. The message names the setting and the fix. Exit code 2. */
export class ConfigError extends VcoSiemError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super(message, { exitCode: EXIT_CONFIG, context });
  }
}

/** The VCO answered with an error, an unexpected body, or not at all. */
export class VcoApiError extends VcoSiemError {}

/** Authentication failed (bad credentials, invalid or expired token). */
export class VcoAuthError extends VcoApiError {}

/** Another run holds the lock for this data directory or enterprise. */
export class LockedError extends VcoSiemError {}

/** A lock this process held was taken over (it stalled past the lease) or removed: it must stop writing. */
export class LockLostError extends VcoSiemError {}

/** A destination could not be reached or refused what we sent. */
export class TransportError extends VcoSiemError {}

/** The operation was cancelled (shutdown signal or timeout). */
export class CancelledError extends VcoSiemError {}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
