/** An error the simulated VCO answers with: the JSON-RPC error object plus the HTTP status it rides on. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly httpStatus = 200,
    readonly data?: { valid: boolean; error: { code: string; message: string; path: string }[]; warning: unknown[] },
    /** Extra reply headers (Expires: 0 on an expired session). */
    readonly headers: Record<string, string> = {},
    /** The REST reply also carries `id` and `jsonrpc`, as the real invalid-token reply does. */
    readonly rpcEnvelopeOnRest = false,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): { code: number; message: string; data?: ApiError['data'] } {
    return this.data === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: this.data };
  }
}

/** Body schema problem: HTTP 400, as the VCO does for requests it cannot validate. */
export function invalidParam(path: string, message: string): ApiError {
  return new ApiError(-32600, `Invalid Request: ${message}`, 400, {
    valid: false,
    error: [{ code: 'INVALID', message, path }],
    warning: [],
  });
}

export const INVALID_SCHEMA = 'Invalid Request: Please check your request schema';
