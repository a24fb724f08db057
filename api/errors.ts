// The API's coded errors: a stable code, an HTTP status, a message. docs/errors.md lists them all.
export const API_ERRORS = {
  SC_ERR_VALIDATION: { status: 400, message: 'invalid request' },
  SC_ERR_NOT_FOUND: { status: 404, message: 'not found' },
  SC_ERR_STORE_UNAVAILABLE: { status: 503, message: 'the time-series store is unavailable; try again shortly' },
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
