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

export class RpcError extends CmtError {
  constructor(
    readonly rpcCode: number,
    message: string,
    readonly data?: string,
  ) {
    super(`RPC_${rpcCode}`, message);
  }
}

export const invalidParams = (message: string): RpcError => new RpcError(RPC_INVALID_PARAMS, 'Invalid params', message);
export const notFound = (message: string): RpcError => new RpcError(RPC_NOT_FOUND, 'Not found', message);
