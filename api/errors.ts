// The API's coded errors: a stable code, an HTTP status, a message. docs/errors.md lists them all.
export const API_ERRORS = {
  SC_ERR_VALIDATION: { status: 400, message: 'invalid request' },
  SC_ERR_UNAUTHENTICATED: { status: 401, message: 'log in first' },
  SC_ERR_LOGIN_FAILED: { status: 401, message: 'wrong email or password' },
  SC_ERR_FORBIDDEN: { status: 403, message: 'your role does not allow this' },
  SC_ERR_FORBIDDEN_ORIGIN: { status: 403, message: 'cross-site request refused' },
  SC_ERR_NOT_FOUND: { status: 404, message: 'not found' },
  SC_ERR_CONFLICT: { status: 409, message: 'already exists' },
  SC_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'request body too large' },
  SC_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'send JSON (content-type: application/json)' },
  SC_ERR_RATE_LIMITED: { status: 429, message: 'too many requests; wait a little' },
  SC_ERR_STORE_UNAVAILABLE: { status: 503, message: 'the time-series store is unavailable; try again shortly' },
  SC_ERR_REGISTRY_UNAVAILABLE: { status: 503, message: 'the registry (PostgreSQL) is unreachable or busy; try again shortly' },
  SC_ERR_DASHBOARD_NOT_BUILT: { status: 503, message: 'the dashboard is not built: run `npm run build:dashboard`' },
  SC_ERR_INTERNAL: { status: 500, message: 'internal error' },
} as const;
export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string = API_ERRORS[code].message,
  ) {
    super(message);
    this.status = API_ERRORS[code].status;
  }
}
