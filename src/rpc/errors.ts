/** JSON-RPC 2.0 errors with the standard codes, plus server-defined ones in -32000..-32099. */
import { CmtError } from '../codec/errors.js';

export const RPC_PARSE_ERROR = -32700;
export const RPC_INVALID_REQUEST = -32600;
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_INVALID_PARAMS = -32602;
export const RPC_INTERNAL_ERROR = -32603;
/** A block, transaction or height that the node does not have. */
export const RPC_NOT_FOUND = -32001;
export const RPC_TIMEOUT = -32002;
/** A limit of the server (request size, batch size, subscriptions). */
export const RPC_LIMIT = -32003;
/** A read-only contract call (contract_query) that failed: `data` is the contract's error. */
export const RPC_CONTRACT_FAILED = -32004;
/** An answer, or the sum of a batch's answers, over rpc.max_response_bytes. */
export const RPC_RESPONSE_TOO_LARGE = -32005;

export class RpcError extends CmtError {
  constructor(
    readonly rpcCode: number,
    message: string,
    readonly data?: string,
  ) {
    super(`RPC_${rpcCode}`, message);
  }
}

/**
 * The HTTP status of a GET answer with this JSON-RPC error code. 5xx means the node is at
 * fault (an internal error) or gave up waiting (a timeout); everything a client can cause
 * on its own is 4xx.
 */
export function httpStatusFor(code: number): number {
  switch (code) {
    case RPC_METHOD_NOT_FOUND:
    case RPC_NOT_FOUND:
      return 404;
    case RPC_LIMIT:
      return 429;
    case RPC_CONTRACT_FAILED:
      return 422;
    case RPC_TIMEOUT:
      return 504;
    case RPC_INTERNAL_ERROR:
      return 500;
    default:
      return 400;
  }
}

export const invalidParams = (message: string): RpcError => new RpcError(RPC_INVALID_PARAMS, 'Invalid params', message);
export const notFound = (message: string): RpcError => new RpcError(RPC_NOT_FOUND, 'Not found', message);
export const invalidRequest = (message: string): RpcError => new RpcError(RPC_INVALID_REQUEST, 'Invalid request', message);
