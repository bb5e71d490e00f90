/** The one error format every HTTP answer uses: {error_code, message, details, timestamp, request_id}. */
export interface ApiErrorBody {
  error_code: string;
  message: string;
  details: Record<string, unknown> | null;
  timestamp: string;
  request_id: string;
}

export class PlatformError extends Error {
  constructor(
    public readonly status: number,
    public readonly errorCode: string,
    message: string,
    public readonly details: Record<string, unknown> | null = null,
    public readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'PlatformError';
  }
}

export function errorBody(error: { errorCode: string; message: string; details?: Record<string, unknown> | null }, requestId: string, now = new Date()): ApiErrorBody {
  return {
    error_code: error.errorCode,
    message: error.message,
    details: error.details ?? null,
    timestamp: now.toISOString(),
    request_id: requestId,
  };
}
