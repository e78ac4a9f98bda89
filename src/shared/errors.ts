// Every failure that crosses a transport (IPC, admin HTTP, CLI) is one of
// these codes plus a sentence that tells the user what to do next.
export const errorCodes = [
  'VALIDATION_FAILED',
  'ROUTE_EXISTS',
  'ROUTE_NOT_FOUND',
  'BACKEND_EXISTS',
  'BACKEND_NOT_FOUND',
  'RECORD_NOT_FOUND',
  'PROXY_LOOP',
  'UNKNOWN_COMMAND',
  'PORT_IN_USE',
  'PERMISSION_DENIED',
  'ADDRESS_UNAVAILABLE',
  'DB_NEWER_VERSION',
  'DB_CORRUPT',
  'DB_OPEN_FAILED',
  'NOT_AVAILABLE',
  'STORE_BUSY',
  'STORE_FULL',
  'STORE_READ_ONLY',
  'STORE_FAILED',
  'DATA_DIR_UNSAFE',
  'DISK_FULL',
  'WRITE_FAILED',
  'CERT_NAME_NOT_PERMITTED',
  'CERT_NOT_FOUND',
  'ALREADY_RUNNING',
  'DATA_MIGRATION_FAILED',
  'NOT_RUNNING',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  /** Dotted path of the input field at fault, e.g. `backends.0.url`. */
  field?: string;
}

export class SwitchyardError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;

  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'SwitchyardError';
    this.code = code;
    if (field !== undefined) this.field = field;
  }

  toPayload(): ErrorPayload {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

export function isErrorPayload(value: unknown): value is ErrorPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorPayload).code === 'string' &&
    typeof (value as ErrorPayload).message === 'string'
  );
}

/** The one shape every transport returns, so errors never lose their code. */
export type Envelope<T> = { ok: true; result: T } | { ok: false; error: ErrorPayload };
