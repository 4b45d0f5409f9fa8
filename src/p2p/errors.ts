import { CmtError } from '../codec/errors.js';

/**
 * Stable codes of the errors the p2p layer throws on purpose. Callers match on `code`, never on
 * the message; `spec/p2p.md` lists what each one means.
 */
export type P2PErrorCode =
  | 'INVALID_NODE_KEY'
  | 'INVALID_PEER_ADDRESS'
  | 'P2P_LISTEN_FAILED'
  | 'P2P_STOPPED'
  | 'P2P_MESSAGE_TOO_LARGE'
  | 'P2P_PEER_BANNED'
  | 'P2P_TIMEOUT'
  | 'P2P_REQUEST_FAILED'
  | 'P2P_REMOTE_ERROR'
  | 'P2P_PROTOCOL_ERROR'
  | 'P2P_BAD_REQUEST'
  | 'P2P_USAGE';

export class P2PError extends CmtError {
  declare readonly code: P2PErrorCode;

  constructor(code: P2PErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * Thrown by a request handler when the request itself is wrong (it does not decode as the
 * protocol's request): the host answers with the error and counts it against the requester.
 * Anything else a handler throws is the handler's own failure and costs the requester nothing.
 */
export class BadRequestError extends P2PError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('P2P_BAD_REQUEST', message, options);
  }
}

/** A readable message for any thrown value; libp2p's dial failures are often AggregateErrors with an empty message. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.message) return err.message;
  const first = (err as Partial<AggregateError>).errors?.[0];
  return first !== undefined ? `${err.name}: ${describeError(first)}` : err.name;
}
