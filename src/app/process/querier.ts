/**
 * The process module's query (spec/queries.md, spec/processes.md): one instance of a contract's
 * process with a page of its history, as stored at the asked height. It runs no contract code,
 * but it may compile the contract's definitions (to name the tokens' nodes), which nobody pays
 * for: it is gated, as contract queries are. A page is at most MAX_QUERY_STEPS steps.
 */
import { formatAddress, parseAddress } from '../../crypto/address.js';
import { field, jsonData, QueryCode, QueryError, type ModuleQuerier } from '../query/router.js';
import { contractDefinitions, instanceView } from './instances.js';
import { readInstance, stepKey } from './records.js';

export const MAX_QUERY_STEPS = 1_000;

const PATH = '/process/instance';
const bad = (message: string): QueryError => new QueryError(QueryCode.BAD_REQUEST, `${PATH}: ${message}`);

function whole(request: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const raw = field(request, name);
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw bad(`${name} must be a whole number from ${min} to ${max}`);
  return n;
}

export const processQuerier: ModuleQuerier = {
  prefix: '/process',
  routes: {
    /**
     * data: {"contract": "0x…", "id": "1", "from": 0, "limit": 100}; value: the instance (status,
     * tokens with their node's name, variables, deposit) and `history`: its steps from `from`,
     * at most `limit` (up to 1,000), with `more` when steps are left.
     */
    [PATH]: {
      gated: true,
      answer: (data, { state }) => {
        const request = jsonData(PATH, data);
        const contractText = field(request, 'contract');
        if (typeof contractText !== 'string') throw bad('contract is required (0x followed by 40 hex digits)');
        let contract: Uint8Array;
        try {
          contract = parseAddress(contractText);
        } catch (err) {
          throw bad((err as Error).message);
        }
        const id = whole(request, 'id', 0, 1, 999_999_999_999);
        const from = whole(request, 'from', 0, 0, Number.MAX_SAFE_INTEGER);
        const limit = whole(request, 'limit', 100, 1, MAX_QUERY_STEPS);
        const instance = readInstance(state, contract, id);
        if (!instance) throw new QueryError(QueryCode.NOT_FOUND, `${formatAddress(contract)} has no process instance ${id}`);
        const def = contractDefinitions(state, contract).find((d) => d.name === instance.process);
        const history: unknown[] = [];
        const end = Math.min(instance.steps, from + limit);
        for (let seq = from; seq < end; seq++) {
          const raw = state.get(stepKey(contract, id, seq));
          if (raw !== undefined) history.push(JSON.parse(new TextDecoder().decode(raw)) as unknown);
        }
        return { json: { contract: formatAddress(contract), ...instanceView(def, instance), history, more: end < instance.steps } };
      },
    },
  },
};
