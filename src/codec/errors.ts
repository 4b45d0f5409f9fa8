/**
 * Base class of every error this project throws on purpose. `code` is stable: the RPC and the
 * CLI show it, tests match on it, and users script against it.
 */
export class CmtError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bytes that do not decode to the expected canonical structure. */
export class DecodeError extends CmtError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DECODE_ERROR', message, options);
  }
}

/** A value that cannot be encoded (out of range, wrong length). A programming error or bad input. */
export class EncodeError extends CmtError {
  constructor(message: string) {
    super('ENCODE_ERROR', message);
  }
}
