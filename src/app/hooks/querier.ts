/**
 * The webhook module's queries (spec/queries.md, spec/webhooks.md): a contract's declared hooks
 * with its hook account and how often each attester attested to conflicting payloads, and one
 * event's record. Both read a few bounded rows; nothing runs.
 */
import { toHex } from '../../codec/bytes.js';
import { formatAddress, parseAddress } from '../../crypto/address.js';
import { readAccount } from '../bank/accounts.js';
import { contractHooksFile } from '../contracts/records.js';
import { field, jsonData, QueryCode, QueryError, type ModuleQuerier } from '../query/router.js';
import type { StateReader } from '../../state/overlay.js';
import { hookDeclarations } from './events.js';
import type { HookDeclaration } from './declaration.js';
import { hookAccount, readConflictCount, readHookEvent } from './records.js';

const CONTRACT_PATH = '/hooks/contract';
const EVENT_PATH = '/hooks/event';

function contractOf(path: string, request: Record<string, unknown>): Uint8Array {
  const text = field(request, 'contract');
  if (typeof text !== 'string') throw new QueryError(QueryCode.BAD_REQUEST, `${path}: contract is required (0x followed by 40 hex digits)`);
  try {
    return parseAddress(text);
  } catch (err) {
    throw new QueryError(QueryCode.BAD_REQUEST, `${path}: ${(err as Error).message}`);
  }
}

function declared(path: string, state: StateReader, contract: Uint8Array): HookDeclaration[] {
  const file = contractHooksFile(state, contract);
  if (file === undefined) throw new QueryError(QueryCode.NOT_FOUND, `${path}: ${formatAddress(contract)} declares no hooks (no contract there, or no hooks.json in its bundle)`);
  return hookDeclarations(file, () => undefined);
}

/** A hook as a client reads it: keys in hex, the trigger named. */
export function hookView(hook: HookDeclaration): Record<string, unknown> {
  return {
    name: hook.name,
    auth: hook.auth.kind,
    ...(hook.auth.kind === 'ed25519' ? { keys: hook.auth.keys.map(toHex) } : {}),
    attesters: hook.attesters,
    quorum: hook.quorum,
    ...(hook.trigger.kind === 'method' ? { method: hook.trigger.method } : { signal: hook.trigger.transition }),
    gas: hook.gas,
  };
}

export const hooksQuerier: ModuleQuerier = {
  prefix: '/hooks',
  routes: {
    /** data: {"contract": "0x…"}; value: its hooks, its hook account and balance, conflicts per attester. */
    [CONTRACT_PATH]: {
      answer: (data, { state }) => {
        const contract = contractOf(CONTRACT_PATH, jsonData(CONTRACT_PATH, data));
        const hooks = declared(CONTRACT_PATH, state, contract);
        const account = hookAccount(contract);
        const { balance } = readAccount(state, account);
        // Only listed attesters can attest, so their counts are every count there is.
        const attesters = [...new Set(hooks.flatMap((h) => h.attesters))];
        const conflicts = Object.fromEntries(attesters.map((a) => [a, readConflictCount(state, contract, parseAddress(a))]).filter(([, n]) => (n as number) > 0));
        return { json: { contract: formatAddress(contract), account: formatAddress(account), balance: balance.toString(), hooks: hooks.map(hookView), conflicts } };
      },
    },
    /** data: {"contract": "0x…", "hook": "name", "id": "event id"}; value: the event's record. */
    [EVENT_PATH]: {
      answer: (data, { state }) => {
        const request = jsonData(EVENT_PATH, data);
        const contract = contractOf(EVENT_PATH, request);
        const hook = field(request, 'hook');
        const id = field(request, 'id');
        if (typeof hook !== 'string' || typeof id !== 'string') throw new QueryError(QueryCode.BAD_REQUEST, `${EVENT_PATH}: hook and id are required strings`);
        if (!declared(EVENT_PATH, state, contract).some((h) => h.name === hook)) throw new QueryError(QueryCode.NOT_FOUND, `${EVENT_PATH}: ${formatAddress(contract)} has no hook "${hook.slice(0, 64)}"`);
        const record = readHookEvent(state, contract, hook, id);
        if (!record) throw new QueryError(QueryCode.NOT_FOUND, `${EVENT_PATH}: no attestation of event "${id.slice(0, 128)}" of hook "${hook}" yet`);
        return { json: { contract: formatAddress(contract), hook, id, ...record } };
      },
    },
  },
};
