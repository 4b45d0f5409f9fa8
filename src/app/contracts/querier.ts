/**
 * The contracts module's queries (spec/queries.md): a deployed contract's record, and a
 * read-only call of one of its methods. Both run contract code, which nobody pays for, so
 * both are gated (the node paces them) and answer at the latest state only.
 */
import { MAX_CONTRACT_ARGS_BYTES, MAX_METHOD_NAME_BYTES } from '../../codec/tx.js';
import { decodeBundle } from '../../codec/bundle.js';
import { LIST_EXPORTS } from '../../contracts/sandbox-types.js';
import { formatAddress, parseAddress } from '../../crypto/address.js';
import { readAccount } from '../bank/accounts.js';
import { runQuery } from '../query/dry-run.js';
import { addressData, field, jsonData, nestedDeeperThan, QueryCode, QueryError, type ModuleQuerier, type QueryEnv } from '../query/router.js';
import { bundleKey } from './layout.js';
import { readContract } from './records.js';

/** Deepest nesting of a query's arguments (as contract_query has always allowed). */
const MAX_ARGS_DEPTH = 32;

export const contractsQuerier: ModuleQuerier = {
  prefix: '/contracts',
  routes: {
    /** data: the 20-byte address; value: who deployed it when, its bundle, balance and methods. */
    '/contracts/info': {
      gated: true,
      latestOnly: true,
      answer: (data, env) => {
        const address = addressData('/contracts/info', data);
        const record = readContract(env.state, address);
        if (!record) throw new QueryError(QueryCode.NOT_FOUND, `no contract at ${formatAddress(address)}`);
        const archive = env.state.get(bundleKey(address));
        const files = archive === undefined ? [] : decodeBundle(archive).map((f) => ({ name: f.name, bytes: f.content.length }));
        // The exports, as deploying listed them: a run of the module that calls nothing, so a query.
        const listed = call(env, address, LIST_EXPORTS, '[]', new Uint8Array(20));
        return {
          json: {
            address: formatAddress(address),
            deployer: formatAddress(record.deployer),
            bundle_hash: Buffer.from(record.bundleHash).toString('hex'),
            deployed_at: String(record.deployedAt),
            balance: readAccount(env.state, address).balance.toString(),
            files,
            ...(listed.ok ? { methods: JSON.parse(listed.resultJson) as string[] } : {}),
          },
        };
      },
    },
    /**
     * data: {"address": "0x…", "method": "name", "args": "[…]" (JSON text, or the array itself),
     * "from": "0x…" (optional)}; value: {"result": <the returned JSON>, "gas_used": "n"}. A
     * failing method is CONTRACT_FAILED, with {"error", "gas_used"} as the value.
     */
    '/contracts/query': {
      gated: true,
      latestOnly: true,
      answer: (data, env) => {
        const q = contractQuery(jsonData('/contracts/query', data));
        if (!readContract(env.state, q.address)) throw new QueryError(QueryCode.NOT_FOUND, `no contract at ${formatAddress(q.address)}`);
        const outcome = call(env, q.address, q.method, q.argsJson, q.from);
        if (!outcome.ok) {
          const value = new TextEncoder().encode(JSON.stringify({ error: outcome.error, gas_used: String(outcome.gasUsed) }));
          throw new QueryError(QueryCode.CONTRACT_FAILED, `${formatAddress(q.address)}.${q.method}: ${outcome.error}`, value);
        }
        return { jsonText: `{"result":${outcome.resultJson},"gas_used":"${outcome.gasUsed}"}` };
      },
    },
  },
};

function call(env: QueryEnv, contract: Uint8Array, method: string, argsJson: string, from: Uint8Array) {
  return runQuery(env.scratch(), { contract, method, argsJson, from, height: env.height, time: env.limits().time }, env.gasLimit);
}

interface ContractQueryData {
  address: Uint8Array;
  method: string;
  argsJson: string;
  from: Uint8Array;
}

function bad(message: string): QueryError {
  return new QueryError(QueryCode.BAD_REQUEST, `/contracts/query: ${message}`);
}

function addressField(request: Record<string, unknown>, name: string): Uint8Array | undefined {
  const raw = field(request, name);
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') throw bad(`${name} must be an address (0x followed by 40 hex digits)`);
  try {
    return parseAddress(raw);
  } catch (err) {
    throw bad((err as Error).message);
  }
}

function contractQuery(request: Record<string, unknown>): ContractQueryData {
  const address = addressField(request, 'address');
  if (!address) throw bad('address is required (0x followed by 40 hex digits)');
  const method = field(request, 'method');
  if (typeof method !== 'string' || method.length === 0) throw bad('method is required (a string)');
  if (Buffer.byteLength(method, 'utf8') > MAX_METHOD_NAME_BYTES) throw bad(`method is longer than ${MAX_METHOD_NAME_BYTES} bytes`);
  // Names starting with __ are the runtime's own (listing the exports), never a client's call.
  if (method.startsWith('__')) throw bad(`method "${method}" is not callable (names starting with __ are reserved)`);
  const rawArgs = field(request, 'args');
  const argsJson = rawArgs === undefined || rawArgs === null || rawArgs === '' ? '[]' : Array.isArray(rawArgs) ? JSON.stringify(rawArgs) : rawArgs;
  if (typeof argsJson !== 'string') throw bad('args must be a JSON array or its text');
  if (Buffer.byteLength(argsJson, 'utf8') > MAX_CONTRACT_ARGS_BYTES) throw bad(`args is longer than ${MAX_CONTRACT_ARGS_BYTES} bytes`);
  if (nestedDeeperThan(argsJson, MAX_ARGS_DEPTH)) throw bad(`args is nested deeper than ${MAX_ARGS_DEPTH} levels`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(argsJson);
  } catch {
    throw bad('args is not valid JSON');
  }
  if (!Array.isArray(parsed)) throw bad('args must be a JSON array');
  return { address, method, argsJson, from: addressField(request, 'from') ?? new Uint8Array(20) };
}
