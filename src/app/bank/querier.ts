/**
 * The bank's queries (spec/queries.md): an account and the total supply, answered as the stored
 * bytes so that, with `prove`, a client checks them against a header's app hash.
 */
import { addressData, noData, type ModuleQuerier } from '../query/router.js';
import { accountKey, SUPPLY_KEY } from './accounts.js';

export const accountQuerier: ModuleQuerier = {
  prefix: '/account',
  routes: {
    /** data: the 20-byte address; value: the RLP account [balance, nonce], empty for an account never used. */
    '/account': { answer: (data) => ({ storeKey: accountKey(addressData('/account', data)) }) },
  },
};

export const supplyQuerier: ModuleQuerier = {
  prefix: '/supply',
  routes: {
    /** value: the total supply, an RLP unsigned integer (spec/encoding.md). */
    '/supply': { answer: (data) => (noData('/supply', data), { storeKey: SUPPLY_KEY }) },
  },
};
