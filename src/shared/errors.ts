import { z } from 'zod';

/** Every failure the user can see carries one of these codes and a sentence they can act on. */
export const ERROR_CODES = [
  'ERR_INVALID_INPUT',
  'ERR_INVALID_URL',
  'ERR_NOT_FOUND',
  'ERR_BAD_STATE',
  'ERR_DATA_LOCKED',
  'ERR_BINARY_MISSING',
  'ERR_UNSUPPORTED_URL',
  'ERR_UNAVAILABLE',
  'ERR_GEO_BLOCKED',
  'ERR_BOT_CHECK',
  'ERR_HTTP_403',
  'ERR_HTTP_429',
  'ERR_HTTP_5XX',
  'ERR_NETWORK',
  'ERR_DISK',
  'ERR_VALIDATION',
  'ERR_CANCELED',
  'ERR_PROCESS',
  'ERR_UNSUPPORTED',
  'ERR_UNAUTHORIZED',
  /** A remote service refused our credentials, or none are set. */
  'ERR_CREDENTIALS',
  /** A paid service's quota or credit is used up. */
  'ERR_QUOTA',
  /** The file is larger than the size cap in Settings. */
  'ERR_TOO_LARGE',
  /** A remote service ran the request and reported that it failed. */
  'ERR_PROVIDER_FAILED',
  /** A remote service did not finish within its deadline. */
  'ERR_TIMEOUT',
  /** Every provider for this link is disabled, lacks credentials or is paused by its circuit breaker. */
  'ERR_NO_PROVIDER',
  'ERR_UNKNOWN',
] as const;

export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const AppErrorSchema = z.object({ code: ErrorCodeSchema, message: z.string() });
export type AppErrorData = z.infer<typeof AppErrorSchema>;

/** Codes worth another try after a pause: the same request may well succeed later. */
export const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ERR_NETWORK',
  'ERR_HTTP_5XX',
  'ERR_HTTP_429',
]);

export class AppError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
  }
  toJSON(): AppErrorData {
    return { code: this.code, message: this.message };
  }
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const parsed = AppErrorSchema.safeParse({ code: err.code, message: err.message });
    if (parsed.success) return new AppError(parsed.data.code, parsed.data.message);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new AppError('ERR_UNKNOWN', message);
}
