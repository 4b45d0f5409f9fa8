/**
 * The application's query router (spec/queries.md): every module owns the paths under its
 * prefix, as a Cosmos module owns its querier, and CmtApp.query routes an ABCI-shaped request
 * to the route registered for its path. Nothing above the app knows the paths: the node
 * forwards, the RPC renders. A request is hostile bytes: a bad path, undecodable data or a
 * height the path cannot answer is a QueryError with a code, never a throw of anything else.
 */
import { CmtError } from '../../codec/errors.js';
import type { StateReader } from '../../state/overlay.js';
import type { Overlay } from '../../state/overlay.js';
import type { TxLimits } from '../tx-checks.js';
import type { DecodeTx } from '../tx-decoder.js';
import { nestedDeeperThan } from '../../codec/json-depth.js';

/** Response codes of queries (codespace "query"); 0 is success. Stable: clients branch on them. */
export const QueryCode = {
  OK: 0,
  /** Unknown path, undecodable data, or a height or proof the path does not offer. */
  BAD_REQUEST: 1,
  /** The thing asked for does not exist (candidate, proposal, contract). */
  NOT_FOUND: 2,
  /** The height asked for is not reached yet, or no longer kept. */
  HEIGHT_UNAVAILABLE: 3,
  /** A contract method failed (threw, or ran out of the query gas); the value says how. */
  CONTRACT_FAILED: 4,
} as const;
export type QueryCode = (typeof QueryCode)[keyof typeof QueryCode];

export class QueryError extends CmtError {
  constructor(
    readonly queryCode: QueryCode,
    message: string,
    /** Bytes answered beside the error (a failed contract call's gas and error, as JSON). */
    readonly value: Uint8Array = new Uint8Array(0),
  ) {
    super('QUERY_FAILED', message);
  }
}

/** What a route reads and runs with. Built per request by CmtApp. */
export interface QueryEnv {
  /** The state at `height`. */
  state: StateReader;
  height: number;
  /** The node's cap on the gas of a contract query or an estimate (query.gas_limit). */
  gasLimit: number;
  /** A throwaway overlay on the latest committed state (latestOnly routes: contract calls). */
  scratch(): Overlay;
  /** A throwaway child of the check state: the latest state plus what CheckTx accepted (estimates). */
  pending(): Overlay;
  /** The chain's limits for the next block; `time` is the last executed block's (contracts see it as ctx.block.time). */
  limits(): TxLimits;
  decode: DecodeTx;
}

/**
 * An answer: the store key whose value (and proof, if asked) the router reads at the height,
 * or a computed view, answered as UTF-8 JSON: a value to serialize, or text already JSON (a
 * contract's result, spliced in as the contract returned it). spec/queries.md says which path
 * gives which.
 */
export type QueryAnswer = { storeKey: Uint8Array } | { json: unknown } | { jsonText: string };

export interface QueryRoute {
  /** Runs unpaid work that grows with the state: the node runs it through its query gate. */
  gated?: boolean;
  /** Runs code on the latest state only (a contract call, a dry run): height must be 0. */
  latestOnly?: boolean;
  answer(data: Uint8Array, env: QueryEnv): QueryAnswer;
}

/** A module's querier: the routes under its prefix ("/staking" owns "/staking/..."). */
export interface ModuleQuerier {
  prefix: string;
  routes: Readonly<Record<string, QueryRoute>>;
}

/** Paths are short names; a longer one is not looked up, and errors quote at most this much of it. */
const MAX_PATH_CHARS = 64;

export class QueryRouter {
  private readonly routes = new Map<string, QueryRoute>();

  constructor(modules: readonly ModuleQuerier[]) {
    for (const m of modules) {
      for (const [path, route] of Object.entries(m.routes)) {
        // A module answers under its own prefix only, and two modules never share a path.
        if (path !== m.prefix && !path.startsWith(`${m.prefix}/`)) throw new Error(`query path ${path} is outside its module's prefix ${m.prefix}`);
        if (this.routes.has(path)) throw new Error(`query path ${path} is registered twice`);
        this.routes.set(path, route);
      }
    }
  }

  get paths(): string[] {
    return [...this.routes.keys()];
  }

  /** The route of `path`, or a BAD_REQUEST naming the known paths. */
  route(path: string): QueryRoute {
    const route = path.length <= MAX_PATH_CHARS ? this.routes.get(path) : undefined;
    if (!route) {
      const shown = path.length <= MAX_PATH_CHARS ? path : `${path.slice(0, MAX_PATH_CHARS)}…`;
      throw new QueryError(QueryCode.BAD_REQUEST, `unknown query path ${JSON.stringify(shown)} (known: ${this.paths.join(', ')})`);
    }
    return route;
  }

  /** True when `path` runs through the node's query gate (spec/node.md, "Queries"). */
  gated(path: string): boolean {
    return path.length <= MAX_PATH_CHARS && this.routes.get(path)?.gated === true;
  }
}

// ---- Decoding request data: every helper answers a BAD_REQUEST for bytes it cannot take. ----

export function noData(path: string, data: Uint8Array): void {
  if (data.length !== 0) throw new QueryError(QueryCode.BAD_REQUEST, `${path} takes no data`);
}

/** Data that is a 20-byte account address (raw bytes, as /account has always taken). */
export function addressData(path: string, data: Uint8Array): Uint8Array {
  if (data.length !== 20) throw new QueryError(QueryCode.BAD_REQUEST, `${path} expects a 20-byte address`);
  return data;
}

/** Largest JSON request a path takes: contract arguments (64 KiB, escaped in a string) and a few fields. */
const MAX_JSON_DATA_BYTES = 256 * 1024;
/** Deepest JSON request data: contract arguments nest, nothing else does. */
const MAX_JSON_DATA_DEPTH = 64;

/** Data that is a UTF-8 JSON object (empty data is `{}`); refused before parsing when too big or deep. */
export function jsonData(path: string, data: Uint8Array): Record<string, unknown> {
  if (data.length === 0) return {};
  if (data.length > MAX_JSON_DATA_BYTES) throw new QueryError(QueryCode.BAD_REQUEST, `${path}: data is over ${MAX_JSON_DATA_BYTES} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw new QueryError(QueryCode.BAD_REQUEST, `${path}: data is not UTF-8 JSON`);
  }
  if (nestedDeeperThan(text, MAX_JSON_DATA_DEPTH)) throw new QueryError(QueryCode.BAD_REQUEST, `${path}: data is nested deeper than ${MAX_JSON_DATA_DEPTH} levels`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new QueryError(QueryCode.BAD_REQUEST, `${path}: data is not valid JSON`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new QueryError(QueryCode.BAD_REQUEST, `${path}: data must be a JSON object`);
  return parsed as Record<string, unknown>;
}

export { nestedDeeperThan };

/** An own field of a JSON request (never one inherited from Object.prototype). */
export function field(request: Record<string, unknown>, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(request, name) ? request[name] : undefined;
}
